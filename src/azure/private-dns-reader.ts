import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { flatten, idOf, isRecord } from './normalise-json.js';
import type { BulkPages } from './poll-context.js';
import { subscriptionInPath } from '../model/ids.js';
import type { PrivateDnsConfig, PrivateDnsZone } from '../model/network.js';

/**
 * The private DNS zones linked to a VNet and their A records, for internal instances (whose host names
 * resolve only through them). Resource Graph lists the zones' VNet links (`resources`, Reader); the
 * record sets of a linked zone are one list request per zone and poll (`GET <zone>/A`).
 */

export const DNS_LINKS_QUERY = "Resources | where type =~ 'microsoft.network/privatednszones/virtualnetworklinks'";
export const PRIVATE_DNS_API_VERSION = '2024-06-01';

const LINK = /^(.*\/providers\/microsoft\.network\/privatednszones\/[^/]+)\/virtualnetworklinks\/[^/]+$/i;

/** A record set (`GET <zone>/A` item) as relative name -> IPv4 addresses. */
function aRecordsOf(sets: readonly unknown[]): Record<string, string[]> {
  const records: Record<string, string[]> = {};
  for (const raw of sets) {
    if (!isRecord(raw)) continue;
    const set = flatten(raw);
    const name = typeof set.name === 'string' ? set.name.toLowerCase() : undefined;
    const addresses = (Array.isArray(set.aRecords) ? set.aRecords : []).map((record) => (isRecord(record) ? record.ipv4Address : undefined)).filter((ip): ip is string => typeof ip === 'string');
    if (name) records[name] = [...(records[name] ?? []), ...addresses];
  }
  return records;
}

export class PrivateDnsReader {
  /** Zone IDs (as written) by lower-cased VNet ID; undefined when Resource Graph could not say. */
  private links: Promise<Map<string, string[]> | undefined> = Promise.resolve(undefined);
  private readonly zones = new Map<string, Promise<PrivateDnsZone>>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
  ) {}

  readLinks(pages: BulkPages): void {
    const byVnet = new Map<string, string[]>();
    this.links = pages(async (rows) => {
      for (const row of rows) {
        const zone = LINK.exec(row.id)?.[1];
        const vnet = idOf(flatten(row).virtualNetwork)?.toLowerCase();
        if (zone && vnet) byVnet.set(vnet, [...(byVnet.get(vnet) ?? []), zone]);
      }
    }).then((complete) => (complete ? byVnet : undefined));
  }

  /** The zones linked to a VNet, each with its A records. Never rejects. */
  async forVnet(vnetId: string): Promise<PrivateDnsConfig> {
    const links = await this.links;
    if (!links) return { zones: [], unreadable: 'the VNet links of private DNS zones come from Resource Graph, which is off or failed in this poll' };
    return { zones: await Promise.all((links.get(vnetId.toLowerCase()) ?? []).map((zoneId) => this.zone(zoneId))) };
  }

  private zone(zoneId: string): Promise<PrivateDnsZone> {
    const key = zoneId.toLowerCase();
    let pending = this.zones.get(key);
    if (!pending) {
      const name = zoneId.split('/').pop()!.toLowerCase();
      pending = this.limiter
        .run(subscriptionInPath(zoneId)?.toLowerCase(), () => this.clients.armList().list(`${zoneId}/A`, PRIVATE_DNS_API_VERSION))
        .then((sets): PrivateDnsZone => ({ id: key, name, aRecords: aRecordsOf(sets) }))
        .catch((err: unknown): PrivateDnsZone => {
          const failure = toFetchFailure('RecordSets_ListByType', err);
          this.log.warn({ zone: zoneId, code: failure.code, status: failure.statusCode }, `cannot read the private DNS zone's A records: ${failure.message}`);
          return { id: key, name, aRecords: {}, unreadable: failure.message };
        });
      this.zones.set(key, pending);
    }
    return pending;
  }
}
