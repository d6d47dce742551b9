import { describe, expect, it } from 'vitest';
import { analyseFleet, analyseInstance, ANALYSIS_FAILED, judgeEndpoint, judgeInstance, rollUpDependencies } from '../src/analysis/analyse.js';
import { classifyDependency, hostOf } from '../src/analysis/dependencies.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { DEFAULT_STALE_AFTER_SECONDS, isStale } from '../src/analysis/staleness.js';
import { toRegionStatuses } from '../src/azure/normalise.js';
import { shortRegion } from '../src/model/ids.js';
import type { ConnectivityEntry, InstanceSnapshot } from '../src/model/snapshot.js';
import { exampleBody } from './helpers/examples.js';
import { problemsOf } from '../src/analysis/triage.js';
import { exitCodeOf } from '../src/cli/exit-codes.js';

const policy = { staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS, paging: DEFAULT_PAGING_POLICY };
const now = new Date('2026-11-22T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

describe('classifyDependency', () => {
  it.each([
    ['BlobStorage', 'x.blob.core.windows.net', 'storage'],
    ['TableStorage', 'x.table.core.windows.net', 'storage'],
    ['FileStorage', 'x.file.core.windows.net', 'storage'],
    ['Queue', 'x.queue.core.windows.net', 'storage'],
    ['SmtpQueue', 'x.queue.core.windows.net', 'storage'],
    ['SQLDatabase', 'x.database.windows.net', 'sql'],
    ['AzureKeyVault', 'https://kv.vault.azure.net', 'keyvault'],
    ['KeyVault', 'https://kv.vault.azure.net', 'keyvault'],
    ['AzureActiveDirectory', 'https://login.windows.net', 'graph'],
    ['RegionalAzureActiveDirectory', 'https://westeurope.login.microsoft.com', 'graph'],
    ['Monitoring', 'gcs.prod.monitoring.core.windows.net', 'monitoring'],
    ['Metrics', 'https://x.prod.microsoftmetrics.com:1886/RecoveryService', 'monitoring'],
    ['ApiManagement Control Plane - inbound', 'https://x.management.azure-api.net:3443/servicestatus', 'management'],
    ['EventHub', 'x.servicebus.windows.net', 'eventhub'],
    ['Email', 'smtp.example', 'smtp'],
    ['SourceControl', 'Scm', 'sourcecontrol'],
    ['InternalCache', 'LocalGatewayRedis', 'cache'],
    ['CaptchaEndpoint', 'https://partner.prod.repmap.microsoft.com', 'captcha'],
    // case-insensitive, spaces allowed
    ['sqldatabase', 'x', 'sql'],
    ['Azure Key Vault', 'x', 'keyvault'],
    ['API MANAGEMENT control plane - Inbound', 'x', 'management'],
    // unknown resourceType: the host decides, else other
    ['SomethingNew', 'https://acct.blob.core.windows.net/', 'storage'],
    ['SomethingNew', 'graph.microsoft.com', 'graph'],
    ['SomethingNew', 'login.microsoftonline.com', 'graph'],
    ['SomethingNew', 'https://example.org', 'other'],
    ['', '', 'other'],
  ])('%s / %s -> %s', (resourceType, name, expected) => {
    expect(classifyDependency(resourceType, name)).toBe(expected);
  });

  it('extracts the host from bare hosts and URLs', () => {
    expect(hostOf('https://x.prod.microsoftmetrics.com:1886/RecoveryService')).toBe('x.prod.microsoftmetrics.com');
    expect(hostOf('apimst.queue.core.windows.net')).toBe('apimst.queue.core.windows.net');
    expect(hostOf('https://global.prod.microsoftmetrics.com/')).toBe('global.prod.microsoftmetrics.com');
  });
});

describe('staleness', () => {
  it.each([
    [5, false],
    [34, false],
    [36, true],
    [24 * 60, true],
  ])('lastUpdated %i minutes ago stale=%s with the default 35-minute window', (minutes, stale) => {
    expect(isStale(minutesAgo(minutes), now, DEFAULT_STALE_AFTER_SECONDS)).toBe(stale);
  });

  it('a missing or invalid lastUpdated is stale: no evidence the platform still checks it', () => {
    expect(isStale(undefined, now, 60)).toBe(true);
    expect(isStale('nope', now, 60)).toBe(true);
  });
});

function entry(overrides: Partial<ConnectivityEntry>): ConnectivityEntry {
  return {
    name: 'x.database.windows.net',
    status: 'success',
    error: '',
    lastUpdated: minutesAgo(2),
    lastStatusChange: minutesAgo(600),
    resourceType: 'SQLDatabase',
    isOptional: false,
    ...overrides,
  };
}

describe('judgeEndpoint', () => {
  it.each([
    ['success, fresh', {}, { up: true, stale: false }],
    ['failure', { status: 'failure', error: 'timeout' }, { up: false, stale: false }],
    ['initializing is not up', { status: 'initializing' }, { up: false, stale: false }],
    ['success but stale is down', { lastUpdated: minutesAgo(120) }, { up: false, stale: true }],
    ['status compared case-insensitively', { status: 'Success' }, { up: true, stale: false }],
  ])('%s', (_name, overrides, expected) => {
    expect(judgeEndpoint(entry(overrides), now, policy)).toMatchObject(expected);
  });

  it('keeps isOptional as required and the resourceType as Azure wrote it', () => {
    const judged = judgeEndpoint(entry({ resourceType: 'AzureActiveDirectory', name: 'https://login.windows.net', isOptional: true }), now, policy);
    expect(judged).toMatchObject({ dependency: 'graph', required: false, resourceType: 'AzureActiveDirectory', endpoint: 'https://login.windows.net' });
  });
});

describe('rollUpDependencies', () => {
  it('rolls up required and optional endpoints apart: a failing optional FileStorage does not page, a failing Blob does', () => {
    const endpoints = (blobStatus: string) => [
      judgeEndpoint(entry({ resourceType: 'BlobStorage', name: 'a.blob.core.windows.net', status: blobStatus }), now, policy),
      judgeEndpoint(entry({ resourceType: 'FileStorage', name: 'a.file.core.windows.net', isOptional: true, status: 'failure' }), now, policy),
      judgeEndpoint(entry({ resourceType: 'SmtpQueue', name: 'smtp.queue.core.windows.net', isOptional: true }), now, policy),
      judgeEndpoint(entry({ resourceType: 'CaptchaEndpoint', name: 'c', isOptional: true }), now, policy),
      judgeEndpoint(entry({ resourceType: 'AzureActiveDirectory', name: 'https://login.windows.net', isOptional: true, status: 'failure' }), now, policy),
    ];
    const parts = (blobStatus: string) => rollUpDependencies(endpoints(blobStatus), policy).map((d) => [d.dependency, d.required, d.up, d.pages, d.failingEndpoints]);
    expect(parts('success')).toEqual([
      ['storage', true, true, true, []],
      ['storage', false, false, false, ['a.file.core.windows.net']],
      ['graph', false, false, true, ['https://login.windows.net']],
      ['captcha', false, true, false, []],
    ]);
    expect(parts('failure')[0]).toEqual(['storage', true, false, true, ['a.blob.core.windows.net']]);
    // Storage on any endpoint: the Git share pages too.
    const anyStorage = rollUpDependencies(endpoints('success'), { paging: { storage: 'any' } });
    expect(anyStorage.filter((d) => d.dependency === 'storage').map((d) => d.pages)).toEqual([true, true]);
  });
});

describe('a lastUpdated in the future', () => {
  it('beyond the clock-skew allowance is suspect: stale (so down), and flagged; within it, fresh', () => {
    const future = judgeEndpoint(entry({ lastUpdated: '2099-01-01T00:00:00Z' }), now, policy);
    expect(future).toMatchObject({ stale: true, up: false });
    expect(future.clockSkew).toMatch(/lastUpdated 2099-01-01T00:00:00Z is ahead of this monitor's clock by more than 5 minutes/);
    const skewed = judgeEndpoint(entry({ lastUpdated: new Date(now.getTime() + 60_000).toISOString() }), now, policy);
    expect(skewed).toMatchObject({ stale: false, up: true });
    expect(skewed.clockSkew).toBeUndefined();
  });
});

describe('analyseInstance over the NetworkStatus examples', () => {
  const instance = {
    id: '/subscriptions/s/resourcegroups/rg1/providers/microsoft.apimanagement/service/apimservice1',
    subscriptionId: 's',
    resourceGroup: 'rg1',
    name: 'apimService1',
    sku: 'Premium',
    platformVersion: 'stv2',
    vnetType: 'External' as const,
    regions: [{ location: 'centraluseuap', displayLocation: 'Central US EUAP', primary: true }],
    tags: {},
  };

  it('classifies every entry of the 2024-05-01 example (required as the API says; Graph optional but paging)', () => {
    const statuses = toRegionStatuses(exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatus.json'));
    const fresh = new Date('2023-06-08T16:50:00Z');
    const report = analyseInstance({ instance, networkStatus: statuses }, fresh, policy);
    const endpoints = report.regions[0]!.endpoints;
    expect(endpoints).toHaveLength(17);
    for (const e of endpoints.filter((e) => ['BlobStorage', 'TableStorage', 'SQLDatabase'].includes(e.resourceType))) {
      expect(e.required).toBe(true);
    }
    expect(endpoints.find((e) => e.resourceType === 'AzureActiveDirectory')).toMatchObject({ dependency: 'graph', required: false, up: true });
    expect(endpoints.find((e) => e.resourceType === 'AzureKeyVault')).toMatchObject({ dependency: 'keyvault', required: true });
    expect(endpoints.find((e) => e.resourceType === 'ApiManagement Control Plane - inbound')).toMatchObject({ dependency: 'management' });
    expect(report.health).toBe('healthy');
    expect(report.regions[0]!.dependencies.find((d) => d.dependency === 'graph')).toMatchObject({ required: false, pages: true });
  });

  it('SMB blocked on the real 2024 instance: the optional FileStorage fails, nothing pages (check exits 0); a failing Blob pages', () => {
    const fresh = new Date('2023-06-08T16:50:00Z');
    const failing = (...types: string[]) =>
      toRegionStatuses(exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatus.json')).map((region) => ({
        ...region,
        connectivity: region.connectivity.map((e) => (types.includes(e.resourceType) ? { ...e, status: 'failure', error: `Failed to connect to ${e.name}:445` } : e)),
      }));
    const fleet = (types: string[]) => analyseFleet({ takenAt: fresh, instances: [{ instance, networkStatus: failing(...types) }], subscriptionFailures: [], unresolvedTargets: [] }, policy);
    const smb = fleet(['FileStorage']);
    expect(smb.instances[0]!.health).toBe('degraded');
    expect(problemsOf(smb)).toMatchObject([{ dependency: 'storage', required: false, pages: false, state: 'down' }]);
    expect(exitCodeOf(smb)).toBe(0);
    const blob = fleet(['FileStorage', 'BlobStorage']);
    expect(blob.instances[0]!.health).toBe('down');
    expect(problemsOf(blob).map((p) => [p.dependency, p.required, p.pages])).toEqual([['storage', true, true], ['storage', false, false]]);
    expect(exitCodeOf(blob)).toBe(1);
  });

  it('judged today, the example data is years old: every endpoint is stale and the instance is down', () => {
    const statuses = toRegionStatuses(exampleBody('2022-08-01__ApiManagementServiceGetNetworkStatus.json'));
    const report = analyseInstance({ instance: { ...instance, regions: [] }, networkStatus: statuses }, now, policy);
    expect(report.regions.map((r) => r.location)).toEqual(['westus']);
    expect(report.regions[0]!.endpoints.every((e) => e.stale && !e.up)).toBe(true);
    expect(report.health).toBe('down');
  });

  it.each<[string, Partial<InstanceSnapshot>, string]>([
    ['no NetworkStatus entries is no data, never healthy', { networkStatus: [] }, 'unknown'],
    ['not VNet-injected is not monitored', { instance: { ...instance, vnetType: 'None' } }, 'not-monitored'],
    [
      'only a non-paging dependency down is degraded',
      { networkStatus: [{ location: 'centraluseuap', displayLocation: 'Central US EUAP', dnsServers: [], connectivity: [entry({}), entry({ resourceType: 'CaptchaEndpoint', name: 'c', status: 'failure' })] }] },
      'degraded',
    ],
    [
      'a paging dependency down is down',
      { networkStatus: [{ location: 'centraluseuap', displayLocation: 'Central US EUAP', dnsServers: [], connectivity: [entry({ status: 'failure' })] }] },
      'down',
    ],
  ])('%s', (_name, overrides, health) => {
    expect(analyseInstance({ instance, ...overrides } as InstanceSnapshot, now, policy).health).toBe(health);
  });

  it('keeps one series per endpoint when Azure lists an endpoint twice, the worse one', () => {
    const connectivity = [entry({}), entry({ status: 'failure', error: 'boom' })];
    const report = analyseInstance({ instance, networkStatus: [{ location: 'centraluseuap', displayLocation: 'x', dnsServers: [], connectivity }] }, now, policy);
    expect(report.regions[0]!.endpoints).toHaveLength(1);
    expect(report.regions[0]!.endpoints[0]).toMatchObject({ up: false, error: 'boom' });
  });
});

describe('shortRegion', () => {
  it.each([
    ['West US', 'westus'],
    ['Central US EUAP', 'centraluseuap'],
    ['westeurope', 'westeurope'],
    ['North  Europe', 'northeurope'],
  ])('%s -> %s', (display, short) => {
    expect(shortRegion(display)).toBe(short);
  });
});

describe('judging that throws (a bug) fails that instance alone', () => {
  const info = (name: string) => ({
    id: `/subscriptions/s/resourcegroups/rg/providers/microsoft.apimanagement/service/${name}`,
    subscriptionId: 's',
    resourceGroup: 'rg',
    name,
    sku: 'Developer',
    platformVersion: 'stv2',
    vnetType: 'External' as const,
    regions: [{ location: 'westeurope', displayLocation: 'West Europe', primary: true }],
    tags: {},
  });
  const status = (connectivity: ConnectivityEntry[]) => [{ location: 'westeurope', displayLocation: 'West Europe', dnsServers: [], connectivity }];

  it('the instance is reported down with why; the others are judged as usual', () => {
    // A NetworkStatus entry without a name gets past nothing in normalisation; here it stands for any data that trips a bug.
    const broken: InstanceSnapshot = { instance: info('broken'), networkStatus: status([entry({ name: undefined as unknown as string, resourceType: 'SomethingNew' })]) };
    const fine: InstanceSnapshot = { instance: info('fine'), networkStatus: status([entry({})]) };
    expect(() => analyseInstance(broken, now, policy)).toThrow();
    const report = analyseFleet({ takenAt: now, instances: [broken, fine], subscriptionFailures: [], unresolvedTargets: [] }, policy, now);
    const byName = Object.fromEntries(report.instances.map((i) => [i.instance.name, i]));
    expect(byName.broken).toMatchObject({ targetUp: false, health: 'unknown', regions: [], failure: { operation: 'Analysis', code: ANALYSIS_FAILED } });
    expect(byName.broken!.failure!.message).toMatch(/^cannot judge this instance's data: /);
    expect(byName.fine).toMatchObject({ targetUp: true, health: 'healthy' });
    expect(judgeInstance(fine, now, policy)).toEqual(analyseInstance(fine, now, policy));
  });
});
