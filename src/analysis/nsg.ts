import { AddressSet, isIpPrefix } from './addresses.js';
import type { Dependency } from './dependencies.js';
import { FLOW_REQUIREMENTS, flowApplies, isFlowRequired, type FlowRequirement } from './requirements.js';
import { peerAddresses, tagAddresses } from './service-tags.js';
import { shortRegion } from '../model/ids.js';
import type { NetworkSecurityGroup, SecurityRule, ServiceTagSet } from '../model/network.js';
import type { VnetType } from '../model/snapshot.js';

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
  required: boolean;
  applies: boolean;
  verdict: FlowVerdictKind;
  /** The first rule that decided any part of the flow (for `partial`, the first of them). */
  decidedBy: string;
  decidingRules: string[];
  note?: string;
}

export interface NsgContext {
  vnetType: VnetType;
  platformVersion: string;
  pagingDependencies: readonly Dependency[];
  /** ARM short names. */
  region: string;
  primaryRegion: string;
  serviceTags: ServiceTagSet;
  vnetAddressSpace: string[];
  /** Empty when unknown (whatif): then any `*`, `VirtualNetwork` or CIDR local side counts as the subnet. */
  subnetPrefixes: string[];
  /** Every address prefix used in the subnet's UDRs (they widen `VirtualNetwork`). */
  udrPrefixes: string[];
}

export const NO_NSG = '(no NSG)';

const HOST_VIP = AddressSet.fromPrefixes(['168.63.129.16/32']);
const METADATA_IP = AddressSet.fromPrefixes(['169.254.169.254/32']);
/** What Azure's `Internet` tag leaves out besides the VNet itself. */
const NOT_INTERNET = AddressSet.fromPrefixes(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '168.63.129.16/32', '169.254.0.0/16']);

/** Parsing a tag's prefixes is the expensive part; tag sets are shared across instances and polls. */
const tagCache = new WeakMap<ServiceTagSet, Map<string, AddressSet | undefined>>();

function cached(tags: ServiceTagSet, key: string, compute: () => AddressSet | undefined): AddressSet | undefined {
  let byKey = tagCache.get(tags);
  if (!byKey) tagCache.set(tags, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, compute());
  return byKey.get(key);
}

/** `isIpPrefix` throws and catches on every tag name, which is slow on the hot path; the regex is a cheap necessary condition. */
function looksLikeIp(text: string): boolean {
  return /^[\d.:a-f]+(\/\d+)?$/i.test(text) && isIpPrefix(text);
}

const ipPrefixes = (prefixes: readonly string[]) => AddressSet.fromPrefixes(prefixes.filter(looksLikeIp));

/** Unions that skip empty sets: re-sorting an already sorted large set costs more than the rest of a walk. */
function unionAll(sets: readonly AddressSet[]): AddressSet {
  const nonEmpty = sets.filter((set) => !set.isEmpty);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? AddressSet.EMPTY;
  return AddressSet.of(nonEmpty.flatMap((set) => [...set.intervals]));
}

/** `subtract` compares every pair of intervals; going through the complement keeps it linear. */
function without(set: AddressSet, removed: AddressSet): AddressSet {
  return set.intersect(AddressSet.ALL.subtract(removed));
}

/** What the address words of rules mean for this subnet; built once per evaluation. */
interface Env {
  ctx: NsgContext;
  subnet: AddressSet | undefined;
  virtualNetwork: AddressSet;
  internet: AddressSet;
  /** APIM in a VNet is IPv4-only unless the VNet is dual-stack, so IPv6 prefixes of a tag cannot be reached. */
  family: AddressSet;
  /** The flow's own region and the primary region, as ARM short names (regional tags of both count). */
  regions: string[];
  /** Resolved address words of this evaluation, by lower-cased word. */
  words: Map<string, AddressSet | undefined>;
}

function buildEnv(ctx: NsgContext): Env {
  const vnet = ipPrefixes(ctx.vnetAddressSpace);
  const subnet = ctx.subnetPrefixes.length > 0 ? ipPrefixes(ctx.subnetPrefixes) : undefined;
  // UDRs may name service tags as well as CIDRs; both widen VirtualNetwork.
  const udr = unionAll(ctx.udrPrefixes.map((prefix) => (looksLikeIp(prefix) ? AddressSet.fromPrefixes([prefix]) : (tagSet(ctx.serviceTags, prefix) ?? AddressSet.EMPTY))));
  const dualStack = [...ctx.vnetAddressSpace, ...ctx.subnetPrefixes].some((prefix) => prefix.includes(':'));
  return {
    ctx,
    subnet,
    virtualNetwork: unionAll([vnet, subnet ?? AddressSet.EMPTY, udr, HOST_VIP, METADATA_IP]),
    internet: AddressSet.ALL.subtract(vnet.union(NOT_INTERNET)),
    family: dualStack ? AddressSet.ALL : AddressSet.ALL_V4,
    regions: [shortRegion(ctx.region), shortRegion(ctx.primaryRegion)],
    words: new Map(),
  };
}

function tagSet(tags: ServiceTagSet, name: string): AddressSet | undefined {
  return cached(tags, `tag:${name.toLowerCase()}`, () => tagAddresses(tags, name));
}

/** One address word of a rule (`*`, a tag, a CIDR); undefined when Azure would not know it either. */
function resolve(spec: string, env: Env): AddressSet | undefined {
  const word = spec.trim().toLowerCase();
  if (!env.words.has(word)) env.words.set(word, resolveWord(word, env));
  return env.words.get(word);
}

function resolveWord(word: string, env: Env): AddressSet | undefined {
  if (word === '*' || word === 'any') return AddressSet.ALL;
  if (word === 'virtualnetwork') return env.virtualNetwork;
  if (word === 'azureloadbalancer') return HOST_VIP;
  if (word === 'internet') return env.internet;
  if (looksLikeIp(word)) return AddressSet.fromPrefixes([word]);
  return tagSet(env.ctx.serviceTags, word);
}

/** The addresses a flow's peer stands for; undefined when the tag data does not know them. */
function peerSet(flow: FlowRequirement, env: Env): AddressSet | undefined {
  const peer = flow.peer.toLowerCase();
  if (peer === 'azureloadbalancer') return HOST_VIP;
  if (peer === 'internet') return env.internet.intersect(env.family);
  const { ctx, regions } = env;
  const key = `peer:${peer}|${regions.join(',')}|${flow.regionalTags}|${env.family === AddressSet.ALL ? 'v4v6' : 'v4'}`;
  return cached(ctx.serviceTags, key, () => peerAddresses(ctx.serviceTags, flow.peer, regions, flow.regionalTags)?.intersect(env.family));
}

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

function localCoversSubnet(specs: readonly string[], env: Env): boolean | 'part' {
  if (!env.subnet) return specs.some((spec) => ['*', 'any', 'virtualnetwork'].includes(spec.toLowerCase()) || looksLikeIp(spec));
  const local = unionAll(specs.map((spec) => resolve(spec, env) ?? AddressSet.EMPTY));
  if (local.covers(env.subnet)) return true;
  return local.intersect(env.subnet).isEmpty ? false : 'part';
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

function walk(nsg: NetworkSecurityGroup, flow: FlowRequirement, peer: AddressSet, resolvePeer: PeerResolver, env: Env): Walk {
  const decisions: Decision[] = [];
  const notes: string[] = [];
  let undecided = peer;
  for (const rule of orderedRules(nsg)) {
    if (undecided.isEmpty) break;
    if (rule.direction !== flow.direction) continue;
    if (!['*', 'any', 'tcp'].includes(rule.protocol.toLowerCase())) continue;
    const portMatches = rule.destinationPortRanges.map((range) => portRangeContains(range, flow.port));
    rule.destinationPortRanges.forEach((range, index) => {
      if (portMatches[index] === undefined) notes.push(`rule ${rule.name}: destination port "${range}" is not a port or range; ignored`);
    });
    if (!portMatches.includes(true)) continue;
    const inbound = flow.direction === 'Inbound';
    const local = localCoversSubnet(inbound ? rule.destinationAddressPrefixes : rule.sourceAddressPrefixes, env);
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
    undecided = without(undecided, decided);
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

function judge(nsg: NetworkSecurityGroup | undefined, flow: FlowRequirement, env: Env): FlowVerdict {
  const { ctx } = env;
  const applies = flowApplies(flow, ctx.vnetType, ctx.platformVersion);
  const base = {
    direction: flow.direction === 'Inbound' ? 'inbound' : 'outbound',
    peer: flow.peer,
    port: flow.port,
    protocol: flow.protocol,
    dependency: flow.dependency,
    required: applies && isFlowRequired(flow, ctx.pagingDependencies),
    applies,
  } as const;
  if (!nsg) {
    return { ...base, verdict: 'allowed', decidedBy: NO_NSG, decidingRules: [], note: 'the subnet has no NSG, so nothing filters this flow' };
  }

  const addresses = peerSet(flow, env);
  const notes: string[] = [];
  let result: Walk;
  if (addresses && !addresses.isEmpty) {
    result = walk(nsg, flow, addresses, addressResolver(env), env);
  } else {
    const regions = flow.regionalTags ? [...new Set(env.regions)] : ['*'];
    notes.push(`the service-tag data has no addresses for ${flow.peer}; judged by tag names only`);
    result = walk(nsg, flow, points(regions.length), symbolicResolver(flow, env, regions), env);
  }
  notes.push(...result.notes);

  const decidingRules = [...new Set(result.decisions.map((decision) => decision.rule))];
  const verdict: FlowVerdict = { ...base, verdict: verdictOf(result.decisions), decidedBy: decidingRules[0] ?? '', decidingRules };
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) verdict.note = uniqueNotes.join('; ');
  return verdict;
}

export function evaluateFlow(nsg: NetworkSecurityGroup | undefined, flow: FlowRequirement, ctx: NsgContext): FlowVerdict {
  return judge(nsg, flow, buildEnv(ctx));
}

/** One verdict per row of FLOW_REQUIREMENTS, in table order. */
export function evaluateNsg(nsg: NetworkSecurityGroup | undefined, ctx: NsgContext): FlowVerdict[] {
  const env = buildEnv(ctx);
  return FLOW_REQUIREMENTS.map((flow) => judge(nsg, flow, env));
}
