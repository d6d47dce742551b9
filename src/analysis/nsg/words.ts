import { AddressSet, isIpPrefix } from '../addresses.js';
import { cacheFor, type AnalysisCache } from '../cache.js';
import type { PagingPolicy } from '../paging-policy.js';
import { FLOW_REQUIREMENTS, type FlowRequirement } from '../requirements.js';
import { peerAddresses, tagAddresses } from '../service-tags.js';
import { shortRegion } from '../../model/ids.js';
import type { SecurityAdminRule, SecurityRule, ServiceTagSet } from '../../model/network.js';
import { isTemplateExpression } from '../../model/template-expression.js';
import type { VnetType } from '../../model/snapshot.js';

/**
 * What the address words of NSG rules (`*`, `VirtualNetwork`, `Internet`, tags, CIDRs) and the peers of
 * APIM's flows stand for in one subnet, resolved once per evaluation.
 */

export interface NsgContext {
  vnetType: VnetType;
  platformVersion: string;
  /** The instance's SKU, when known (the Developer SKU's single unit needs no infrastructure load balancer). */
  sku?: string;
  paging: PagingPolicy;
  /** ARM short names. */
  region: string;
  primaryRegion: string;
  serviceTags: ServiceTagSet;
  vnetAddressSpace: string[];
  /** Empty when unknown (whatif): then any `*`, `VirtualNetwork` or CIDR local side counts as the subnet. */
  subnetPrefixes: string[];
  /** Every address prefix used in the subnet's UDRs (they widen `VirtualNetwork`). */
  udrPrefixes: string[];
  /** The VNet's Virtual Network Manager security admin rules, evaluated before the NSG. */
  adminRules?: readonly SecurityAdminRule[];
  /** What the poll remembers for this tag set; absent: everything is computed afresh. */
  cache?: AnalysisCache;
}

export const HOST_VIP = AddressSet.fromPrefixes(['168.63.129.16/32']);
const METADATA_IP = AddressSet.fromPrefixes(['169.254.169.254/32']);
/** What Azure's `Internet` tag leaves out besides the VNet itself. */
const NOT_INTERNET = AddressSet.fromPrefixes(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '168.63.129.16/32', '169.254.0.0/16']);


/** `isIpPrefix` throws and catches on every tag name, which is slow on the hot path; the regex is a cheap necessary condition. */
function looksLikeIp(text: string): boolean {
  return /^[\d.:a-f]+(\/\d+)?$/i.test(text) && isIpPrefix(text);
}

const ipPrefixes = (prefixes: readonly string[]) => AddressSet.fromPrefixes(prefixes.filter(looksLikeIp));

/** The union of several sets, a linear merge at a time (a union with an empty set is free). */
export function unionAll(sets: readonly AddressSet[]): AddressSet {
  return sets.reduce((union, set) => union.union(set), AddressSet.EMPTY);
}

/** What the local side of a rule is read from: an NSG rule or a security admin rule. */
export type RuleSides = Pick<SecurityRule, 'direction' | 'sourceAddressPrefixes' | 'destinationAddressPrefixes'>;

/** `true` all of the subnet, `'part'`, `false` none; a string: cannot tell, and why. */
export type Coverage = boolean | 'part' | string;

/** What the address words of rules mean for this subnet; built once per evaluation. */
export interface Env {
  ctx: NsgContext;
  /** The VNet's own address space (IP prefixes only). */
  vnet: AddressSet;
  subnet: AddressSet | undefined;
  virtualNetwork: AddressSet;
  internet: AddressSet;
  /** APIM in a VNet is IPv4-only unless the VNet is dual-stack, so IPv6 prefixes of a tag cannot be reached. */
  family: AddressSet;
  /** The flow's own region and the primary region, as ARM short names (regional tags of both count). */
  regions: string[];
  /** Resolved address words of this evaluation, by lower-cased word. */
  words: Map<string, AddressSet | undefined>;
  /** How much of the subnet each rule's local side covers, by rule. */
  coverage: Map<RuleSides, Coverage>;
  /** The poll's cache, when it was made for this evaluation's tag set. */
  cache: AnalysisCache | undefined;
}

/** Parsing a tag's prefixes is the expensive part; with a cache, every region of every poll shares it. */
function remembered<T>(cache: AnalysisCache | undefined, name: string, key: string, compute: () => T): T {
  return cache ? cache.memo<T>(name).get(key, compute) : compute();
}

/** Without `ctx.cache` (or with one of another tag set), everything is built afresh: the reference the remembered evaluation is tested against. */
export function buildEnv(ctx: NsgContext): Env {
  const cache = cacheFor(ctx.cache, ctx.serviceTags);
  const vnet = ipPrefixes(ctx.vnetAddressSpace);
  const subnet = ctx.subnetPrefixes.length > 0 ? ipPrefixes(ctx.subnetPrefixes) : undefined;
  const udr = ctx.udrPrefixes.length === 0 ? AddressSet.EMPTY : remembered(cache, 'udr sets', JSON.stringify(ctx.udrPrefixes), () => udrSet(ctx.serviceTags, ctx.udrPrefixes, cache));
  const dualStack = [...ctx.vnetAddressSpace, ...ctx.subnetPrefixes].some((prefix) => prefix.includes(':'));
  return {
    ctx,
    vnet,
    subnet,
    // The UDR part last: it can be large (routes to service tags), and last it is merged once, not at every step.
    virtualNetwork: unionAll([vnet, subnet ?? AddressSet.EMPTY, HOST_VIP, METADATA_IP, udr]),
    internet: AddressSet.ALL.subtract(vnet.union(NOT_INTERNET)),
    family: dualStack ? AddressSet.ALL : AddressSet.ALL_V4,
    regions: [shortRegion(ctx.region), shortRegion(ctx.primaryRegion)],
    words: new Map(),
    coverage: new Map(),
    cache,
  };
}

/** UDRs may name service tags as well as CIDRs; both widen VirtualNetwork. Route tables repeat across a fleet, and a route to a service tag makes a large set. */
function udrSet(tags: ServiceTagSet, prefixes: readonly string[], cache: AnalysisCache | undefined): AddressSet {
  return unionAll(prefixes.map((prefix) => (looksLikeIp(prefix) ? AddressSet.fromPrefixes([prefix]) : (tagSet(tags, prefix, cache) ?? AddressSet.EMPTY))));
}

function tagSet(tags: ServiceTagSet, name: string, cache: AnalysisCache | undefined): AddressSet | undefined {
  return remembered(cache, 'tag words', `tag:${name.toLowerCase()}`, () => tagAddresses(tags, name));
}

/** One address word of a rule (`*`, a tag, a CIDR); undefined when Azure would not know it either. */
export function resolve(spec: string, env: Env): AddressSet | undefined {
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
  return tagSet(env.ctx.serviceTags, word, env.cache);
}

/** The addresses a flow's peer stands for; undefined when the tag data does not know them. */
export function peerSet(flow: FlowRequirement, env: Env): AddressSet | undefined {
  const peer = flow.peer.toLowerCase();
  if (peer === 'azureloadbalancer') return HOST_VIP;
  if (peer === 'internet') return env.internet.intersect(env.family);
  // The other machines of the instance: the VNet's own addresses (unknown to whatif without --vnet-address-space).
  if (peer === 'virtualnetwork') {
    const own = env.subnet ? env.vnet.union(env.subnet) : env.vnet;
    return own.isEmpty ? undefined : own;
  }
  const { ctx, regions } = env;
  const key = `peer:${peer}|${regions.join(',')}|${flow.regionalTags}|${env.family === AddressSet.ALL ? 'v4v6' : 'v4'}`;
  return remembered(env.cache, 'tag words', key, () => peerAddresses(ctx.serviceTags, flow.peer, regions, flow.regionalTags)?.intersect(env.family));
}

const NOT_TAG_PEERS = ['azureloadbalancer', 'internet', 'virtualnetwork'];

/** Every address of every flow peer that is a service tag (all but `Internet`, `AzureLoadBalancer` and `VirtualNetwork`); fixed by tag set, regions and family. */
export function tagPeers(env: Env): AddressSet {
  const key = `peers:${env.regions.join(',')}|${env.family === AddressSet.ALL ? 'v4v6' : 'v4'}`;
  return remembered(env.cache, 'tag peer unions', key, () =>
    unionAll(FLOW_REQUIREMENTS.filter((flow) => !NOT_TAG_PEERS.includes(flow.peer.toLowerCase())).map((flow) => peerSet(flow, env) ?? AddressSet.EMPTY)),
  );
}

const WHOLE_SUBNET_WORDS = new Set(['*', 'any', 'virtualnetwork']);

function localCoversSubnet(specs: readonly string[], env: Env): Coverage {
  // `*` and VirtualNetwork contain the subnet by construction; no need to build the union.
  if (specs.some((spec) => WHOLE_SUBNET_WORDS.has(spec.trim().toLowerCase()))) return true;
  const unknown = specs.filter((spec) => resolve(spec, env) === undefined);
  if (!env.subnet) {
    if (specs.some(looksLikeIp)) return true;
    return unknown.length > 0 ? unknown.map((spec) => unresolvedWord(spec, env)).join('; ') : false;
  }
  const local = unionAll(specs.map((spec) => resolve(spec, env) ?? AddressSet.EMPTY));
  if (local.covers(env.subnet)) return true;
  if (unknown.length > 0) return unknown.map((spec) => unresolvedWord(spec, env)).join('; ');
  return local.intersect(env.subnet).isEmpty ? false : 'part';
}

/** Why an address word of a rule cannot be resolved. */
export function unresolvedWord(spec: string, env: Env): string {
  const word = spec.trim();
  if (isTemplateExpression(word)) return `"${word}" is an ARM template expression, which cannot be evaluated here`;
  if (/^[\d.:/]+$/.test(word)) return `"${word}" is not a valid IP address or CIDR prefix`;
  return `"${word}" is not a service tag in the service-tag data used (${env.ctx.serviceTags.source ?? `change ${env.ctx.serviceTags.changeNumber || 'unknown'}`})`;
}

/** How much of the subnet a rule's local side (its destination inbound, its source outbound) covers; once per rule and evaluation. */
export function localCoverage(rule: RuleSides, env: Env): Coverage {
  let coverage = env.coverage.get(rule);
  if (coverage === undefined) {
    coverage = localCoversSubnet(rule.direction === 'Inbound' ? rule.destinationAddressPrefixes : rule.sourceAddressPrefixes, env);
    env.coverage.set(rule, coverage);
  }
  return coverage;
}
