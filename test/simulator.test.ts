import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { NetworkManagementClient } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { parseWorld, type World } from '../src/simulator/world.js';

const FIXTURES = new URL('./fixtures/simulator/', import.meta.url);
const SUB = '6f1b2a43-9c0e-4b7a-8f3d-2e5c1a9b7d10';
const RG1 = `/subscriptions/${SUB}/resourceGroups/rg1`;
const MULTI_ID = `${RG1}/providers/Microsoft.ApiManagement/service/apimservice1`;

function fixtureWorld(): World {
  return parseWorld(JSON.parse(readFileSync(new URL('world.json', FIXTURES), 'utf8')), 'fixture');
}

function exampleBody(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')).responses['200'].body;
}

const credential: TokenCredential = {
  getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3600_000 }),
};

/** Trusts the simulator's certificate for requests to the simulator only; nothing is ever unverified. */
function trustPolicy(sim: RunningSimulator): PipelinePolicy {
  const agent = new https.Agent({ ca: sim.caCertPem });
  const origin = new URL(sim.url).origin;
  return {
    name: 'trustSimulator',
    sendRequest(request, next) {
      if (new URL(request.url).origin === origin) request.agent = agent;
      return next(request);
    },
  };
}

function clientOptions(sim: RunningSimulator) {
  return {
    endpoint: sim.url,
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: trustPolicy(sim), position: 'perCall' as const }],
  };
}

const apim = (sim: RunningSimulator) => new ApiManagementClient(credential, SUB, clientOptions(sim));
const network = (sim: RunningSimulator) => new NetworkManagementClient(credential, SUB, clientOptions(sim));

interface RawResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** A plain HTTPS GET (no SDK), for what the SDK would never send. */
function rawGet(sim: RunningSimulator, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sim.url);
    const req = https.request(url, { method, ca: sim.caCertPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string | undefined>, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const AUTH = { authorization: 'Bearer test' };

async function allPages<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

/** What an ARM error looks like to a caller of the SDK. */
async function failure(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; headers?: { get(n: string): string | undefined } }> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; response?: { headers: { get(n: string): string | undefined } } };
    return { statusCode: e.statusCode, code: e.code, headers: e.response?.headers };
  }
  throw new Error('expected the call to fail');
}

describe('ARM simulator with the real SDK clients', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fixtureWorld(), pageSize: 1 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('serves on 127.0.0.1 with a certificate Node verifies for 127.0.0.1 and localhost', async () => {
    expect(sim.url).toBe(`https://127.0.0.1:${sim.port}`);
    const res = await rawGet(sim, `/subscriptions/${SUB}?api-version=2022-12-01`, AUTH);
    expect(res.status).toBe(200);
    const viaLocalhost = await new Promise<number>((resolve, reject) =>
      https
        .get({ host: 'localhost', port: sim.port, path: `/subscriptions/${SUB}?api-version=1`, ca: sim.caCertPem, headers: AUTH }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        })
        .on('error', reject),
    );
    expect(viaLocalhost).toBe(200);
  });

  it('apiManagementService.get returns the stored body, matching the ID case-insensitively', async () => {
    const service = await apim(sim).apiManagementService.get('RG1', 'ApimService1');
    expect(service.id).toBe(MULTI_ID);
    expect(service.virtualNetworkType).toBe('Internal');
    expect(service.additionalLocations?.[0]?.location).toBe('West US 2');
  });

  it('apiManagementService.listByResourceGroup and list follow nextLink page by page', async () => {
    const client = apim(sim);
    const inRg1 = await allPages(client.apiManagementService.listByResourceGroup('rg1'));
    expect(inRg1.map((s) => s.name).sort()).toEqual(['OGF-Z3-06162021-Premium', 'apimservice1']);
    const all = await allPages(client.apiManagementService.list());
    expect(all).toHaveLength(3);
    const pages = await allPages(client.apiManagementService.list().byPage());
    expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);
  });

  it('nextLink is absolute, carries $skiptoken and the same api-version, and is absent on the last page', async () => {
    const first = await rawGet(sim, `/subscriptions/${SUB}/providers/Microsoft.ApiManagement/service?api-version=2024-05-01`, AUTH);
    const page1 = JSON.parse(first.body) as { value: unknown[]; nextLink?: string };
    expect(page1.nextLink).toMatch(new RegExp(`^${sim.url}/subscriptions/${SUB}/providers/Microsoft.ApiManagement/service\\?api-version=2024-05-01&\\$skiptoken=`));
    const last = await rawGet(sim, new URL(page1.nextLink!).pathname + new URL(page1.nextLink!).search, AUTH);
    const page2 = JSON.parse(last.body) as { value: unknown[]; nextLink?: string };
    const page3 = JSON.parse((await rawGet(sim, page2.nextLink!.slice(sim.url.length), AUTH)).body) as { nextLink?: string };
    expect(page3).not.toHaveProperty('nextLink');
  });

  it('networkStatus.listByService returns both examples as ARM sent them', async () => {
    const client = apim(sim);
    const v2024 = await client.networkStatus.listByService('rg1', 'apimService1');
    const example2024 = exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatus.json') as { location: string; networkStatus: { connectivityStatus: unknown[] } }[];
    expect(v2024.map((r) => r.location)).toEqual(example2024.map((r) => r.location));
    const statuses = v2024[0]!.networkStatus!.connectivityStatus!;
    expect(statuses).toHaveLength(example2024[0]!.networkStatus.connectivityStatus.length);
    expect(statuses.find((s) => s.resourceType === 'AzureKeyVault')?.name).toBe('https://apikv-XXXXXXurugl3.vault.azure.net');
    expect(statuses[0]!.lastUpdated).toEqual(new Date('2023-06-08T16:41:44.6399168Z'));

    const v2022 = await client.networkStatus.listByService('rg1', 'OGF-Z3-06162021-Premium');
    expect(v2022.map((r) => r.location)).toEqual(['West US']);
    expect(v2022[0]!.networkStatus!.dnsServers).toEqual(['10.82.98.10']);
  });

  it('networkStatus.listByLocation picks the region, normalising its name', async () => {
    const client = apim(sim);
    const byLocation = await client.networkStatus.listByLocation('rg2', 'vvktestcons', 'North Central US');
    const example = exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatusByLocation.json') as { dnsServers: string[]; connectivityStatus: { name: string }[] };
    expect(byLocation.dnsServers).toEqual(example.dnsServers);
    expect(byLocation.connectivityStatus!.map((c) => c.name)).toEqual(example.connectivityStatus.map((c) => c.name));
    const compact = await client.networkStatus.listByLocation('rg1', 'OGF-Z3-06162021-Premium', 'westus');
    expect(compact.dnsServers).toEqual(['10.82.98.10']);
    expect(await failure(client.networkStatus.listByLocation('rg1', 'apimService1', 'West Europe'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('networkStatus of an instance without status data is an empty list; of an unknown instance, a 404', async () => {
    const world = fixtureWorld();
    const bare = { ...world.resources[0]!, id: `${RG1}/providers/Microsoft.ApiManagement/service/bare`, name: 'bare' };
    sim.setWorld({ ...world, resources: [...world.resources, bare] });
    try {
      expect(await apim(sim).networkStatus.listByService('rg1', 'bare')).toEqual([]);
      expect(await failure(apim(sim).networkStatus.listByService('rg1', 'nope'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    } finally {
      sim.setWorld(fixtureWorld());
    }
  });

  // arm-network 39 flattens `properties` onto the returned objects.
  it('NetworkManagementClient: virtualNetworks, subnets (stored and embedded), NSGs, route tables', async () => {
    const client = network(sim);
    const vnet = await client.virtualNetworks.get('rg1', 'test-vnet');
    expect(vnet.id).toBe(`${RG1}/providers/Microsoft.Network/virtualNetworks/test-vnet`);
    expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.0.0.0/16']);

    const embedded = await client.subnets.get('RG1', 'TEST-VNET', 'subnet1');
    expect(embedded.addressPrefix).toBe('10.0.1.0/24');
    const stored = await client.subnets.get('subnet-test', 'vnetname', 'subnet1');
    expect(stored.addressPrefix).toBe('10.0.0.0/16');
    const listed = await allPages(client.subnets.list('rg1', 'test-vnet'));
    expect(listed.map((s) => s.name)).toEqual(['subnet1']);

    const nsg = await client.networkSecurityGroups.get('rg1', 'testnsg');
    expect(nsg.securityRules?.map((r) => r.name)).toEqual(['rule1']);
    expect(nsg.defaultSecurityRules?.length).toBeGreaterThan(0);

    const rt = await client.routeTables.get('rg1', 'testrt');
    expect(rt.routes?.[0]?.nextHopType).toBe('VirtualNetworkGateway');

    const vnets = await allPages(client.virtualNetworks.listAll());
    expect(vnets.map((v) => v.name)).toEqual(['test-vnet']);
  });

  it('arm-network follows nextLink too (page size 1, two VNets)', async () => {
    const world = fixtureWorld();
    const vnet = world.resources.find((r) => r.type === 'Microsoft.Network/virtualNetworks')!;
    const second = { ...vnet, id: `${vnet.id}-2`, name: 'test-vnet-2' };
    sim.setWorld({ ...world, resources: [...world.resources, second] });
    try {
      const pages = await allPages(network(sim).virtualNetworks.list('rg1').byPage());
      expect(pages.map((p) => p.map((v) => v.name))).toEqual([['test-vnet'], ['test-vnet-2']]);
    } finally {
      sim.setWorld(fixtureWorld());
    }
  });

  it('serviceTags.list fills in the subscription and matches the location normalised', async () => {
    const tags = await network(sim).serviceTags.list('westcentralus');
    expect(tags.id).toBe(`/subscriptions/${SUB}/providers/Microsoft.Network/serviceTags/public`);
    expect(tags.values?.find((v) => v.name === 'ApiManagement')?.properties?.addressPrefixes).toContain('13.64.39.16/32');
    expect(await failure(network(sim).serviceTags.list('westeurope'))).toMatchObject({ statusCode: 404 });
  });

  it('subscriptions are synthesized from resource IDs, or served from world.subscriptions', async () => {
    const list = async () => {
      const pipeline = createEmptyPipeline();
      pipeline.addPolicy(trustPolicy(sim));
      pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: 'https://management.azure.com/.default' }));
      const client = createDefaultHttpClient();
      const out: { subscriptionId: string; state: string; tenantId: string }[] = [];
      let url: string | undefined = `${sim.url}/subscriptions?api-version=2022-12-01`;
      while (url) {
        const res = await pipeline.sendRequest(client, createPipelineRequest({ url }));
        expect(res.status).toBe(200);
        const page = JSON.parse(res.bodyAsText ?? '') as { value: typeof out; nextLink?: string };
        out.push(...page.value);
        url = page.nextLink;
      }
      return out;
    };
    const synthesized = await list();
    expect(synthesized).toEqual([expect.objectContaining({ subscriptionId: SUB, state: 'Enabled', id: `/subscriptions/${SUB}` })]);

    const subscriptions = JSON.parse(readFileSync(new URL('subscriptions.json', FIXTURES), 'utf8')) as unknown[];
    sim.setWorld({ ...fixtureWorld(), subscriptions });
    try {
      const listed = await list();
      expect(listed.map((s) => s.subscriptionId)).toEqual(['291bba3f-e0a5-47bc-a099-3bdcb2a50a05', '72ac930a-f34e-42d8-b06d-dc2a9e12ed71']);
      const one = await rawGet(sim, '/subscriptions/72AC930A-F34E-42D8-B06D-DC2A9E12ED71?api-version=2022-12-01', AUTH);
      expect(JSON.parse(one.body)).toMatchObject({ displayName: 'Example Subscription2' });
    } finally {
      sim.setWorld(fixtureWorld());
    }
  });

  it('unknown IDs are 404 ResourceNotFound with ARM\'s message', async () => {
    const err = await failure(apim(sim).apiManagementService.get('rg1', 'missing'));
    expect(err).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    const raw = await rawGet(sim, `${RG1}/providers/Microsoft.ApiManagement/service/missing?api-version=2024-05-01`, AUTH);
    expect(JSON.parse(raw.body)).toEqual({
      error: {
        code: 'ResourceNotFound',
        message: "The Resource 'Microsoft.ApiManagement/service/missing' under resource group 'rg1' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
      },
    });
    expect(await failure(network(sim).subnets.get('rg1', 'test-vnet', 'nope'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(await failure(network(sim).networkSecurityGroups.get('rg1', 'nope'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('answers ARM headers on every response', async () => {
    const res = await rawGet(sim, `${MULTI_ID}?api-version=2024-05-01`, AUTH);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-correlation-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const before = Number(res.headers['x-ms-ratelimit-remaining-subscription-reads']);
    const again = await rawGet(sim, `${MULTI_ID}?api-version=2024-05-01`, AUTH);
    // A token bucket (250, 25 a second): one less, unless the bucket refilled meanwhile.
    expect(Number(again.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBeLessThanOrEqual(before);
    expect(again.headers['x-ms-ratelimit-remaining-subscription-global-reads']).toMatch(/^\d+$/);
    const tenant = await rawGet(sim, '/subscriptions?api-version=2022-12-01', AUTH);
    expect(tenant.headers['x-ms-ratelimit-remaining-tenant-reads']).toMatch(/^\d+$/);
  });

  it('rejects a request without api-version (400) or without a bearer token (401)', async () => {
    const noVersion = await rawGet(sim, MULTI_ID, AUTH);
    expect(noVersion.status).toBe(400);
    expect(JSON.parse(noVersion.body)).toEqual({
      error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' },
    });
    const noAuth = await rawGet(sim, `${MULTI_ID}?api-version=2024-05-01`);
    expect(noAuth.status).toBe(401);
    expect(JSON.parse(noAuth.body).error.code).toBe('AuthenticationFailed');
  });

  it('never crashes on odd input', async () => {
    for (const path of ['/', '/nope?api-version=1', '/subscriptions/%E0%A4%A?api-version=1', `/subscriptions/${SUB}/resourceGroups/rg1/providers?api-version=1`, `/subscriptions/${SUB}/providers/Microsoft.ApiManagement/service?api-version=1&$skiptoken=garbage`]) {
      const res = await rawGet(sim, path, AUTH);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(JSON.parse(res.body).error.code, path).toBeTypeOf('string');
    }
    const put = await rawGet(sim, `${MULTI_ID}?api-version=1`, { ...AUTH, 'content-type': 'application/json' }, 'PUT', '{}');
    expect(put.status).toBe(405);
    const unknownRg = await rawGet(sim, `/subscriptions/${SUB}/resourceGroups/nope/providers/Microsoft.Network/virtualNetworks?api-version=1`, AUTH);
    expect(JSON.parse(unknownRg.body).error.code).toBe('ResourceGroupNotFound');
  });
});

describe('ARM simulator faults', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fixtureWorld() });
  });
  afterEach(() => sim.setFaults([]));
  afterAll(async () => {
    await sim.close();
  });

  it('429 carries SubscriptionRequestsThrottled and Retry-After', async () => {
    sim.setFaults([{ path: '/networkstatus', status: 429, retryAfterSeconds: 7 }]);
    const err = await failure(apim(sim).networkStatus.listByService('rg1', 'apimService1'));
    expect(err.statusCode).toBe(429);
    expect(err.code).toBe('SubscriptionRequestsThrottled');
    expect(err.headers?.get('retry-after')).toBe('7');
    sim.setFaults([{ path: '/networkstatus', status: 429 }]);
    const bare = await rawGet(sim, `${MULTI_ID}/networkstatus?api-version=2024-05-01`, AUTH);
    expect(bare.status).toBe(429);
    expect(bare.headers['retry-after']).toBeUndefined();
    // The fault matches only its path: the instance itself is still served.
    await expect(apim(sim).apiManagementService.get('rg1', 'apimService1')).resolves.toMatchObject({ name: 'apimservice1' });
  });

  it('500 is InternalServerError and 403 is AuthorizationFailed naming the action and scope', async () => {
    sim.setFaults([
      { path: 'OGF-Z3-06162021', status: 500 },
      { path: 'APIMSERVICE1', status: 403 },
    ]);
    expect(await failure(apim(sim).apiManagementService.get('rg1', 'OGF-Z3-06162021-Premium'))).toMatchObject({ statusCode: 500, code: 'InternalServerError' });
    expect(await failure(apim(sim).apiManagementService.get('rg1', 'apimService1'))).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    const raw = await rawGet(sim, `${MULTI_ID}?api-version=2024-05-01`, AUTH);
    expect(JSON.parse(raw.body).error.message).toMatch(
      /^The client '.+' with object id '.+' does not have authorization to perform action 'Microsoft\.ApiManagement\/service\/read' over scope '\/subscriptions\/.+apimservice1'/,
    );
  });

  it('delayMs waits, then answers normally', async () => {
    sim.setFaults([{ path: '/locations/westcentralus/servicetags', delayMs: 300 }]);
    const started = Date.now();
    const tags = await network(sim).serviceTags.list('westcentralus');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(tags.name).toBe('public');
  });

  it('malformed answers 200 application/json with half the body, and the SDK throws', async () => {
    sim.setFaults([{ path: 'apimservice1/networkstatus', malformed: true }]);
    await expect(apim(sim).networkStatus.listByService('rg1', 'apimService1')).rejects.toThrow();
    const raw = await rawGet(sim, `${MULTI_ID}/networkstatus?api-version=2024-05-01`, AUTH);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toMatch(/^application\/json/);
    expect(() => JSON.parse(raw.body)).toThrow();
    expect(JSON.stringify(exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatus.json'))).toContain(raw.body);
  });

  it('count: 2 fails twice, then the request succeeds', async () => {
    sim.setFaults([{ path: `/subscriptions/${SUB}/`, status: 503, count: 2 }]);
    const client = apim(sim);
    expect(await failure(client.apiManagementService.get('rg1', 'apimService1'))).toMatchObject({ statusCode: 503, code: 'ServiceUnavailable' });
    expect(sim.world.faults).toEqual([{ path: `/subscriptions/${SUB}/`, status: 503, count: 1 }]);
    expect(await failure(client.apiManagementService.get('rg1', 'apimService1'))).toMatchObject({ statusCode: 503 });
    await expect(client.apiManagementService.get('rg1', 'apimService1')).resolves.toMatchObject({ name: 'apimservice1' });
    expect(sim.world.faults).toEqual([]);
  });

  it('matches fault paths against the request path only, never the query', async () => {
    sim.setFaults([{ path: 'api-version', status: 500 }]);
    expect((await rawGet(sim, `${MULTI_ID}?api-version=2024-05-01`, AUTH)).status).toBe(200);
    sim.setFaults([{ path: '/locations/north central us/', status: 500 }]);
    const encoded = await rawGet(sim, `/subscriptions/${SUB}/resourceGroups/rg2/providers/Microsoft.ApiManagement/service/vvktestcons/locations/North%20Central%20US/networkstatus?api-version=1`, AUTH);
    expect(encoded.status).toBe(500);
  });

  it('close() ends a request that is waiting on a delay fault', async () => {
    const local = await startSimulator({ world: fixtureWorld() });
    local.setFaults([{ path: '/', delayMs: 60_000 }]);
    try {
      const pending = rawGet(local, `${MULTI_ID}?api-version=1`, AUTH).catch((err: Error) => err);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await local.close();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await pending).toBeInstanceOf(Error);
    } finally {
      await local.close();
    }
  });

  it('faults in the world file apply from the start, and the first matching fault wins', async () => {
    const local = await startSimulator({
      world: { ...fixtureWorld(), faults: [{ path: '/networkSecurityGroups/', status: 504 }, { path: '/', status: 500 }] },
    });
    try {
      expect(await failure(network(local).networkSecurityGroups.get('rg1', 'testnsg'))).toMatchObject({ statusCode: 504, code: 'GatewayTimeout' });
      expect(await failure(network(local).routeTables.get('rg1', 'testrt'))).toMatchObject({ statusCode: 500 });
    } finally {
      await local.close();
    }
  });
});

describe('ARM simulator throttling, certificates and request counting', () => {
  let sim: RunningSimulator | undefined;
  let certDir: string | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    if (certDir) rmSync(certDir, { recursive: true, force: true });
    certDir = undefined;
  });

  it('throttles per subscription with a token bucket when asked to', async () => {
    sim = await startSimulator({ world: fixtureWorld(), throttle: { burst: 2, refillPerSecond: 0.5 } });
    const path = `${MULTI_ID}?api-version=2024-05-01`;
    expect((await rawGet(sim, path, AUTH)).status).toBe(200);
    expect((await rawGet(sim, path, AUTH)).status).toBe(200);
    const limited = await rawGet(sim, path, AUTH);
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.code).toBe('SubscriptionRequestsThrottled');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(sim.requestCount()).toBe(3);
  });

  it('reuses cert.pem + key.pem from certDir, writing them there when missing', async () => {
    certDir = mkdtempSync(join(tmpdir(), 'sim-cert-'));
    sim = await startSimulator({ world: fixtureWorld(), certDir });
    const first = sim.caCertPem;
    expect(readFileSync(join(certDir, 'cert.pem'), 'utf8')).toBe(first);
    await sim.close();
    sim = await startSimulator({ world: fixtureWorld(), certDir });
    expect(sim.caCertPem).toBe(first);
    expect((await rawGet(sim, `${MULTI_ID}?api-version=1`, AUTH)).status).toBe(200);
  });
});

describe('ARM simulator control endpoints', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fixtureWorld() });
  });
  afterAll(async () => {
    await sim.close();
  });

  const json = { 'content-type': 'application/json' };

  it('GET /_simulator/world returns the world, PUT replaces it (validated)', async () => {
    const got = await rawGet(sim, '/_simulator/world');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).resources).toHaveLength(fixtureWorld().resources.length);

    const smaller = { resources: [fixtureWorld().resources[1]], networkStatus: {}, faults: [] };
    const put = await rawGet(sim, '/_simulator/world', json, 'PUT', JSON.stringify(smaller));
    expect(put.status).toBe(200);
    expect(sim.world.resources).toHaveLength(1);
    expect(await apim(sim).networkStatus.listByService('rg1', 'apimService1')).toEqual([]);

    const invalid = await rawGet(sim, '/_simulator/world', json, 'PUT', JSON.stringify({ resources: [{ name: 'no id' }] }));
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error.message).toMatch(/resources\.0\.id/);
    const notJson = await rawGet(sim, '/_simulator/world', json, 'PUT', '{oops');
    expect(notJson.status).toBe(400);
    expect(sim.world.resources).toHaveLength(1);
  });

  it('PUT /_simulator/faults replaces the faults; control requests are not counted', async () => {
    const before = sim.requestCount();
    const put = await rawGet(sim, '/_simulator/faults', json, 'PUT', JSON.stringify([{ path: '/', status: 502 }]));
    expect(put.status).toBe(200);
    expect(sim.requestCount()).toBe(before);
    expect((await rawGet(sim, `${MULTI_ID}?api-version=1`, AUTH)).status).toBe(502);
    const bad = await rawGet(sim, '/_simulator/faults', json, 'PUT', JSON.stringify([{ status: 500 }]));
    expect(bad.status).toBe(400);
    await rawGet(sim, '/_simulator/faults', json, 'PUT', '[]');
    expect((await rawGet(sim, `${MULTI_ID}?api-version=1`, AUTH)).status).toBe(200);
    expect(sim.requestCount()).toBe(before + 2);
  });
});
