import { AddressSet } from '../addresses.js';
import type { FlowRequirement } from '../requirements.js';
import { isAnyPortRange, parsePortRange, portInRange } from './values.js';
import { localCoverage, resolve, unionAll, unresolvedWord, type Env } from './words.js';
import { shortRegion } from '../../model/ids.js';
import type { NetworkSecurityGroup, SecurityRule } from '../../model/network.js';
import type { FlowVerdictKind } from './verdict.js';

/**
 * The walk of one flow through an NSG's rules, as Azure evaluates them: in priority order, each rule
 * deciding the part of the peer's addresses that no earlier rule decided.
 */

/** Resolves a rule's peer-side words to the part of the flow they stand for, or explains why a word matches nothing. */
export type PeerResolver = (spec: string) => AddressSet | string;

export function addressResolver(env: Env): PeerResolver {
  return (spec) => resolve(spec, env) ?? unresolvedWord(spec, env);
}

/** Stand-ins 0..count-1 for the regions of a flow judged by names. */
export function points(count: number): AddressSet {
  return count === 0 ? AddressSet.EMPTY : AddressSet.of([{ start: 0n, end: BigInt(count - 1) }]);
}

/**
 * Without prefixes for the peer (tag data missing it), judge by names alone: each region the flow
 * needs is one point, which the global tag, `*`, `Internet` or that region's tag cover.
 */
export function symbolicResolver(flow: FlowRequirement, env: Env, regions: readonly string[]): PeerResolver {
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

export interface Decision {
  rule: string;
  access: SecurityRule['access'] | 'Unknown';
  /** The part of the peer's addresses (or, judged by names, of its regions) this rule decided. */
  part: AddressSet;
  /** For `Unknown`: what the rule holds that cannot be resolved. */
  reason?: string;
}

export interface Walk {
  decisions: Decision[];
  notes: string[];
}

/** Azure's order: custom rules by priority, then the default rules by priority; a rule whose priority cannot be read first (it might come anywhere). */
export function orderedRules(nsg: NetworkSecurityGroup): SecurityRule[] {
  const byPriority = (a: SecurityRule, b: SecurityRule) => Number(a.unresolved?.priority === undefined) - Number(b.unresolved?.priority === undefined) || a.priority - b.priority;
  return [...[...nsg.securityRules].sort(byPriority), ...[...nsg.defaultSecurityRules].sort(byPriority)];
}

/** Whether a rule's destination ports hold the flow's port: `true`, `false`, or the reasons it cannot be told. */
export function portsMatch(rule: SecurityRule, port: number): boolean | string[] {
  const ranges = rule.destinationPortRanges.map(parsePortRange);
  if (ranges.some((range) => typeof range !== 'string' && portInRange(range, port))) return true;
  const unreadable = ranges.filter((range): range is string => typeof range === 'string');
  return unreadable.length > 0 ? unreadable.map((reason) => `destination port ${reason}`) : false;
}

export function walk(rules: readonly SecurityRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): Walk {
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

export function verdictOf(decisions: readonly Decision[]): FlowVerdictKind {
  if (decisions.some((decision) => decision.access === 'Unknown')) return 'unknown';
  const allowed = decisions.some((decision) => decision.access === 'Allow');
  const denied = decisions.some((decision) => decision.access === 'Deny');
  return allowed && denied ? 'partial' : allowed ? 'allowed' : 'denied';
}
