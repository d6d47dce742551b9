import { AddressSet } from '../addresses.js';
import type { FlowRequirement } from '../requirements.js';
import { isAnyPortRange, parsePortRange, portInRange } from './values.js';
import { localCoverage, resolve, unionAll, unresolvedWord, type Env } from './words.js';
import { shortRegion } from '../../model/ids.js';
import type { NetworkSecurityGroup, SecurityAdminRule, SecurityRule } from '../../model/network.js';
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

/** A rule of either layer Azure evaluates: the VNet's security admin rules, then the subnet's NSG. */
export type LayerRule = SecurityRule | SecurityAdminRule;

const isAdminRule = (rule: LayerRule): rule is SecurityAdminRule => 'networkManager' in rule;

/** How outputs name a rule: an admin rule with its network manager, since the NSG's owner cannot change it. */
export function ruleLabel(rule: LayerRule): string {
  return isAdminRule(rule) ? `${rule.name} (admin rule of network manager ${rule.networkManager || 'unknown'})` : rule.name;
}

export interface Decision {
  /** The deciding rule's label (ruleLabel). */
  rule: string;
  access: LayerRule['access'] | 'Unknown';
  /** Set when the rule is a security admin rule. */
  admin?: SecurityAdminRule;
  /** The part of the peer's addresses (or, judged by names, of its regions) this rule decided. */
  part: AddressSet;
  /** For `Unknown`: what the rule holds that cannot be resolved. */
  reason?: string;
}

export interface Walk {
  decisions: Decision[];
  notes: string[];
  /** What no rule of the layer decided (empty for the last layer, where it is denied). */
  undecided: AddressSet;
}

/** Azure's order: custom rules by priority, then the default rules by priority; a rule whose priority cannot be read first (it might come anywhere). */
export function orderedRules(nsg: NetworkSecurityGroup): SecurityRule[] {
  return [...[...nsg.securityRules].sort(byPriority), ...[...nsg.defaultSecurityRules].sort(byPriority)];
}

/** Security admin rules in Azure's order: by priority, as NSG rules. */
export function orderedAdminRules(rules: readonly SecurityAdminRule[]): SecurityAdminRule[] {
  return [...rules].sort(byPriority);
}

/** Lower priority first; a rule whose priority cannot be read first of all (it might come anywhere). */
function byPriority(a: LayerRule, b: LayerRule): number {
  return Number(a.unresolved?.priority === undefined) - Number(b.unresolved?.priority === undefined) || a.priority - b.priority;
}

/** Whether a rule's destination ports hold the flow's port: `true`, `false`, or the reasons it cannot be told. */
export function portsMatch(rule: LayerRule, port: number): boolean | string[] {
  const ranges = rule.destinationPortRanges.map(parsePortRange);
  if (ranges.some((range) => typeof range !== 'string' && portInRange(range, port))) return true;
  const unreadable = ranges.filter((range): range is string => typeof range === 'string');
  return unreadable.length > 0 ? unreadable.map((reason) => `destination port ${reason}`) : false;
}

/**
 * Walks one layer's rules over `peer`. The NSG is the last layer: what no rule decides is denied. The
 * admin layer is not: what it leaves undecided goes on to the NSG (`undecided`).
 */
export function walk(rules: readonly LayerRule[], flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env, lastLayer = true): Walk {
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
      notes.push(`rule ${ruleLabel(rule)} covers only part of the subnet, so it does not decide this flow`);
      continue;
    }
    if (!rule.sourcePortRanges.every(isAnyPortRange)) {
      notes.push(`rule ${ruleLabel(rule)} restricts source ports (${rule.sourcePortRanges.join(', ')}), so it does not decide this flow`);
      continue;
    }
    if (!decided.isEmpty) {
      const decision: Decision = unknown.length > 0 ? { rule: ruleLabel(rule), access: 'Unknown', part: decided, reason: unknown.join('; ') } : { rule: ruleLabel(rule), access: rule.access, part: decided };
      if (isAdminRule(rule)) decision.admin = rule;
      decisions.push(decision);
      undecided = undecided.subtract(decided);
    }
    // A word that cannot be resolved might stand for any of what is left.
    if (unresolvedPeers.length > 0 && !undecided.isEmpty) {
      decisions.push({ rule: ruleLabel(rule), access: 'Unknown', part: undecided, reason: [...unknown, ...unresolvedPeers].join('; '), ...(isAdminRule(rule) ? { admin: rule } : {}) });
      undecided = AddressSet.EMPTY;
    }
  }
  if (lastLayer && !undecided.isEmpty) {
    decisions.push({ rule: '(implicit deny)', access: 'Deny', part: undecided });
    notes.push('no rule decides part of the flow (the NSG lacks Azure\'s DenyAll default rule?); it is treated as denied');
    undecided = AddressSet.EMPTY;
  }
  return { decisions, notes, undecided };
}

export function verdictOf(decisions: readonly Decision[]): FlowVerdictKind {
  if (decisions.some((decision) => decision.access === 'Unknown')) return 'unknown';
  const allowed = decisions.some((decision) => decision.access === 'Allow' || decision.access === 'AlwaysAllow');
  const denied = decisions.some((decision) => decision.access === 'Deny');
  return allowed && denied ? 'partial' : allowed ? 'allowed' : 'denied';
}
