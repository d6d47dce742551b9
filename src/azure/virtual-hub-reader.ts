import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { hubFacts, hubRouteTableFacts, hubConnectionFacts, routingIntentFacts, type HubConnectionFacts, type HubFacts, type HubRouteTableFacts } from './normalise-hub.js';
import type { BulkPages } from './poll-context.js';
import type { HubConnectionSource, HubDefaultRoute } from '../model/network.js';

/**
 * The Virtual WAN hubs of the fleet's subscriptions (every configured one, and the VNets' own: landing zones keep
 * hubs in a connectivity subscription) and the VNets they connect. Resource Graph lists the hubs
 * (`microsoft.network/virtualhubs`); a hub's VNet connections, route tables and routing intent are child resources
 * it does not hold, so each hub costs three list requests per poll (hubs are few). Once per poll.
 */

export const VIRTUAL_HUBS_QUERY = "Resources | where type =~ 'microsoft.network/virtualhubs'";

/** Every item of a paged list (Node 20 has no Array.fromAsync). */
async function listAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const DEFAULT_ROUTE = '0.0.0.0/0';
const lastSegment = (id: string) => id.split('/').filter(Boolean).pop() ?? id;

/**
 * The static default routes that reach a connection: those of its associated hub route table (the hub's
 * `defaultRouteTable` when it names none), and 0.0.0.0/0 static routes that the hub's connections propagate.
 */
function defaultRoutesFor(connection: HubConnectionFacts, tables: readonly HubRouteTableFacts[], connections: readonly HubConnectionFacts[]): HubDefaultRoute[] {
  const associated = connection.associatedRouteTable ?? 'defaultroutetable';
  const table = tables.find((candidate) => candidate.id === associated || candidate.name.toLowerCase() === lastSegment(associated).toLowerCase());
  const routes: HubDefaultRoute[] = (table?.routes ?? [])
    .filter((route) => route.destinations.includes(DEFAULT_ROUTE))
    .map((route) => ({ source: `hub route table ${table!.name} (route ${route.name})`, nextHop: route.nextHop }));
  for (const other of connections) {
    for (const route of other.staticRoutes) {
      if (route.addressPrefixes.includes(DEFAULT_ROUTE) && other.propagateStaticRoutes) routes.push({ source: `static route ${route.name} on connection ${other.name}`, nextHop: route.nextHopIpAddress });
    }
  }
  return routes;
}

/** What a hub says of each VNet it connects. */
function sourcesOf(hub: HubFacts, connections: readonly HubConnectionFacts[], tables: readonly HubRouteTableFacts[], intents: readonly unknown[]): Array<[string, HubConnectionSource]> {
  const policies = intents.map(routingIntentFacts);
  const internetNextHop = policies.map((policy) => policy.internet).find((hop) => hop !== undefined);
  const privateNextHop = policies.map((policy) => policy.private).find((hop) => hop !== undefined);
  return connections.map((connection) => [
    connection.remoteVnetId,
    {
      hubId: hub.id,
      hubName: hub.name,
      connection: connection.name,
      enableInternetSecurity: connection.enableInternetSecurity,
      ...(internetNextHop ? { internetNextHop } : {}),
      ...(privateNextHop ? { privateNextHop } : {}),
      defaultRoutes: defaultRoutesFor(connection, tables, connections),
      gateways: hub.gateways,
    },
  ]);
}

export class VirtualHubReader {
  private hubs: Promise<HubFacts[] | undefined> = Promise.resolve(undefined);
  private searched: readonly string[] = [];
  private connections: Promise<Map<string, HubConnectionSource[]>> | undefined;
  /** Why a hub's children could not be read, by lower-cased hub name. */
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
  ) {}

  /** Takes the hubs from Resource Graph, searched in `subscriptions`; without it (off or failed) no hub is known. */
  readHubs(pages: BulkPages, subscriptions: readonly string[]): void {
    const hubs: HubFacts[] = [];
    this.searched = subscriptions;
    this.hubs = pages(async (rows) => {
      for (const row of rows) {
        const hub = hubFacts(row);
        if (hub) hubs.push(hub);
      }
    }).then((complete) => (complete ? hubs : undefined));
  }

  /** The hub connections of a VNet (none when no hub connects it). Never rejects. */
  async forVnet(vnetId: string): Promise<HubConnectionSource[]> {
    this.connections ??= this.hubs.then((hubs) => this.connectionsOf(hubs ?? []));
    return (await this.connections).get(vnetId.toLowerCase()) ?? [];
  }

  /** Why a hub the VNet is peered with (named as its managed network names it) was not read. */
  async whyUnread(hubName: string): Promise<string> {
    const hubs = await this.hubs;
    await this.connections;
    if (!hubs) return 'Virtual WAN hubs are found through Resource Graph, which is off (azure.resourceGraph) or failed for this poll';
    const failure = this.failures.get(hubName.toLowerCase());
    if (failure) return failure;
    const where = this.searched.length > 0 ? `the subscriptions searched (${this.searched.join(', ')})` : 'any subscription searched';
    return `no hub named ${hubName} that connects this VNet is in ${where}: add the hub's subscription (landing zones keep it in the connectivity subscription) to azure.subscriptions, with Reader on it`;
  }

  private async connectionsOf(hubs: readonly HubFacts[]): Promise<Map<string, HubConnectionSource[]>> {
    const byVnet = new Map<string, HubConnectionSource[]>();
    await Promise.all(
      hubs.map(async (hub) => {
        try {
          const network = this.clients.networkManagement(hub.subscriptionId);
          const [connections, tables, intents] = await this.limiter.run(hub.subscriptionId, async () =>
            Promise.all([
              listAll(network.hubVirtualNetworkConnections.list(hub.resourceGroup, hub.name)),
              listAll(network.hubRouteTables.list(hub.resourceGroup, hub.name)),
              listAll(network.routingIntentOperations.list(hub.resourceGroup, hub.name)),
            ]),
          );
          const connectionFacts = connections.map(hubConnectionFacts).filter((facts): facts is HubConnectionFacts => facts !== undefined);
          for (const [vnet, source] of sourcesOf(hub, connectionFacts, tables.map(hubRouteTableFacts), intents)) byVnet.set(vnet, [...(byVnet.get(vnet) ?? []), source]);
        } catch (err) {
          const failure = toFetchFailure('HubVirtualNetworkConnections_List', err);
          this.failures.set(hub.name.toLowerCase(), `the hub's connections, route tables or routing intent could not be read: ${failure.message}`);
          this.log.warn({ hub: hub.id, code: failure.code, status: failure.statusCode }, `cannot read the Virtual WAN hub's connections: ${failure.message}`);
        }
      }),
    );
    return byVnet;
  }
}
