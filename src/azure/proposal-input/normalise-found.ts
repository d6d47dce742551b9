import type { NetworkSecurityGroup, SecurityRule } from '../../model/network.js';
import { normaliseNsg } from '../normalise-network.js';
import type { RuleDoubts } from './arm-rule-doubts.js';
import type { FoundResource } from './types.js';

/**
 * A found NSG as the model's NSG, with what its template leaves unknown applied to its rules: each doubted
 * field is recorded in `unresolved` (so the analysis judges the flows the rule could decide `unknown`), and
 * a doubted address or port list stands for anything, since it might hold anything.
 */
export function normaliseFoundNsg(found: FoundResource): NetworkSecurityGroup {
  const nsg = normaliseNsg(found.body);
  const doubts = found.ruleDoubts;
  if (!doubts || doubts.size === 0) return nsg;
  return { ...nsg, securityRules: nsg.securityRules.map((rule, index) => withDoubts(rule, doubts.get(index))) };
}

function withDoubts(rule: SecurityRule, doubts: RuleDoubts | undefined): SecurityRule {
  if (!doubts) return rule;
  // The template's reasons first: outputs that quote one reason quote the first.
  const doubted: SecurityRule = { ...rule, unresolved: { ...doubts, ...withoutKeys(rule.unresolved, doubts) } };
  if (doubts.protocol) doubted.protocol = '*';
  if (doubts.sourceAddresses) doubted.sourceAddressPrefixes = ['*'];
  if (doubts.destinationAddresses) doubted.destinationAddressPrefixes = ['*'];
  if (doubts.sourcePorts) doubted.sourcePortRanges = ['*'];
  if (doubts.destinationPorts) doubted.destinationPortRanges = ['*'];
  return doubted;
}

function withoutKeys(unresolved: SecurityRule['unresolved'], doubts: RuleDoubts): RuleDoubts {
  return Object.fromEntries(Object.entries(unresolved ?? {}).filter(([key]) => !(key in doubts)));
}
