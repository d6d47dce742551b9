import type { Region } from './regions.js';
import { DAY, HOUR, MINUTE, rand, stamp, token } from './seeded.js';

/**
 * The demo's NetworkStatus bodies: per region, the 17 connectivity entries APIM reports, fresh and healthy
 * unless an override says otherwise.
 */

export type Status = 'success' | 'failure' | 'initializing';

/** What differs from "fresh and healthy" for one resourceType of one region. */
export interface EntryOverride {
  status?: Status;
  error?: string;
  lastUpdatedAgoMs?: number;
  lastStatusChangeAgoMs?: number;
}

export interface StatusRegionSpec {
  instance: string;
  region: Region;
  primary: Region;
  dnsServers: string[];
  overrides?: Record<string, EntryOverride>;
}

/** The instance's configuration database server (`apirpsql…`), in its primary region. */
export function sqlServer(instance: string, primary: Region): string {
  return `apirpsql${token(`${instance}/${primary.short}/sql`, 12)}`;
}

/**
 * The 17 entries of one region as [host, resourceType, isOptional], modelled on the 2024-05-01 NetworkStatus
 * example (same resourceTypes, host shapes, `isOptional` values and order); hosts derive from the instance.
 */
export function connectivityEntries(instance: string, region: string, primaryRegion: string): Array<[string, string, boolean]> {
  const storage = `apimst${token(`${instance}/${region}/st`, 12)}`;
  const smtpStorage = `apimst${token(`${instance}/${region}/smtp`, 10)}`;
  // The instance's configuration database and vault live with the primary region.
  const sql = `apirpsql${token(`${instance}/${primaryRegion}/sql`, 12)}`;
  const vault = `apikv-${token(`${instance}/kv`, 12)}`;
  return [
    [`${smtpStorage}.queue.core.windows.net`, 'SmtpQueue', true],
    [`${storage}.blob.core.windows.net`, 'BlobStorage', false],
    [`${storage}.file.core.windows.net`, 'FileStorage', true],
    [`${storage}.queue.core.windows.net`, 'Queue', true],
    [`${storage}.table.core.windows.net`, 'TableStorage', false],
    [`${sql}.database.windows.net`, 'SQLDatabase', false],
    ['gcs.prod.monitoring.core.windows.net', 'Monitoring', false],
    [`https://${vault}.vault.azure.net`, 'AzureKeyVault', false],
    [`https://${region}.login.microsoft.com`, 'RegionalAzureActiveDirectory', true],
    ['https://gcs.prod.warm.ingestion.monitoring.azure.com', 'Monitoring', true],
    ['https://global.prod.microsoftmetrics.com/', 'Monitoring', true],
    ['https://login.windows.net', 'AzureActiveDirectory', true],
    ['https://partner.prod.repmap.microsoft.com', 'CaptchaEndpoint', true],
    ['https://shoebox3.prod.microsoftmetrics.com:1886/RecoveryService', 'Metrics', true],
    [`https://${instance}.management.azure-api.net:3443/servicestatus?api-version=2018-01-01`, 'ApiManagement Control Plane - inbound', false],
    ['LocalGatewayRedis', 'InternalCache', true],
    ['Scm', 'SourceControl', true],
  ];
}

/**
 * One region's `connectivityStatus`, modelled on the 2024-05-01 NetworkStatus example (same
 * resourceTypes, host shapes, `isOptional` values and order).
 */
export function regionStatus(now: number, spec: StatusRegionSpec): Record<string, unknown> {
  const n = spec.instance;
  const entries = connectivityEntries(n, spec.region.short, spec.primary.short);
  // All healthy entries changed status when the instance last came up (same few seconds).
  const upSeed = `${n}/${spec.region.short}/up`;
  const upAgo = (9 + (rand(upSeed, 0) % 12)) * DAY + (rand(upSeed, 1) % (20 * HOUR));
  const connectivityStatus = entries.map(([name, resourceType, isOptional]) => {
    const seed = `${n}/${spec.region.short}/${name}`;
    const o = spec.overrides?.[resourceType] ?? {};
    // Fresh: refreshed 1 to 12 minutes ago (the platform re-checks about every 15 minutes).
    const updatedAgo = o.lastUpdatedAgoMs ?? MINUTE + (rand(`upd:${seed}`, 0) % (11 * MINUTE));
    let changedAgo = o.lastStatusChangeAgoMs ?? upAgo - (rand(`chg:${seed}`, 0) % 900);
    // Azure reports the control-plane check's status change at its last update (see the example).
    if (resourceType === 'ApiManagement Control Plane - inbound' && o.lastStatusChangeAgoMs === undefined) {
      changedAgo = updatedAgo;
    }
    changedAgo = Math.max(changedAgo, updatedAgo);
    const lastUpdated = stamp(now, updatedAgo, `u:${seed}`);
    return {
      name,
      status: o.status ?? 'success',
      error: o.error ?? '',
      lastUpdated,
      lastStatusChange: changedAgo === updatedAgo ? lastUpdated : stamp(now, changedAgo, `c:${seed}`),
      resourceType,
      isOptional,
    };
  });
  return {
    location: spec.region.display,
    networkStatus: { dnsServers: [...spec.dnsServers], connectivityStatus },
  };
}
