import { AddressSet } from '../addresses.js';
import type { Dependency } from '../dependencies.js';
import { TagSetMemo, type MemoOptions } from '../memo.js';
import { nsgMemoKey } from './memo-key.js';
import { buildEnv, localCoverage, peerSet, resolve, unionAll, unresolvedWord, type Env, type NsgContext } from './words.js';
import { isAnyPortRange, parsePortRange, portInRange } from './values.js';
import { pagesOn } from '../paging-policy.js';
import { FLOW_REQUIREMENTS, flowApplies, requiredFor, type FlowRequirement } from '../requirements.js';
import { regionalTag } from '../service-tags.js';
import { shortRegion } from '../../model/ids.js';
import type { NetworkSecurityGroup, SecurityRule } from '../../model/network.js';

export type { NsgContext } from './words.js';

/**
 * APIM's required flows judged against an NSG the way Azure evaluates it: rules in priority order,
 * each deciding the part of the peer's addresses that no earlier rule decided (set-based, so a rule
 * written with CIDRs can cover all, part or none of a service tag).
 */

/** `unknown`: a rule that could decide part of the flow holds a value the analysis cannot resolve (named in `note`). */
export type FlowVerdictKind = 'allowed' | 'denied' | 'partial' | 'unknown';

export interface FlowVerdict {
  direction: 'inbound' | 'outbound';
  peer: string;
  port: number;
  protocol: 'Tcp' | 'Udp';
  dependency: Dependency;
  /** Required by Microsoft's table (for this VNet mode and platform). */
  required: boolean;
  /** Whether blocking it pages, by the paging policy (README, "Paging policy"). */
  pages: boolean;
  applies: boolean;
  verdict: FlowVerdictKind;
  /** The first rule that decided any part of the flow (for `partial`, the first of them; for `unknown`, the rule that cannot be resolved). */
  decidedBy: string;
  decidingRules: string[];
  note?: string;
}

export const NO_NSG = '(no NSG)';

const UNKNOWN_NOTE = 'unknown: ';

/** Why a flow is `unknown`: the rule and the value that cannot be resolved (its note leads with them). */
export function unknownReason(flow: Pick<FlowVerdict, 'note' | 'decidedBy'>): string {
  const parts = (flow.note ?? '').split('; ').filter((part) => part.startsWith(UNKNOWN_NOTE));
  return parts.map((part) => part.slice(UNKNOWN_NOTE.length)).join('; ') || `rule ${flow.decidedBy}`;
}

/** Resolves a rule's peer-side words to the part of the flow they stand for, or explains why a word matches nothing. */
type PeerResolver = (spec: string) => AddressSet | string;

function addressResolver(env: Env): PeerResolver {
  return (spec) => resolve(spec, env) ?? unresolvedWord(spec, env);
}

/** Stand-ins 0..count-1 for the regions of a flow judged by names. */
function points(count: number): AddressSet {
  return count === 0 ? AddressSet.EMPTY : AddressSet.of([{ start: 0n, end: BigInt(count - 1) }]);
}

/**
 * Without prefixes for the peer (tag data missing it), judge by names alone: each region the flow
 * needs is one point, which the global tag, `*`, `Internet` or that region's tag cover.
 */
function symbolicResolver(flow: FlowRequirement, env: Env, regions: readonly string[]): PeerResolver {
  const all = points(regions.length);
  const peer = flow.peer.toLowerCase();
  return (spec) => {
    const word = spec.trim().toLowerCase();
    // Internet is everything outside the VNet: it holds every public tag, but not the VNet's own machines.
    if (word === 'internet') return peer === 'virtualnetwork' ? AddressSet.EMPTY : all;
    if (word === '*' || word === 'any' || word === peer) return all;
    if (word === 'virtualnetwork') return env.virtualNetwork.covers(AddressSet.ALL_V4) ? all : AddressSet.EMPTY;
    if (word.startsWith(`${peer}.`)) {
      const index = regions.indexOf(shortRegion(word.slice(peer.length + 1)));
      return index >= 0 ? points(index + 1).subtract(points(index)) : AddressSet.EMPTY;
    }
    if (word === 'azureloadbalancer' || resolve(spec, env) !== undefined) {
      return `cannot tell whether "${spec}" covers ${flow.peer}: the service-tag data has no prefixes for ${flow.peer}`;
    }
    return unresolvedWord(spec, env);
  };
}

interface Decision {
  rule: string;
  access: SecurityRule['access'] | 'Unknown';
  /** The part of the peer's addresses (or, judged by names, of its regions) this rule decided. */
  part: AddressSet;
  /** For `Unknown`: what the rule holds that cannot be resolved. */
  reason?: string;
}

interface Walk {
  decisions: Decision[];
  notes: string[];
}

/** Azure's order: custom rules by priority, then the default rules by priority; a rule whose priority cannot be read first (it might come anywhere). */
function orderedRules(nsg: NetworkSecurityGroup): SecurityRule[] {
  const byPriority = (a: SecurityRule, b: SecurityRule) => Number(a.unresolved?.priority === undefined) - Number(b.unresolved?.priority === undefined) || a.priority - b.priority;
  return [...[...nsg.securityRules].sort(byPriority), ...[...nsg.defaultSecurityRules].sort(byPriority)];
}

/** Whether a rule's destination ports hold the flow's port: `true`, `false`, or the reasons it cannot be told. */
function portsMatch(rule: SecurityRule, port: number): boolean | string[] {
  const ranges = rule.destinationPortRanges.map(parsePortRange);
  if (ranges.some((range) => typeof range !== 'string' && portInRange(range, port))) return true;
  const unreadable = ranges.filter((range): range is string => typeof range === 'string');
  return unreadable.length > 0 ? unreadable.map((reason) => `destination port ${reason}`) : false;
}

function walk(rules: readonly SecurityRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): Walk {
  const decisions: Decision[] = [];
  const notes: string[] = [];
  let undecided = peer;
  for (const rule of rules) {
    if (undecided.isEmpty) break;
    // What this rule holds that cannot be resolved: if it could decide part of the flow, that part is unknown.
    const unknown: string[] = Object.values(rule.unresolved ?? {});
    if (rule.unresolved?.direction === undefined && rule.direction !== flow.direction) continue;
    if (rule.unresolved?.protocol === undefined && !['*', 'any', flow.protocol.toLowerCase()].includes(rule.protocol.toLowerCase())) continue;
    const ports = portsMatch(rule, flow.port);
    if (ports === false) continue;
    if (ports !== true) unknown.push(...ports);
    const local = localCoverage(rule, env);
    if (local === false) continue;
    if (typeof local === 'string') unknown.push(local);

    const inbound = flow.direction === 'Inbound';
    const parts: AddressSet[] = [];
    const unresolvedPeers: string[] = [];
    for (const spec of inbound ? rule.sourceAddressPrefixes : rule.destinationAddressPrefixes) {
      const resolved = resolvePeer(spec);
      if (typeof resolved === 'string') unresolvedPeers.push(resolved);
      else parts.push(resolved);
    }
    const decided = undecided.intersect(unionAll(parts));
    if (decided.isEmpty && unresolvedPeers.length === 0) continue;
    // Azure would apply such rules only to some connections; the subnet-wide verdict cannot count them.
    if (local === 'part') {
      notes.push(`rule ${rule.name} covers only part of the subnet, so it does not decide this flow`);
      continue;
    }
    if (!rule.sourcePortRanges.every(isAnyPortRange)) {
      notes.push(`rule ${rule.name} restricts source ports (${rule.sourcePortRanges.join(', ')}), so it does not decide this flow`);
      continue;
    }
    if (!decided.isEmpty) {
      decisions.push(unknown.length > 0 ? { rule: rule.name, access: 'Unknown', part: decided, reason: unknown.join('; ') } : { rule: rule.name, access: rule.access, part: decided });
      undecided = undecided.subtract(decided);
    }
    // A word that cannot be resolved might stand for any of what is left.
    if (unresolvedPeers.length > 0 && !undecided.isEmpty) {
      decisions.push({ rule: rule.name, access: 'Unknown', part: undecided, reason: [...unknown, ...unresolvedPeers].join('; ') });
      undecided = AddressSet.EMPTY;
    }
  }
  if (!undecided.isEmpty) {
    decisions.push({ rule: '(implicit deny)', access: 'Deny', part: undecided });
    notes.push('no rule decides part of the flow (the NSG lacks Azure\'s DenyAll default rule?); it is treated as denied');
  }
  return { decisions, notes };
}

function verdictOf(decisions: readonly Decision[]): FlowVerdictKind {
  if (decisions.some((decision) => decision.access === 'Unknown')) return 'unknown';
  const allowed = decisions.some((decision) => decision.access === 'Allow');
  const denied = decisions.some((decision) => decision.access === 'Deny');
  return allowed && denied ? 'partial' : allowed ? 'allowed' : 'denied';
}

/** A named part of a flow's peer: a region's tag, for a peer whose regional tags both regions need. */
interface PeerPart {
  label: string;
  addresses: AddressSet;
}

function regionLabel(tag: string, region: string, env: Env): string {
  const [own, primary] = env.regions;
  if (region === own && region === primary) return tag;
  return region === primary ? `${tag} (the primary region's, which Microsoft requires here too)` : `${tag} (this region's)`;
}

/** A secondary region needs its own and the primary region's tags: named apart, so a partial verdict can say which is denied. */
function regionalParts(flow: FlowRequirement, env: Env): PeerPart[] {
  const regions = [...new Set(env.regions)].filter(Boolean);
  if (!flow.regionalTags || regions.length < 2) return [];
  const parts: PeerPart[] = [];
  for (const region of regions) {
    const tag = regionalTag(env.ctx.serviceTags, flow.peer, region);
    if (!tag) return [];
    parts.push({ label: regionLabel(tag.name, region, env), addresses: AddressSet.fromPrefixes(tag.addressPrefixes).intersect(env.family) });
  }
  return parts;
}

/** `partial: Storage.NorthEurope (this region's) allowed by A; Storage.WestEurope (the primary region's, ...) denied by B`. */
function partialNote(decisions: readonly Decision[], parts: readonly PeerPart[], flow: FlowRequirement): string {
  const verb = (access: Decision['access']) => (access === 'Allow' ? 'allowed' : 'denied');
  if (parts.length === 0) {
    const byAccess = (access: Decision['access']) => decisions.filter((decision) => decision.access === access).map((decision) => decision.rule);
    return `partial: ${flow.peer} is allowed by ${byAccess('Allow').join(', ')} for part of its addresses and denied by ${byAccess('Deny').join(', ')} for the rest`;
  }
  const described = parts.map((part) => {
    const deciders = decisions.filter((decision) => !decision.part.intersect(part.addresses).isEmpty);
    const accesses = new Set(deciders.map((decision) => decision.access));
    const how = deciders.map((decision) => `${verb(decision.access)} by ${decision.rule}`).join(', ');
    return `${part.label} ${accesses.size > 1 ? `partly: ${how}` : how}`;
  });
  return `partial: ${described.join('; ')}`;
}

/**
 * Allow rules that would have decided part of a flow that is not allowed, but for one thing: their port
 * (1443 next to 1433), their protocol, or a local side that is not the subnet. What a network engineer
 * looks for first.
 */
function nearMisses(rules: readonly SecurityRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): string[] {
  const notes: string[] = [];
  for (const rule of rules) {
    if (rule.access !== 'Allow' || rule.direction !== flow.direction || rule.unresolved) continue;
    const specs = flow.direction === 'Inbound' ? rule.sourceAddressPrefixes : rule.destinationAddressPrefixes;
    const matched = unionAll(specs.map(resolvePeer).filter((resolved): resolved is AddressSet => typeof resolved !== 'string'));
    if (peer.intersect(matched).isEmpty) continue;
    const why: string[] = [];
    if (!['*', 'any', flow.protocol.toLowerCase()].includes(rule.protocol.toLowerCase())) why.push(`its protocol is ${rule.protocol}, not ${flow.protocol}`);
    if (portsMatch(rule, flow.port) === false) why.push(`its ports are ${rule.destinationPortRanges.join(', ')}, not ${flow.port}`);
    if (localCoverage(rule, env) === false) {
      const side = flow.direction === 'Inbound' ? 'destination' : 'source';
      why.push(`its ${side} (${(flow.direction === 'Inbound' ? rule.destinationAddressPrefixes : rule.sourceAddressPrefixes).join(', ')}) is not the subnet`);
    }
    if (why.length > 0) notes.push(`rule ${rule.name} would allow it but ${why.join(' and ')}`);
  }
  return notes;
}

/** `rules` in Azure's order (`orderedRules`); undefined when the subnet has no NSG. */
function judge(rules: readonly SecurityRule[] | undefined, flow: FlowRequirement, env: Env): FlowVerdict {
  const { ctx } = env;
  const applies = flowApplies(flow, ctx.vnetType, ctx.platformVersion);
  const base = {
    direction: flow.direction === 'Inbound' ? 'inbound' : 'outbound',
    peer: flow.peer,
    port: flow.port,
    protocol: flow.protocol,
    dependency: flow.dependency,
    required: applies && requiredFor(flow, ctx.sku),
    pages: applies && pagesOn(ctx.paging, flow.dependency, requiredFor(flow, ctx.sku)),
    applies,
  } as const;
  if (!rules) {
    return { ...base, verdict: 'allowed', decidedBy: NO_NSG, decidingRules: [], note: 'the subnet has no NSG, so nothing filters this flow' };
  }

  const addresses = peerSet(flow, env);
  const notes: string[] = [];
  let result: Walk;
  let peer: AddressSet;
  let resolver: PeerResolver;
  let parts: PeerPart[];
  if (addresses && !addresses.isEmpty) {
    [peer, resolver, parts] = [addresses, addressResolver(env), regionalParts(flow, env)];
  } else {
    const regions = flow.regionalTags ? [...new Set(env.regions)] : ['*'];
    notes.push(`the service-tag data has no addresses for ${flow.peer}; judged by tag names only`);
    [peer, resolver] = [points(regions.length), symbolicResolver(flow, env, regions)];
    parts = regions.length > 1 ? regions.map((region, index) => ({ label: regionLabel(`${flow.peer}.${region}`, region, env), addresses: points(index + 1).subtract(points(index)) })) : [];
  }
  result = walk(rules, flow, peer, resolver, env);
  notes.push(...result.notes);

  const decidingRules = [...new Set(result.decisions.map((decision) => decision.rule))];
  const kind = verdictOf(result.decisions);
  const unknown = result.decisions.filter((decision) => decision.access === 'Unknown');
  const verdict: FlowVerdict = { ...base, verdict: kind, decidedBy: unknown[0]?.rule ?? decidingRules[0] ?? '', decidingRules };
  // Why it is unknown leads the notes: it is what the user has to fix; then which part each rule decided.
  if (kind === 'partial') notes.unshift(partialNote(result.decisions, parts, flow));
  notes.unshift(...unknown.map((decision) => `${UNKNOWN_NOTE}rule ${decision.rule}: ${decision.reason}`));
  if (kind !== 'allowed') notes.push(...nearMisses(rules, flow, peer, resolver, env));
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) verdict.note = uniqueNotes.join('; ');
  return verdict;
}

export function evaluateFlow(nsg: NetworkSecurityGroup | undefined, flow: FlowRequirement, ctx: NsgContext): FlowVerdict {
  return judge(nsg && orderedRules(nsg), flow, buildEnv(ctx));
}

/** Regions of a fleet mostly share an NSG's rules; see memo-key.ts for what makes two regions the same. Exported for tests to see what is shared. */
export const nsgVerdictMemo = new TagSetMemo<readonly FlowVerdict[]>(1024);

/**
 * Remembered verdicts are frozen and shared by every region they fit (a fleet's reports would
 * otherwise hold one copy per region): nothing downstream changes a verdict, and freezing makes sure.
 */
const frozen = (verdicts: FlowVerdict[]): readonly FlowVerdict[] => {
  for (const verdict of verdicts) Object.freeze(Object.freeze(verdict).decidingRules);
  return Object.freeze(verdicts);
};

/** One verdict per row of FLOW_REQUIREMENTS, in table order. */
export function evaluateNsg(nsg: NetworkSecurityGroup | undefined, ctx: NsgContext, options: MemoOptions = {}): FlowVerdict[] {
  const memo = options.memo !== false;
  const env = buildEnv(ctx, memo);
  const rules = nsg && orderedRules(nsg);
  const judgeAll = () => FLOW_REQUIREMENTS.map((flow) => judge(rules, flow, env));
  if (!rules || !memo) return judgeAll();
  return [...nsgVerdictMemo.get(ctx.serviceTags, nsgMemoKey(rules, env), () => frozen(judgeAll()))];
}

export interface RuleProblem {
  rule: string;
  problems: string[];
}

/**
 * Every rule holding a value Azure would reject or the analysis cannot resolve (an unknown tag, an
 * unparsable port or prefix, an ARM expression, a priority outside 100-4096), with why: reported by name
 * whether or not it decides a flow, since a network engineer has to fix it either way.
 */
export function ruleProblems(nsg: NetworkSecurityGroup, ctx: NsgContext): RuleProblem[] {
  const env = buildEnv(ctx, false);
  const problems: RuleProblem[] = [];
  for (const rule of orderedRules(nsg)) {
    const found = [...Object.values(rule.unresolved ?? {})];
    for (const range of [...rule.sourcePortRanges, ...rule.destinationPortRanges]) {
      const parsed = parsePortRange(range);
      if (typeof parsed === 'string') found.push(`port ${parsed}`);
    }
    for (const spec of [...rule.sourceAddressPrefixes, ...rule.destinationAddressPrefixes]) {
      if (resolve(spec, env) === undefined) found.push(unresolvedWord(spec, env));
    }
    if (found.length > 0) problems.push({ rule: rule.name, problems: [...new Set(found)] });
  }
  return problems;
}
