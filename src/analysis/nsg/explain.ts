import { AddressSet } from '../addresses.js';
import type { FlowRequirement } from '../requirements.js';
import { regionalTag } from '../service-tags.js';
import type { NetworkSecurityGroup, SecurityAdminRule, SecurityRule, ServiceTagSet } from '../../model/network.js';
import { orderedRules, portsMatch, ruleLabel, type Decision, type PeerResolver } from './walk.js';
import { parsePortRange } from './values.js';
import type { FlowVerdict } from './verdict.js';
import { buildEnv, localCoverage, resolve, unionAll, unresolvedWord, type Env, type NsgContext } from './words.js';

/** What a verdict says besides itself: why it is unknown, which part each rule decided, the rules that nearly matched, the rules Azure would reject. */

export const UNKNOWN_NOTE = 'unknown: ';

/** Why a flow is `unknown`: the rule and the value that cannot be resolved (its note leads with them). */
export function unknownReason(flow: Pick<FlowVerdict, 'note' | 'decidedBy'>): string {
  const parts = (flow.note ?? '').split('; ').filter((part) => part.startsWith(UNKNOWN_NOTE));
  return parts.map((part) => part.slice(UNKNOWN_NOTE.length)).join('; ') || `rule ${flow.decidedBy}`;
}

/** How a near miss reads (`rule AllowSql would allow it but its ports are 1443, not 1433`): `whatif`'s table picks them out of a note by it. */
const NEAR_MISS = ' would allow it but ';

/** The near misses in a flow's note (see `nearMisses`). */
export function nearMissNotes(note: string | undefined): string[] {
  return (note ?? '').split('; ').filter((part) => part.startsWith('rule ') && part.includes(NEAR_MISS));
}

/** A named part of a flow's peer: a region's tag, for a peer whose regional tags both regions need. */
export interface PeerPart {
  label: string;
  addresses: AddressSet;
}

export function regionLabel(tag: string, region: string, env: Env): string {
  const [own, primary] = env.regions;
  if (region === own && region === primary) return tag;
  return region === primary ? `${tag} (the primary region's, which Microsoft requires here too)` : `${tag} (this region's)`;
}

/** A secondary region needs its own and the primary region's tags: named apart, so a partial verdict can say which is denied. */
export function regionalParts(flow: FlowRequirement, env: Env): PeerPart[] {
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
export function partialNote(decisions: readonly Decision[], parts: readonly PeerPart[], flow: FlowRequirement): string {
  const verb = (access: Decision['access']) => (access === 'Allow' || access === 'AlwaysAllow' ? 'allowed' : 'denied');
  if (parts.length === 0) {
    const by = (allowing: boolean) => decisions.filter((decision) => (verb(decision.access) === 'allowed') === allowing).map((decision) => decision.rule);
    return `partial: ${flow.peer} is allowed by ${by(true).join(', ')} for part of its addresses and denied by ${by(false).join(', ')} for the rest`;
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
export function nearMisses(rules: readonly SecurityRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): string[] {
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
    if (why.length > 0) notes.push(`rule ${rule.name}${NEAR_MISS}${why.join(' and ')}`);
  }
  return notes;
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
export function ruleProblems(nsg: NetworkSecurityGroup, serviceTags: ServiceTagSet, adminRules: readonly SecurityAdminRule[] = []): RuleProblem[] {
  // Whether a word resolves depends on the tag data alone, not on the subnet or its region.
  const ctx: NsgContext = { vnetType: 'External', platformVersion: '', paging: {}, region: '', primaryRegion: '', serviceTags, vnetAddressSpace: [], subnetPrefixes: [], udrPrefixes: [] };
  const env = buildEnv(ctx);
  const problems: RuleProblem[] = [];
  for (const rule of [...adminRules, ...orderedRules(nsg)]) {
    const found = [...Object.values(rule.unresolved ?? {})];
    for (const range of [...rule.sourcePortRanges, ...rule.destinationPortRanges]) {
      const parsed = parsePortRange(range);
      if (typeof parsed === 'string') found.push(`port ${parsed}`);
    }
    for (const spec of [...rule.sourceAddressPrefixes, ...rule.destinationAddressPrefixes]) {
      if (resolve(spec, env) === undefined) found.push(unresolvedWord(spec, env));
    }
    if (found.length > 0) problems.push({ rule: ruleLabel(rule), problems: [...new Set(found)] });
  }
  return problems;
}
