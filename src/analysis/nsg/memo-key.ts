import { AddressSet } from '../addresses.js';
import { HOST_VIP, localCoverage, peerSet, tagPeers, unionAll, type Coverage, type Env } from './words.js';
import { FLOW_REQUIREMENTS } from '../requirements.js';
import type { LayerRule } from './walk.js';

/**
 * The memo key of a region's NSG verdicts: everything the evaluation reads, besides the tag set (the
 * memo is kept per tag set) and FLOW_REQUIREMENTS (a constant). Two regions with the same key get
 * the same verdicts, because:
 *
 * - Of the NSG, the walk reads its rules in Azure's order and, per rule, exactly the fields listed in
 *   `ruleKey` (a rule's priority only through that order; the NSG's name and id, and `isDefault`,
 *   not at all).
 * - Of the context, `judge` reads the VNet type, the platform version, the paging dependencies, the
 *   two regions' short names and the address family; all are in the key.
 * - The subnet's own addresses reach the verdicts only through these sets, none of which is in the
 *   key as such:
 *   - the local side of a rule, only as its coverage of the subnet (`localCoverage`), per rule;
 *   - `Internet`, whole (it is ALL minus the VNet and fixed ranges, a handful of intervals);
 *   - `VirtualNetwork` (VNet, subnet, UDR prefixes, two fixed addresses) on a rule's peer side: the
 *     walk only ever intersects it with what is left undecided of the flow's peer, a subset of the
 *     peer's addresses P. Every P is a tag peer (a subset of `tagPeers()`, fixed by tag set,
 *     regions and family), `Internet` ∩ family, or the host VIP; so VirtualNetwork ∩ P is fixed by
 *     (VNet ∪ subnet) ∩ (tag peers ∪ Internet ∪ host VIP), the UDR prefixes as written, and the rest
 *     of the key. For a private VNet that intersection is empty, so fleets with one VNet each still
 *     share entries;
 *   - when some flow's peer has no addresses (judged by tag names; which flows is fixed by the rest
 *     of the key), whether VirtualNetwork covers all of IPv4, the only thing the name-based walk
 *     asks of it.
 *
 * A coverage that cannot be computed (bad tag data) is keyed as such: the walk reads the same rules
 * in the same order, so it reaches that rule, and fails, for every region with this key or for none.
 */
export function nsgMemoKey(rules: readonly LayerRule[], env: Env): string {
  const { ctx } = env;
  const local = env.subnet ? env.vnet.union(env.subnet) : env.vnet;
  const localPeerSide = unionAll([local.intersect(tagPeers(env)), local.intersect(env.internet), local.intersect(HOST_VIP)]);
  // As `judge` decides: a flow whose peer has no addresses is judged by tag names.
  // Which flows: a VirtualNetwork peer is judged by name where the VNet's addresses are unknown (whatif).
  const judgedByName = FLOW_REQUIREMENTS.map((flow) => (peerSet(flow, env)?.isEmpty !== false ? '1' : '0')).join('');
  const byName = judgedByName.includes('1');
  return JSON.stringify([
    ctx.vnetType,
    ctx.platformVersion,
    ctx.sku ?? '',
    // VirtualNetwork flows' peer is the VNet itself: an IP word of a rule meets it only through these addresses.
    rules.some((rule) => [...rule.sourceAddressPrefixes, ...rule.destinationAddressPrefixes].some((word) => /^[\d.:a-f]+(\/\d+)?$/i.test(word) && /[\d]/.test(word))) ? local.key() : null,
    rules.map((rule) => rule.unresolved ?? null),
    ctx.paging,
    env.regions,
    env.family === AddressSet.ALL,
    env.internet.key(),
    localPeerSide.key(),
    ctx.udrPrefixes,
    byName ? [judgedByName, env.virtualNetwork.covers(AddressSet.ALL_V4)] : null,
    rules.map((rule) => ruleKey(rule, env)),
  ]);
}

function ruleKey(rule: LayerRule, env: Env): unknown[] {
  return [
    rule.name,
    rule.direction,
    rule.access,
    rule.protocol,
    rule.sourceAddressPrefixes,
    rule.destinationAddressPrefixes,
    rule.sourcePortRanges,
    rule.destinationPortRanges,
    coverageOrFailure(rule, env),
  ];
}

function coverageOrFailure(rule: LayerRule, env: Env): Coverage | 'fails' {
  try {
    return localCoverage(rule, env);
  } catch {
    return 'fails';
  }
}
