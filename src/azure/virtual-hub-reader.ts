import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { flatten, idOf, isRecord } from './normalise-json.js';
import type { BulkPages } from './poll-context.js';
import { parseNetworkResourceId } from './normalise-subnet.js';
import type { HubConnectionSource } from '../model/network.js';

/**
 * The Virtual WAN hubs of the fleet's subscriptions and the VNets they connect. Resource Graph lists the
 * hubs (`microsoft.network/virtualhubs`); a hub's VNet connections and routing intent are child resources
 * it does not hold, so each hub costs two list requests per poll (hubs are few). Once per poll.
 */

export const VIRTUAL_HUBS_QUERY = "Resources | where type =~ 'microsoft.network/virtualhubs'";

interface Hub {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** A secured hub's firewall (the hub's `azureFirewall`), when it has one. */
  firewall?: string;
}

/** Every item of a paged list (Node 20 has no Array.fromAsync). */
async function listAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function hubOfRow(row: Record<string, unknown>): Hub | undefined {
  const hub = flatten(row);
  const ref = typeof hub.id === 'string' ? parseNetworkResourceId(hub.id) : undefined;
  if (!ref) return undefined;
  const firewall = idOf(hub.azureFirewall);
  return { id: String(hub.id).toLowerCase(), name: ref.name, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, ...(firewall ? { firewall } : {}) };
}

/** Where a routing intent sends Internet traffic: the next hop of its policy for `Internet`. */
function internetPolicyNextHop(intent: unknown): string | undefined {
  const policies = isRecord(intent) ? flatten(intent).routingPolicies : undefined;
  for (const policy of Array.isArray(policies) ? policies : []) {
    const fields = isRecord(policy) ? flatten(policy) : {};
    const destinations = Array.isArray(fields.destinations) ? fields.destinations : [];
    if (destinations.some((destination) => String(destination).toLowerCase() === 'internet') && typeof fields.nextHop === 'string') return fields.nextHop;
  }
  return undefined;
}

export class VirtualHubReader {
  private hubs: Promise<Hub[]> = Promise.resolve([]);
  private connections: Promise<Map<string, HubConnectionSource[]>> | undefined;

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
  ) {}

  /** Takes the hubs from Resource Graph; without it (off or failed) no hub is known. */
  readHubs(pages: BulkPages): void {
    const hubs: Hub[] = [];
    this.hubs = pages(async (rows) => {
      for (const row of rows) {
        const hub = hubOfRow(row);
        if (hub) hubs.push(hub);
      }
    }).then((complete) => (complete ? hubs : []));
  }

  /** The hub connections of a VNet (none when no hub connects it). Never rejects. */
  async forVnet(vnetId: string): Promise<HubConnectionSource[]> {
    this.connections ??= this.hubs.then((hubs) => this.connectionsOf(hubs));
    return (await this.connections).get(vnetId.toLowerCase()) ?? [];
  }

  private async connectionsOf(hubs: readonly Hub[]): Promise<Map<string, HubConnectionSource[]>> {
    const byVnet = new Map<string, HubConnectionSource[]>();
    await Promise.all(
      hubs.map(async (hub) => {
        try {
          const network = this.clients.networkManagement(hub.subscriptionId);
          const [connections, intents] = await this.limiter.run(hub.subscriptionId, async () =>
            Promise.all([
              listAll(network.hubVirtualNetworkConnections.list(hub.resourceGroup, hub.name)),
              listAll(network.routingIntentOperations.list(hub.resourceGroup, hub.name)),
            ]),
          );
          const internetNextHop = intents.map(internetPolicyNextHop).find((hop) => hop !== undefined) ?? hub.firewall;
          for (const raw of connections) {
            const connection = flatten(raw as unknown as Record<string, unknown>);
            const vnet = idOf(connection.remoteVirtualNetwork)?.toLowerCase();
            if (!vnet) continue;
            const source: HubConnectionSource = {
              hubId: hub.id,
              hubName: hub.name,
              connection: String(connection.name ?? ''),
              enableInternetSecurity: connection.enableInternetSecurity === true,
              ...(internetNextHop ? { internetNextHop } : {}),
            };
            byVnet.set(vnet, [...(byVnet.get(vnet) ?? []), source]);
          }
        } catch (err) {
          const failure = toFetchFailure('HubVirtualNetworkConnections_List', err);
          this.log.warn({ hub: hub.id, code: failure.code, status: failure.statusCode }, `cannot read the Virtual WAN hub's connections: ${failure.message}`);
        }
      }),
    );
    return byVnet;
  }
}
