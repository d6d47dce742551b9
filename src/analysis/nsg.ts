import { AddressSet } from './addresses.js';
import type { Dependency } from './dependencies.js';
import { TagSetMemo, type MemoOptions } from './memo.js';
import { nsgMemoKey } from './nsg-memo-key.js';
import { buildEnv, localCoverage, peerSet, resolve, unionAll, type Env, type NsgContext } from './nsg-words.js';
import { pagesOn } from './paging-policy.js';
import { FLOW_REQUIREMENTS, flowApplies, type FlowRequirement } from './requirements.js';
import { shortRegion } from '../model/ids.js';
import type { NetworkSecurityGroup, SecurityRule } from '../model/network.js';

export type { NsgContext } from './nsg-words.js';

/**
 * APIM's required flows judged against an NSG the way Azure evaluates it: rules in priority order,
 * each deciding the part of the peer's addresses that no earlier rule decided (set-based, so a rule
 * written with CIDRs can cover all, part or none of a service tag).
 */

export type FlowVerdictKind = 'allowed' | 'denied' | 'partial';

export interface FlowVerdict {
  direction: 'inbound' | 'outbound';
  peer: string;
  port: number;
  protocol: 'Tcp';
  dependency: Dependency;
  /** Required by Microsoft's table (for this VNet mode and platform). */
  required: boolean;
  /** Whether blocking it pages, by the paging policy (design.md, "Severity is a policy"). */
  pages: boolean;
  applies: boolean;
  verdict: FlowVerdictKind;
  /** The first rule that decided any part of the flow (for `partial`, the first of them). */
  decidedBy: string;
  decidingRules: string[];
  note?: string;
}

export const NO_NSG = '(no NSG)';

/** Resolves a rule's peer-side words to the part of the flow they stand for, or explains why a word matches nothing. */
type PeerResolver = (spec: string) => AddressSet | string;

function addressResolver(env: Env): PeerResolver {
  return (spec) => resolve(spec, env) ?? `"${spec}" is not a service tag in the tag data, so it matches nothing`;
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
    if (word === '*' || word === 'any' || word === 'internet' || word === peer) return all;
    if (word === 'virtualnetwork') return env.virtualNetwork.covers(AddressSet.ALL_V4) ? all : AddressSet.EMPTY;
    if (word.startsWith(`${peer}.`)) {
      const index = regions.indexOf(shortRegion(word.slice(peer.length + 1)));
      return index >= 0 ? points(index + 1).subtract(points(index)) : AddressSet.EMPTY;
    }
    if (word === 'azureloadbalancer' || resolve(spec, env) !== undefined) {
      return `cannot tell whether "${spec}" covers ${flow.peer}: the service-tag data has no prefixes for ${flow.peer}`;
    }
    return `"${spec}" is not a service tag in the tag data, so it matches nothing`;
  };
}

function portRangeContains(range: string, port: number): boolean | undefined {
  if (range === '*') return true;
  const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(range);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return port >= low && port <= high;
}

function isAnyPort(range: string): boolean {
  return range === '*' || range === '0-65535';
}

interface Decision {
  rule: string;
  access: SecurityRule['access'];
}

interface Walk {
  decisions: Decision[];
  notes: string[];
}

/** Azure's order: custom rules by priority, then the default rules by priority. */
function orderedRules(nsg: NetworkSecurityGroup): SecurityRule[] {
  const byPriority = (a: SecurityRule, b: SecurityRule) => a.priority - b.priority;
  return [...[...nsg.securityRules].sort(byPriority), ...[...nsg.defaultSecurityRules].sort(byPriority)];
}

function walk(rules: readonly SecurityRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): Walk {
  const decisions: Decision[] = [];
  const notes: string[] = [];
  let undecided = peer;
  for (const rule of rules) {
    if (undecided.isEmpty) break;
    if (rule.direction !== flow.direction) continue;
    if (!['*', 'any', 'tcp'].includes(rule.protocol.toLowerCase())) continue;
    const portMatches = rule.destinationPortRanges.map((range) => portRangeContains(range, flow.port));
    rule.destinationPortRanges.forEach((range, index) => {
      if (portMatches[index] === undefined) notes.push(`rule ${rule.name}: destination port "${range}" is not a port or range; ignored`);
    });
    if (!portMatches.includes(true)) continue;
    const inbound = flow.direction === 'Inbound';
    const local = localCoverage(rule, env);
    if (local === false) continue;

    const parts: AddressSet[] = [];
    for (const spec of inbound ? rule.sourceAddressPrefixes : rule.destinationAddressPrefixes) {
      const resolved = resolvePeer(spec);
      if (typeof resolved === 'string') notes.push(`rule ${rule.name}: ${resolved}`);
      else parts.push(resolved);
    }
    const matched = unionAll(parts);
    const decided = undecided.intersect(matched);
    if (decided.isEmpty) continue;
    // Azure would apply such rules only to some connections; the subnet-wide verdict cannot count them.
    if (local === 'part') {
      notes.push(`rule ${rule.name} covers only part of the subnet, so it does not decide this flow`);
      continue;
    }
    if (!rule.sourcePortRanges.every(isAnyPort)) {
      notes.push(`rule ${rule.name} restricts source ports (${rule.sourcePortRanges.join(', ')}), so it does not decide this flow`);
      continue;
    }
    decisions.push({ rule: rule.name, access: rule.access });
    undecided = undecided.subtract(decided);
  }
  if (!undecided.isEmpty) {
    decisions.push({ rule: '(implicit deny)', access: 'Deny' });
    notes.push('no rule decides part of the flow (the NSG lacks Azure\'s DenyAll default rule?); it is treated as denied');
  }
  return { decisions, notes };
}

function verdictOf(decisions: readonly Decision[]): FlowVerdictKind {
  const allowed = decisions.some((decision) => decision.access === 'Allow');
  const denied = decisions.some((decision) => decision.access === 'Deny');
  return allowed && denied ? 'partial' : allowed ? 'allowed' : 'denied';
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
    required: applies && flow.platformRequired,
    pages: applies && pagesOn(ctx.paging, flow.dependency, flow.platformRequired),
    applies,
  } as const;
  if (!rules) {
    return { ...base, verdict: 'allowed', decidedBy: NO_NSG, decidingRules: [], note: 'the subnet has no NSG, so nothing filters this flow' };
  }

  const addresses = peerSet(flow, env);
  const notes: string[] = [];
  let result: Walk;
  if (addresses && !addresses.isEmpty) {
    result = walk(rules, flow, addresses, addressResolver(env), env);
  } else {
    const regions = flow.regionalTags ? [...new Set(env.regions)] : ['*'];
    notes.push(`the service-tag data has no addresses for ${flow.peer}; judged by tag names only`);
    result = walk(rules, flow, points(regions.length), symbolicResolver(flow, env, regions), env);
  }
  notes.push(...result.notes);

  const decidingRules = [...new Set(result.decisions.map((decision) => decision.rule))];
  const verdict: FlowVerdict = { ...base, verdict: verdictOf(result.decisions), decidedBy: decidingRules[0] ?? '', decidingRules };
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) verdict.note = uniqueNotes.join('; ');
  return verdict;
}

export function evaluateFlow(nsg: NetworkSecurityGroup | undefined, flow: FlowRequirement, ctx: NsgContext): FlowVerdict {
  return judge(nsg && orderedRules(nsg), flow, buildEnv(ctx));
}

/** Regions of a fleet mostly share an NSG's rules; see nsg-memo-key.ts for what makes two regions the same. Exported for tests to see what is shared. */
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
