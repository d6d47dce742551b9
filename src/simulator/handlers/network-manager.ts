import { ArmError, resourceNotFound } from '../arm-errors.js';
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
 *
 * Azure is less tidy than one body per VNet, and a world may say so:
 *
 * - `adminRulePageSize: n`: the POST answers n rules a page with a `skipToken` to the next, and follows
 *   the `skipToken` of the request body (as the API's 2025-03-01 example pages). Without it the stored
 *   body is answered as is, whatever token was sent (a body holding its own `skipToken` then models a
 *   service that ignores the token);
 * - `adminRuleRows`: `camelCase` (default) writes the rows' properties as above; `PascalCase` as some
 *   of Azure's rows are (`EffectiveSecurityAdminConfigurations[].Id`, `ProvisioningState`, `ResourceId`);
 *   `missing` writes none, as while Resource Graph has not yet indexed a deployment.
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

const invalidSkipToken = () => new ArmError(400, 'InvalidSkipToken', 'The skipToken is invalid, or does not belong to this virtual network.');

function encodeSkipToken(vnetKey: string, skip: number): string {
  return Buffer.from(JSON.stringify({ vnet: vnetKey, skip })).toString('base64url');
}

function decodeSkipToken(token: string, vnetKey: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { vnet?: unknown; skip?: unknown };
    if (parsed.vnet === vnetKey && typeof parsed.skip === 'number' && Number.isInteger(parsed.skip) && parsed.skip >= 0) return parsed.skip;
  } catch {
    // fall through
  }
  throw invalidSkipToken();
}

/** One page of a stored body, from the request body's `skipToken`, with the token to the next page when one follows. */
function pageOfRules(body: unknown, vnetKey: string, pageSize: number, request: unknown): unknown {
  const rules = isObject(body) && Array.isArray(body.value) ? body.value : [];
  const token = isObject(request) && typeof request.skipToken === 'string' && request.skipToken !== '' ? request.skipToken : undefined;
  const skip = token ? decodeSkipToken(token, vnetKey) : 0;
  const page: Json = { value: rules.slice(skip, skip + pageSize) };
  if (skip + pageSize < rules.length) page.skipToken = encodeSkipToken(vnetKey, skip + pageSize);
  return page;
}

/**
 * `POST .../virtualNetworks/{vnet}/listNetworkManagerEffectiveSecurityAdminRules` (`request`: its JSON
 * body, `{ skipToken? }`); undefined for any other path.
 */
export function routeNetworkManager(ctx: HandlerContext, p: ArmPath, request?: unknown): unknown {
  const provider = p.provider?.map((segment) => segment.toLowerCase());
  if (!provider || provider.length !== 4 || provider[0] !== 'microsoft.network' || provider[1] !== 'virtualnetworks' || provider[3] !== ADMIN_RULES_ACTION) return undefined;
  const vnetId = p.path.split('/').slice(0, -1).join('/');
  if (!ctx.state.resource(vnetId)) throw resourceNotFound(vnetId);
  const body = adminRuleBodies(ctx.state).get(idKey(vnetId))?.body ?? { value: [] };
  const pageSize = ctx.state.world.adminRulePageSize;
  return typeof pageSize === 'number' ? pageOfRules(body, idKey(vnetId), pageSize, request) : body;
}

/** `.../securityAdminConfigurations/{name}` of a rule ID, as the snapshot Azure names in force. */
function configurationSnapshot(ruleId: string): string | undefined {
  const match = /^(.*\/securityadminconfigurations\/[^/]+)\//i.exec(ruleId);
  return match ? `${match[1]}/snapshots/0` : undefined;
}

/** A row's properties in the casing the world asks for (`adminRuleRows`). */
function rowProperties(pascal: boolean, snapshots: readonly string[], vnetId: string): Json {
  return pascal
    ? { EffectiveSecurityAdminConfigurations: snapshots.map((id) => ({ Id: id })), ProvisioningState: 'Succeeded', ResourceId: vnetId }
    : { effectiveSecurityAdminConfigurations: snapshots.map((id) => ({ id })), provisioningState: 'Succeeded', resourceId: vnetId };
}

/** The `networkresources` rows of effective security admin rules, one per VNet that has any (none when the world's `adminRuleRows` is `missing`). */
export function effectiveAdminRuleRows(state: SimulatorState): ArmResource[] {
  const rows: ArmResource[] = [];
  const casing = state.world.adminRuleRows;
  if (casing === 'missing') return rows;
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
      properties: rowProperties(casing === 'PascalCase', snapshots, vnetId),
    });
  }
  return rows;
}
