import { request } from 'node:https';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClients } from '../src/azure/clients.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import { APIM_SERVICES_QUERY, NETWORK_QUERY, RESOURCE_GRAPH_API_VERSION, type GraphRow } from '../src/azure/resource-graph.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { buildFleetWorld } from '../synthetic/fleet-world.js';
import { canonicalExposition, find, parseExposition, renderFleet } from './helpers/metrics.js';

/** Resource Graph as the simulator serves it, and the ARM economy it buys the monitor. */

const fleet = buildFleetWorld({ instances: 30, subscriptions: 3, now: new Date() });
const [S1, S2, S3] = fleet.subscriptionIds as [string, string, string];

function post(sim: RunningSimulator, body: unknown, options: { method?: string; apiVersion?: string } = {}): Promise<{ status: number; body: any }> {
  const url = new URL(`/providers/Microsoft.ResourceGraph/resources?api-version=${options.apiVersion ?? RESOURCE_GRAPH_API_VERSION}`, sim.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', agent: false, ca: sim.caCertPem, headers: { authorization: 'Bearer x', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

describe('the simulator serves Resource Graph queries (2024-04-01 shapes)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fleet.world });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('pages with $top and $skipToken, sorted by id, filtered by the request subscriptions, rows as Resource Graph returns them', async () => {
    const first = await post(sim, { subscriptions: [S1, S2], query: APIM_SERVICES_QUERY, options: { $top: 7 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ totalRecords: 20, count: 7, resultTruncated: 'false', facets: [] });
    expect(typeof first.body.$skipToken).toBe('string');
    const rows = [...first.body.data];
    let token = first.body.$skipToken as string | undefined;
    while (token) {
      const next = await post(sim, { subscriptions: [S1, S2], query: APIM_SERVICES_QUERY, options: { $skipToken: token } });
      expect(next.status).toBe(200);
      rows.push(...next.body.data);
      token = next.body.$skipToken;
    }
    expect(rows).toHaveLength(20);
    const ids = rows.map((r) => r.id.toLowerCase());
    expect(ids).toEqual([...ids].sort());
    expect(new Set(rows.map((r) => r.subscriptionId))).toEqual(new Set([S1, S2]));
    const row = rows[0];
    expect(row.type).toBe('microsoft.apimanagement/service');
    expect(row.location).toMatch(/^(westeurope|northeurope)$/);
    expect(row.properties.virtualNetworkConfiguration.subnetResourceId).toMatch(/\/subnets\/snet-apim$/);
    expect(row.resourceGroup).toBe(row.resourceGroup.toLowerCase());
    expect(row.etag).toBeUndefined();
  });

  it('type in~ (...) selects several types; subnets come embedded in their VNets', async () => {
    const res = await post(sim, { subscriptions: [S3], query: NETWORK_QUERY, options: { $top: 1000 } });
    expect(res.status).toBe(200);
    const types = new Set(res.body.data.map((r: { type: string }) => r.type));
    expect(types).toEqual(new Set(['microsoft.network/virtualnetworks', 'microsoft.network/networksecuritygroups', 'microsoft.network/routetables', 'microsoft.network/virtualnetworkgateways']));
    expect(res.body.$skipToken).toBeUndefined();
    const vnet = res.body.data.find((r: { type: string }) => r.type === 'microsoft.network/virtualnetworks');
    expect(vnet.properties.subnets[0].properties.networkSecurityGroup.id).toBeTypeOf('string');
  });

  it.each([
    ['an unknown query shape', { subscriptions: [S1], query: 'Resources | project id' }, 400, 'BadRequest'],
    ['no subscriptions', { subscriptions: [], query: APIM_SERVICES_QUERY }, 400, 'BadRequest'],
    ['a token of another query', { subscriptions: [S1], query: NETWORK_QUERY, options: { $skipToken: 'eyJza2lwIjoxLCJ0b3AiOjEsImZwIjoieCJ9' } }, 400, 'BadRequest'],
    ['a $top above 1000', { subscriptions: [S1], query: APIM_SERVICES_QUERY, options: { $top: 5000 } }, 400, 'BadRequest'],
    ['a body that is not JSON', '{"subscriptions": [', 400, 'InvalidRequestContent'],
  ])('%s answers an ARM error', async (_name, body, status, code) => {
    const res = await post(sim, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('an unknown query names the reason in error.details', async () => {
    const res = await post(sim, { subscriptions: [S1], query: 'Resources | summarize count()' });
    expect(res.body.error.details.map((d: { code: string }) => d.code)).toEqual(['InvalidQuery', 'UnsupportedQuery']);
  });

  it('GET on the Resource Graph path is 405; POST elsewhere is 405', async () => {
    expect((await post(sim, {}, { method: 'GET' })).status).toBe(405);
  });

  it('leaves out, without an error, subscriptions the caller cannot read (a 403 fault on the subscription)', async () => {
    sim.setFaults([{ path: `/subscriptions/${S2}/`, status: 403 }]);
    try {
      const res = await post(sim, { subscriptions: [S1, S2], query: APIM_SERVICES_QUERY, options: { $top: 1000 } });
      expect(res.status).toBe(200);
      expect(new Set(res.body.data.map((r: { subscriptionId: string }) => r.subscriptionId))).toEqual(new Set([S1]));
    } finally {
      sim.setFaults([]);
    }
  });

  it('the client pages through everything with $top and follows $skipToken, counting each page', async () => {
    const clients = new ArmClients({ endpoint: sim.url, credential: new SimulatorCredential(), caPem: sim.caCertPem, maxRetries: 0 });
    const rows: GraphRow[] = [];
    await clients.resourceGraph().queryPages([S1, S2, S3], NETWORK_QUERY, (task) => task(), (page) => void rows.push(...page), 25);
    const world = fleet.world.resources.filter((r) => /^microsoft\.network\/(virtualnetworks|networksecuritygroups|routetables|virtualnetworkgateways)$/i.test(String(r.type)));
    expect(rows).toHaveLength(world.length);
    expect(clients.requests().byOperation.Resources_Query).toBe(Math.ceil(world.length / 25));
  });

  it('queryPages hands each page over as it arrives, one at a time and in order, reading no further ahead than the next page', async () => {
    const clients = new ArmClients({ endpoint: sim.url, credential: new SimulatorCredential(), caPem: sim.caCertPem, maxRetries: 0 });
    const sizes: number[] = [];
    const ids: string[] = [];
    let handling = 0;
    let mostAtOnce = 0;
    let arrived = 0;
    let handled = 0;
    let mostUnhandled = 0;
    const run = async <T,>(task: () => Promise<T>): Promise<T> => {
      const page = await task();
      mostUnhandled = Math.max(mostUnhandled, ++arrived - handled);
      return page;
    };
    await clients.resourceGraph().queryPages([S1, S2, S3], NETWORK_QUERY, run, async (rows) => {
      mostAtOnce = Math.max(mostAtOnce, ++handling);
      sizes.push(rows.length);
      ids.push(...rows.map((row) => row.id.toLowerCase()));
      // A handler slower than the reads: the pages must not pile up behind it.
      await new Promise((resolve) => setTimeout(resolve, 40));
      handling--;
      handled++;
    }, 25);
    const world = fleet.world.resources.filter((r) => /^microsoft\.network\/(virtualnetworks|networksecuritygroups|routetables|virtualnetworkgateways)$/i.test(String(r.type)));
    expect(sizes.length).toBeGreaterThan(4);
    expect(mostAtOnce).toBe(1);
    expect(mostUnhandled).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(world.length);
    expect(sizes.slice(0, -1).every((size) => size === 25)).toBe(true);
    expect(ids).toEqual([...ids].sort());
  });

  it('queryPages rejects with what a page handler threw', async () => {
    const clients = new ArmClients({ endpoint: sim.url, credential: new SimulatorCredential(), caPem: sim.caCertPem, maxRetries: 0 });
    const failing = clients.resourceGraph().queryPages([S1], NETWORK_QUERY, (task) => task(), () => Promise.reject(new Error('cannot take this page')), 5);
    await expect(failing).rejects.toThrow('cannot take this page');
  });
});

/** One poll of a new monitor of the fleet's subscriptions. */
async function pollFleet(sim: RunningSimulator, resourceGraph: boolean) {
  const config = validateConfig({ azure: { endpoint: sim.url, subscriptions: fleet.subscriptionIds, resourceGraph } }, 'test', {});
  const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: sim.caCertPem, processMetrics: false });
  return { monitor, report: (await monitor.poller.pollNow())! };
}

describe('ARM economy: requests per instance per poll', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fleet.world });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const poll = async (resourceGraph: boolean) => {
    const { monitor, report } = await pollFleet(sim, resourceGraph);
    const text = await monitor.fleetMetrics();
    // What the monitor's store serves is what rendering the report on its own gives.
    expect(canonicalExposition(text)).toBe(canonicalExposition(await renderFleet(report)));
    const samples = parseExposition(text);
    return { report, samples, stats: monitor.lastCollectStats! };
  };

  it('Resource Graph on: NetworkStatus is 1 request per instance, the rest O(1), O(zones) and O(VNets under admin rules); the verdicts equal per-resource reads', async () => {
    const graph = await poll(true);
    const gets = await poll(false);
    expect(graph.report.instances.filter((i) => i.targetUp)).toHaveLength(30);
    // The fleet world: the internal instances (every third) all fall in the first subscription, whose private DNS
    // zone per region (2) holds their records; instance 9 is under an admin rule (its 2 VNets).
    expect(graph.stats.armRequests.byOperation).toEqual({
      // APIM services, network resources, admin-rule rows, network managers, Virtual WAN hubs, DNS links.
      Resources_Query: 6,
      NetworkStatus_ListByService: 30,
      ServiceTags_List: 1,
      RecordSets_ListByType: 2,
      ListNetworkManagerEffectiveSecurityAdminRules: 2,
    });
    // At 30 instances the fixed reads weigh (41 / 30); the benchmark reports the ratio at 1,000 (README, "Benchmark").
    expect(graph.stats.armRequests.total).toBe(41);
    expect(gets.stats.armRequests.total / 30).toBeGreaterThan(4);
    const flows = (s: typeof graph.samples) => find(s, 'apim_network_flow_allowed', {}).map((x) => `${JSON.stringify(x.labels)} ${x.value}`).sort();
    expect(flows(graph.samples)).toEqual(flows(gets.samples));
    expect(flows(graph.samples).length).toBeGreaterThan(0);
  });
});

describe('a malformed resource in the bulk read', () => {
  let sim: RunningSimulator;
  // One NSG of the fleet with a rule ARM would never send: its region cannot be judged, the rest can.
  const broken = structuredClone(fleet.world);
  const nsg = broken.resources.find((r) => String(r.type).toLowerCase() === 'microsoft.network/networksecuritygroups')! as { id: string; properties: { securityRules: Array<{ name?: string; properties: Record<string, unknown> }> } };
  delete (nsg.properties.securityRules[0] as { name?: string }).name;

  beforeAll(async () => {
    sim = await startSimulator({ world: broken });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const configs = async (resourceGraph: boolean) => {
    const { report } = await pollFleet(sim, resourceGraph);
    return report.instances.flatMap((i) => i.regions.map((r) => ({ nsgId: r.config?.nsgId, subnetId: r.config?.subnetId, state: r.config?.state, failure: r.config?.failure?.message })));
  };

  it('fails the regions behind it alone, with the same message as a GET of it would', async () => {
    const graph = await configs(true);
    const unreadable = graph.filter((region) => region.state === 'unreadable');
    expect(unreadable.length).toBeGreaterThan(0);
    expect(unreadable.every((region) => /"name" must be the rule's name/.test(region.failure ?? ''))).toBe(true);
    expect(graph.filter((region) => region.state === 'ok')).toHaveLength(graph.length - unreadable.length);
    expect(await configs(false)).toEqual(graph);
  });
});
