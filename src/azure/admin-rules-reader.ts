import type { Logger } from 'pino';
import { AdminRulePresence } from './admin-rule-presence.js';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { normaliseAdminRules } from './normalise-admin-rules.js';
import type { BulkPages } from './poll-context.js';
import { parseResourceId } from '../model/ids.js';
import type { AdminRuleSet, SecurityAdminRule } from '../model/network.js';

export { ADMIN_RULES_QUERY, NETWORK_MANAGERS_QUERY } from './admin-rule-presence.js';

/**
 * The security admin rules of Azure Virtual Network Manager in force on each VNet.
 *
 * Resource Graph (readable with Reader) says which VNets have any (admin-rule-presence.ts): one
 * `effectivesecurityadminrules` row per such VNet, naming the configurations in force but not their
 * rules. The rules come from ListNetworkManagerEffectiveSecurityAdminRules, a POST that needs the action
 * `Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action` besides
 * Reader (README, "Azure permissions"). It is sent for every VNet with a row, and for every VNet without
 * one in a subscription that a network manager able to deploy security admin rules covers (rows come
 * late and cased either way); without Resource Graph, for every VNet.
 */

/** Pages of one VNet's list at most: a list that keeps answering a token is cut here. */
const MAX_PAGES = 50;

/** What a VNet's rules could be, before they are read: the managers that may have deployed them, and why. */
interface Expected {
  managers: string[];
  /** Said when the rules cannot be read: why the flows cannot be judged on the NSG alone. */
  because: string;
}

/**
 * Stands for admin rules that may be in force but could not be read: it could decide any flow, so the
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

/**
 * VNets without a row that were asked and had no rules, with when, per set of clients (one a monitor): they
 * are asked again after this long only, so a fleet under a management-group-scoped manager costs its
 * row-less VNets one POST each per this period, not per poll. Rows come within minutes of a deployment.
 */
const ROWLESS_RECHECK_MS = 15 * 60_000;
const rowlessWithoutRules = new WeakMap<ArmClients, Map<string, number>>();

/** A rule's identity across pages: a page read twice (a token the service did not follow) adds nothing. */
const ruleKey = (rule: SecurityAdminRule): string => (rule.id !== '' ? rule.id.toLowerCase() : JSON.stringify(rule));

export class AdminRulesReader {
  private presence: Promise<AdminRulePresence | undefined> = Promise.resolve(undefined);
  private readonly memo = new Map<string, Promise<AdminRuleSet>>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
  ) {}

  /**
   * Takes which VNets have admin rules from Resource Graph (`rows`), and which subscriptions a network
   * manager could have deployed them to (`managers`); until both are in, reads wait. If the rows fail,
   * every VNet is asked; if the managers fail, the rows alone decide.
   */
  readPresence(rows: BulkPages, managers?: BulkPages): void {
    const presence = new AdminRulePresence();
    const rowsRead = rows(async (page) => {
      for (const row of page) presence.addRow(row);
    });
    const managersRead = managers?.(async (page) => {
      for (const row of page) presence.addNetworkManager(row);
    });
    this.presence = Promise.all([rowsRead, managersRead?.catch(() => false)]).then(([complete]) => (complete ? presence : undefined));
  }

  /** The rules in force on one VNet, read once per poll; never rejects (what could not be read says why). */
  forVnet(vnetId: string): Promise<AdminRuleSet> {
    const key = vnetId.toLowerCase();
    let pending = this.memo.get(key);
    if (!pending) {
      pending = this.presence.then((presence) => {
        if (!presence) return this.list(vnetId, undefined);
        const named = presence.rows.get(key);
        if (named) return this.list(vnetId, { managers: named, because: 'security admin rules are in force but could not be read' });
        const covering = presence.managersCovering(parseResourceId(vnetId)?.subscriptionId ?? '');
        if (covering.length === 0) return { rules: [] };
        return this.listRowless(key, vnetId, covering);
      });
      this.memo.set(key, pending);
    }
    return pending;
  }

  /** A VNet without a row that a network manager covers: asked, unless it was asked lately and had none. */
  private async listRowless(key: string, vnetId: string, covering: string[]): Promise<AdminRuleSet> {
    const checked = rowlessWithoutRules.get(this.clients) ?? new Map<string, number>();
    rowlessWithoutRules.set(this.clients, checked);
    const now = Date.now();
    if (now - (checked.get(key) ?? -Infinity) < ROWLESS_RECHECK_MS) return { rules: [] };
    const set = await this.list(vnetId, {
      managers: covering,
      because: `Resource Graph has no admin-rule row for the VNet, but network manager ${covering.join(', ')} may have deployed security admin rules to it, and they could not be read`,
    });
    if (set.rules.length === 0 && !set.unreadable) checked.set(key, now);
    else checked.delete(key);
    return set;
  }

  private async list(vnetId: string, expected: Expected | undefined): Promise<AdminRuleSet> {
    const ref = parseResourceId(vnetId);
    if (!ref || ref.path.length !== 2) return { rules: [], unreadable: `not a virtual network ID: ${vnetId}` };
    const subscriptionId = ref.subscriptionId.toLowerCase();
    try {
      const rules = new Map<string, SecurityAdminRule>();
      let skipToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const sent = skipToken;
        const body = await this.limiter.run(subscriptionId, () =>
          this.clients.networkManagement(subscriptionId).listNetworkManagerEffectiveSecurityAdminRules(ref.resourceGroup, ref.path[1]!, sent ? { skipToken: sent } : {}),
        );
        for (const rule of normaliseAdminRules(body)) if (!rules.has(ruleKey(rule))) rules.set(ruleKey(rule), rule);
        skipToken = typeof body.skipToken === 'string' && body.skipToken !== '' ? body.skipToken : undefined;
        // A token that does not move on would be read forever.
        if (!skipToken || skipToken === sent) break;
      }
      return { rules: [...rules.values()] };
    } catch (err) {
      const failure = toFetchFailure('ListNetworkManagerEffectiveSecurityAdminRules', err);
      if (failure.statusCode === 404) return { rules: [] };
      const reason =
        failure.statusCode === 403
          ? `${failure.message} (grant Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action, README "Azure permissions")`
          : failure.message;
      this.log.warn({ vnet: vnetId, code: failure.code, status: failure.statusCode }, `cannot read the VNet's security admin rules: ${reason}`);
      return expected ? { rules: [unreadableRule(expected.managers, `${expected.because}: ${reason}`)], unreadable: reason } : { rules: [], unreadable: reason };
    }
  }
}
