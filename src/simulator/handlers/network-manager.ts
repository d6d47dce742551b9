import { resourceNotFound } from '../arm-errors.js';
import { idKey, type ArmPath } from './path.js';
import type { HandlerContext, SimulatorState } from './state.js';
import type { ArmResource } from '../world.js';

/**
 * Azure Virtual Network Manager's security admin rules as they apply to a VNet, from the world's
 * `effectiveSecurityAdminRules` (VNet ID -> the body of ListNetworkManagerEffectiveSecurityAdminRules):
 *
 * - `POST <vnet id>/listNetworkManagerEffectiveSecurityAdminRules` answers that body as stored (a VNet
 *   the world lacks: 404; a VNet without an entry: no rules);
 * - Resource Graph's `networkresources` table holds one `microsoft.network/effectivesecurityadminrules`
 *   row per VNet with rules: `<vnet id>/providers/Microsoft.Network/effectiveSecurityAdminRules/default`,
 *   whose properties name the configuration snapshots in force (`effectiveSecurityAdminConfigurations`),
 *   the VNet (`resourceId`) and `provisioningState`; the rules themselves are not in the row.
 */

export const ADMIN_RULES_ACTION = 'listnetworkmanagereffectivesecurityadminrules';
export const EFFECTIVE_ADMIN_RULES_TYPE = 'microsoft.network/effectivesecurityadminrules';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function adminRuleBodies(state: SimulatorState): Map<string, { vnetId: string; body: unknown }> {
  const table = state.world.effectiveSecurityAdminRules;
  const bodies = new Map<string, { vnetId: string; body: unknown }>();
  if (isObject(table)) for (const [vnetId, body] of Object.entries(table)) bodies.set(idKey(vnetId), { vnetId, body });
  return bodies;
}

/** `POST .../virtualNetworks/{vnet}/listNetworkManagerEffectiveSecurityAdminRules`; undefined for any other path. */
export function routeNetworkManager(ctx: HandlerContext, p: ArmPath): unknown {
  const provider = p.provider?.map((segment) => segment.toLowerCase());
  if (!provider || provider.length !== 4 || provider[0] !== 'microsoft.network' || provider[1] !== 'virtualnetworks' || provider[3] !== ADMIN_RULES_ACTION) return undefined;
  const vnetId = p.path.split('/').slice(0, -1).join('/');
  if (!ctx.state.resource(vnetId)) throw resourceNotFound(vnetId);
  return adminRuleBodies(ctx.state).get(idKey(vnetId))?.body ?? { value: [] };
}

/** `.../securityAdminConfigurations/{name}` of a rule ID, as the snapshot Azure names in force. */
function configurationSnapshot(ruleId: string): string | undefined {
  const match = /^(.*\/securityadminconfigurations\/[^/]+)\//i.exec(ruleId);
  return match ? `${match[1]}/snapshots/0` : undefined;
}

/** The `networkresources` rows of effective security admin rules, one per VNet that has any. */
export function effectiveAdminRuleRows(state: SimulatorState): ArmResource[] {
  const rows: ArmResource[] = [];
  for (const { vnetId, body } of adminRuleBodies(state).values()) {
    const rules = isObject(body) && Array.isArray(body.value) ? body.value.filter(isObject) : [];
    if (rules.length === 0) continue;
    const snapshots = [...new Set(rules.map((rule) => (typeof rule.id === 'string' ? configurationSnapshot(rule.id) : undefined)).filter((id): id is string => id !== undefined))];
    const vnet = state.resource(vnetId);
    rows.push({
      id: `${vnetId}/providers/Microsoft.Network/effectiveSecurityAdminRules/default`,
      name: 'default',
      type: EFFECTIVE_ADMIN_RULES_TYPE,
      ...(typeof vnet?.location === 'string' ? { location: vnet.location } : {}),
      properties: {
        effectiveSecurityAdminConfigurations: snapshots.map((id) => ({ id })),
        provisioningState: 'Succeeded',
        resourceId: vnetId,
      },
    });
  }
  return rows;
}
