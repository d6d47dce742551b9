import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { networkManagerOf, normaliseAdminRules } from './normalise-admin-rules.js';
import type { BulkPages } from './poll-context.js';
import { parseResourceId } from '../model/ids.js';
import type { AdminRuleSet, SecurityAdminRule } from '../model/network.js';

/**
 * The security admin rules of Azure Virtual Network Manager in force on each VNet.
 *
 * Resource Graph (readable with Reader) says which VNets have any: one `effectivesecurityadminrules`
 * row per such VNet, naming the configurations in force but not their rules. The rules of those VNets
 * come from ListNetworkManagerEffectiveSecurityAdminRules, a POST that needs the action
 * `Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action` besides
 * Reader (README, "Azure permissions"). Without Resource Graph every VNet is asked.
 */

export const ADMIN_RULES_QUERY = "networkresources | where type =~ 'microsoft.network/effectivesecurityadminrules'";

const ROW_SUFFIX = '/providers/microsoft.network/effectivesecurityadminrules/default';
/** Pages of one VNet's list at most: a list that keeps answering a token is cut here. */
const MAX_PAGES = 50;

interface Presence {
  /** Network managers by lower-cased VNet ID, for every VNet that has admin rules in force. */
  managers: Map<string, string[]>;
}

function vnetOfRow(row: { id: string; properties?: unknown }): string | undefined {
  const id = row.id.toLowerCase();
  return id.endsWith(ROW_SUFFIX) ? id.slice(0, -ROW_SUFFIX.length) : undefined;
}

/** The configuration snapshots a row names (`effectiveSecurityAdminConfigurations`, either casing, as Microsoft's own queries read it). */
function managersOfRow(row: Record<string, unknown>): string[] {
  const properties = (row.properties ?? {}) as Record<string, unknown>;
  const configurations = properties.effectiveSecurityAdminConfigurations ?? properties.EffectiveSecurityAdminConfigurations;
  const ids = (Array.isArray(configurations) ? configurations : []).map((item) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    return typeof entry.id === 'string' ? entry.id : typeof entry.Id === 'string' ? entry.Id : '';
  });
  return [...new Set(ids.map(networkManagerOf).filter((name) => name !== ''))];
}

/**
 * Stands for admin rules known to be in force that could not be read: it could decide any flow, so the
 * flows are `unknown`, with the reason, rather than judged on the NSG alone.
 */
function unreadableRule(managers: readonly string[], reason: string): SecurityAdminRule {
  return {
    id: '',
    name: '(rules not readable)',
    networkManager: managers.join(', '),
    access: 'Deny',
    direction: 'Inbound',
    priority: 1,
    protocol: '*',
    sourceAddressPrefixes: ['*'],
    destinationAddressPrefixes: ['*'],
    sourcePortRanges: ['*'],
    destinationPortRanges: ['*'],
    unresolved: { access: reason, direction: reason },
  };
}

export class AdminRulesReader {
  private presence: Promise<Presence | undefined> = Promise.resolve(undefined);
  private readonly memo = new Map<string, Promise<AdminRuleSet>>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
  ) {}

  /** Takes which VNets have admin rules from Resource Graph; until it is in, reads wait; if it fails, every VNet is asked. */
  readPresence(pages: BulkPages): void {
    const managers = new Map<string, string[]>();
    this.presence = pages(async (rows) => {
      for (const row of rows) {
        const vnet = vnetOfRow(row);
        if (vnet) managers.set(vnet, managersOfRow(row));
      }
    }).then((complete) => (complete ? { managers } : undefined));
  }

  /** The rules in force on one VNet, read once per poll; never rejects (what could not be read says why). */
  forVnet(vnetId: string): Promise<AdminRuleSet> {
    const key = vnetId.toLowerCase();
    let pending = this.memo.get(key);
    if (!pending) {
      pending = this.presence.then((presence) => {
        if (presence && !presence.managers.has(key)) return { rules: [] };
        return this.list(vnetId, presence?.managers.get(key));
      });
      this.memo.set(key, pending);
    }
    return pending;
  }

  private async list(vnetId: string, knownManagers: string[] | undefined): Promise<AdminRuleSet> {
    const ref = parseResourceId(vnetId);
    if (!ref || ref.path.length !== 2) return { rules: [], unreadable: `not a virtual network ID: ${vnetId}` };
    const subscriptionId = ref.subscriptionId.toLowerCase();
    try {
      const rules: SecurityAdminRule[] = [];
      let skipToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const sent = skipToken;
        const body = await this.limiter.run(subscriptionId, () =>
          this.clients.networkManagement(subscriptionId).listNetworkManagerEffectiveSecurityAdminRules(ref.resourceGroup, ref.path[1]!, sent ? { skipToken: sent } : {}),
        );
        rules.push(...normaliseAdminRules(body));
        skipToken = typeof body.skipToken === 'string' && body.skipToken !== '' ? body.skipToken : undefined;
        // A token that does not move on would be read forever.
        if (!skipToken || skipToken === sent) break;
      }
      return { rules };
    } catch (err) {
      const failure = toFetchFailure('ListNetworkManagerEffectiveSecurityAdminRules', err);
      if (failure.statusCode === 404) return { rules: [] };
      const reason =
        failure.statusCode === 403
          ? `${failure.message} (grant Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action, README "Azure permissions")`
          : failure.message;
      this.log.warn({ vnet: vnetId, code: failure.code, status: failure.statusCode }, `cannot read the VNet's security admin rules: ${reason}`);
      return knownManagers ? { rules: [unreadableRule(knownManagers, `security admin rules are in force but could not be read: ${reason}`)], unreadable: reason } : { rules: [], unreadable: reason };
    }
  }
}
