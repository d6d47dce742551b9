import { pagesOn } from '../paging-policy.js';
import { FLOW_REQUIREMENTS, flowApplies, requiredFor, type FlowRequirement } from '../requirements.js';
import type { NetworkSecurityGroup, SecurityAdminRule, SecurityRule } from '../../model/network.js';
import { nearMisses, partialNote, regionalParts, regionLabel, UNKNOWN_NOTE, type PeerPart } from './explain.js';
import { nsgMemoKey } from './memo-key.js';
import { NO_NSG, type FlowVerdict } from './verdict.js';
import { addressResolver, orderedAdminRules, orderedRules, points, symbolicResolver, verdictOf, walk, type PeerResolver, type Walk } from './walk.js';
import { buildEnv, peerSet, type Env, type NsgContext } from './words.js';
import { AddressSet } from '../addresses.js';

export type { NsgContext } from './words.js';
export { NO_NSG, type FlowVerdict, type FlowVerdictKind } from './verdict.js';
export { ruleProblems, unknownReason, type RuleProblem } from './explain.js';

/**
 * APIM's required flows judged against an NSG the way Azure evaluates it: rules in priority order,
 * each deciding the part of the peer's addresses that no earlier rule decided (set-based, so a rule
 * written with CIDRs can cover all, part or none of a service tag).
 */

/** What reaches no NSG (the subnet has none) is allowed. */
function unfiltered(peer: AddressSet): Walk {
  return { decisions: [{ rule: NO_NSG, access: 'Allow', part: peer }], notes: ['the subnet has no NSG, so nothing filters this flow'], undecided: AddressSet.EMPTY };
}

/**
 * Azure's two layers: the VNet's security admin rules first, where `Deny` and `AlwaysAllow` decide for
 * good; what they hand on (`Allow`) or leave undecided goes to the NSG.
 */
function walkLayers(admin: readonly SecurityAdminRule[], rules: readonly SecurityRule[] | undefined, flow: FlowRequirement, peer: AddressSet, resolver: PeerResolver, env: Env): Walk {
  const nsgWalk = (part: AddressSet): Walk => (rules ? walk(rules, flow, part, resolver, env) : unfiltered(part));
  if (admin.length === 0) return nsgWalk(peer);
  const first = walk(admin, flow, peer, resolver, env, false);
  const final = first.decisions.filter((decision) => decision.access !== 'Allow');
  const handedOn = first.decisions.filter((decision) => decision.access === 'Allow').reduce((set, decision) => set.union(decision.part), first.undecided);
  const second = handedOn.isEmpty ? { decisions: [], notes: [], undecided: handedOn } : nsgWalk(handedOn);
  return { decisions: [...final, ...second.decisions], notes: [...first.notes, ...second.notes], undecided: AddressSet.EMPTY };
}

/** `rules` in Azure's order (`orderedRules`); undefined when the subnet has no NSG. `admin` in priority order. */
function judge(rules: readonly SecurityRule[] | undefined, flow: FlowRequirement, env: Env, admin: readonly SecurityAdminRule[] = []): FlowVerdict {
  const { ctx } = env;
  const applies = flowApplies(flow, ctx.vnetType, ctx.platformVersion, ctx.sku);
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
  if (!rules && admin.length === 0) {
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
  result = walkLayers(admin, rules, flow, peer, resolver, env);
  notes.push(...result.notes);

  const decidingRules = [...new Set(result.decisions.map((decision) => decision.rule))];
  const kind = verdictOf(result.decisions);
  const unknown = result.decisions.filter((decision) => decision.access === 'Unknown');
  const verdict: FlowVerdict = { ...base, verdict: kind, decidedBy: unknown[0]?.rule ?? decidingRules[0] ?? '', decidingRules };
  const adminRule = (unknown[0] ?? result.decisions[0])?.admin;
  if (adminRule) verdict.adminRule = { id: adminRule.id, name: adminRule.name, networkManager: adminRule.networkManager, access: adminRule.access };
  // Why it is unknown leads the notes: it is what the user has to fix; then which part each rule decided.
  if (kind === 'partial') notes.unshift(partialNote(result.decisions, parts, flow));
  notes.unshift(...unknown.map((decision) => `${UNKNOWN_NOTE}rule ${decision.rule}: ${decision.reason}`));
  // An NSG rule that nearly matched is beside the point where an admin rule decided first.
  if (kind !== 'allowed' && rules && !result.decisions[0]?.admin) notes.push(...nearMisses(rules, flow, peer, resolver, env));
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) verdict.note = uniqueNotes.join('; ');
  return verdict;
}

export function evaluateFlow(nsg: NetworkSecurityGroup | undefined, flow: FlowRequirement, ctx: NsgContext): FlowVerdict {
  return judge(nsg && orderedRules(nsg), flow, buildEnv(ctx), orderedAdminRules(ctx.adminRules ?? []));
}

/** The cache's memo of a region's verdicts: regions of a fleet mostly share an NSG's rules (memo-key.ts says what makes two the same). */
export const NSG_VERDICTS = 'nsg verdicts';

/**
 * Remembered verdicts are frozen and shared by every region they fit (a fleet's reports would
 * otherwise hold one copy per region): nothing downstream changes a verdict, and freezing makes sure.
 */
const frozen = (verdicts: FlowVerdict[]): readonly FlowVerdict[] => {
  for (const verdict of verdicts) Object.freeze(Object.freeze(verdict).decidingRules);
  return Object.freeze(verdicts);
};

/** One verdict per row of FLOW_REQUIREMENTS, in table order; with `ctx.cache`, regions with the same memo key share them. */
export function evaluateNsg(nsg: NetworkSecurityGroup | undefined, ctx: NsgContext): FlowVerdict[] {
  const env = buildEnv(ctx);
  const rules = nsg && orderedRules(nsg);
  const admin = orderedAdminRules(ctx.adminRules ?? []);
  const judgeAll = () => FLOW_REQUIREMENTS.map((flow) => judge(rules, flow, env, admin));
  if (!rules || !env.cache) return judgeAll();
  // The layer a rule sits in (and its network manager, which outputs name) is part of what it means.
  const key = admin.length === 0 ? nsgMemoKey(rules, env) : JSON.stringify([admin.map((rule) => rule.networkManager), nsgMemoKey([...admin, ...rules], env)]);
  return [...env.cache.memo<readonly FlowVerdict[]>(NSG_VERDICTS, 1024).get(key, () => frozen(judgeAll()))];
}
