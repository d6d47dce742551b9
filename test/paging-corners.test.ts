import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClients } from '../src/azure/clients.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import type { GraphReadFailure } from '../src/azure/graph-read-error.js';
import { NETWORK_QUERY } from '../src/azure/resource-graph.js';
import { ServiceTagsCache } from '../src/azure/service-tags-cache.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { ArmResource, Fault } from '../src/simulator/world.js';
import { buildFleetWorld } from '../synthetic/fleet-world.js';
import { find, parseExposition } from './helpers/metrics.js';

/**
 * Azure's paging corners (issue 27), each made by a simulator fault and read through the real SDK
 * pipeline: every row, item and tag read exactly once, no page lost, nothing read twice.
 */

const GRAPH = '/providers/Microsoft.ResourceGraph/resources';
const fleet = buildFleetWorld({ instances: 30, subscriptions: 3, now: new Date() });
const NETWORK_ROWS = fleet.world.resources.filter((r) => /^microsoft\.network\/(virtualnetworks|networksecuritygroups|routetables|virtualnetworkgateways)$/i.test(String(r.type))).length;

// One zone with more record sets than the old 100-page cap could hold at one record (and one empty page) a page.
const world = structuredClone(fleet.world);
const zone = world.resources.find((r) => /privatednszones$/i.test(String(r.type)))!;
for (let i = 0; i < 60; i++) {
  world.resources.push({ id: `${zone.id}/A/extra-${String(i).padStart(2, '0')}`, name: `extra-${i}`, type: 'Microsoft.Network/privateDnsZones/A', properties: { ttl: 3600, aRecords: [{ ipv4Address: `10.9.0.${i + 1}` }] } } as ArmResource);
}
const recordsInZone = world.resources.filter((r) => r.id.toLowerCase().startsWith(`${zone.id.toLowerCase()}/a/`)).length;
const location = Object.keys(world.serviceTags)[0]!;
const tagNames = new Set(((world.serviceTags[location] as { values: Array<{ name: string }> }).values).map((tag) => tag.name.toLowerCase()));

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ world });
});
afterAll(async () => {
  await sim?.close();
});

function clientsFor(failures: GraphReadFailure[] = []): ArmClients {
  return new ArmClients({
    endpoint: sim.url,
    credential: new SimulatorCredential(),
    caPem: sim.caCertPem,
    maxRetries: 0,
    observer: { onRequest: () => undefined, onGraphReadFailed: (reason) => void failures.push(reason) },
  });
}

/** Every page of the network query at `top` rows a page, under `faults`. */
async function readNetwork(faults: Fault[], top: number) {
  sim.setFaults(faults);
  const failures: GraphReadFailure[] = [];
  const clients = clientsFor(failures);
  const ids: string[] = [];
  const pages: number[] = [];
  const outcome = await clients
    .resourceGraph()
    .queryPages(fleet.subscriptionIds, NETWORK_QUERY, (task) => task(), (rows) => {
      pages.push(rows.length);
      ids.push(...rows.map((row) => row.id.toLowerCase()));
    }, top)
    .then(() => undefined, (err: unknown) => err as { code?: string; message: string });
  sim.setFaults([]);
  return { outcome, ids, pages, failures, requests: clients.requests().byOperation.Resources_Query ?? 0 };
}

/** One poll of the fleet by a new monitor, its flow verdicts and how it read; a simulator of its own, so a fresh Resource Graph quota. */
async function poll(faults: Fault[], resourceGraph: boolean) {
  const own = await startSimulator({ world: { ...world, faults } });
  const config = validateConfig({ azure: { endpoint: own.url, subscriptions: fleet.subscriptionIds, resourceGraph, maxRetries: 0 } }, 'test', {});
  const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: own.caCertPem, processMetrics: false });
  try {
    const report = (await monitor.poller.pollNow())!;
    const flows = find(parseExposition(await monitor.fleetMetrics()), 'apim_network_flow_allowed', {}).map((s) => `${JSON.stringify(s.labels)} ${s.value}`).sort();
    return { report, flows, stats: monitor.lastCollectStats! };
  } finally {
    await monitor.stop();
    await own.close();
  }
}

describe('Resource Graph paging corners', () => {
  it('resultTruncated "true" without a $skipToken: the read fails (the caller falls back), no partial page passes for the whole', async () => {
    const { outcome, ids, failures, requests } = await readNetwork([{ path: GRAPH, resultTruncated: true }], 25);
    expect(requests).toBe(1);
    expect(outcome?.code).toBe('ResultTruncated');
    expect(outcome?.message).toMatch(/truncated the results and gave no \$skipToken/);
    expect(ids, 'no row of the truncated answer is handed on').toEqual([]);
    expect(failures).toEqual(['error']);
  });

  it('a $skipToken on an exactly full last page, then an empty final page: every row once, the read complete', async () => {
    const top = NETWORK_ROWS / 2;
    expect(Number.isInteger(top), 'the fleet splits into two full pages').toBe(true);
    const { outcome, ids, pages, failures, requests } = await readNetwork([{ path: GRAPH, tokenOnFullLastPage: true }], top);
    expect(outcome).toBeUndefined();
    expect(requests, 'two full pages and the empty one the last token leads to').toBe(3);
    expect(pages).toEqual([top, top, 0]);
    expect(ids).toHaveLength(NETWORK_ROWS);
    expect(new Set(ids).size).toBe(NETWORK_ROWS);
    expect(failures).toEqual([]);
  });

  it('empty pages that still have a $skipToken, in front of every page: every row once, not cut by the page limit', async () => {
    const { outcome, ids, pages, failures, requests } = await readNetwork([{ path: GRAPH, emptyPages: true }], 25);
    expect(outcome).toBeUndefined();
    expect(requests).toBe(2 * Math.ceil(NETWORK_ROWS / 25));
    expect(pages.filter((size) => size === 0)).toHaveLength(Math.ceil(NETWORK_ROWS / 25));
    expect(ids).toHaveLength(NETWORK_ROWS);
    expect(new Set(ids).size).toBe(NETWORK_ROWS);
    expect(ids).toEqual([...ids].sort());
    expect(failures).toEqual([]);
  });

  it('a poll whose every Resource Graph query answers empty pages first judges as a tidy one, without falling back', async () => {
    const tidy = await poll([], true);
    const untidy = await poll([{ path: GRAPH, emptyPages: true }], true);
    expect(untidy.stats.resourceGraph).not.toBe('fallback');
    // Queries with rows read an empty page in front of each (one with none has no page to put one in front of).
    expect(untidy.stats.armRequests.byOperation.Resources_Query).toBeGreaterThan(tidy.stats.armRequests.byOperation.Resources_Query!);
    expect(untidy.flows.length).toBeGreaterThan(0);
    expect(untidy.flows).toEqual(tidy.flows);
  }, 30_000);
});

describe('ARM list paging corners', () => {
  it('{"value": [], "nextLink": ...} pages between pages of one item: every record set once, none lost past 100 pages', async () => {
    sim.setFaults([{ path: '/A', emptyPages: true, pageSize: 1 }]);
    const clients = clientsFor();
    try {
      const records = (await clients.armList().list(`${zone.id}/A`, '2024-06-01')) as Array<{ id: string }>;
      expect(clients.requests().byOperation.RecordSets_ListByType, 'an empty page in front of each record').toBe(2 * recordsInZone);
      expect(records).toHaveLength(recordsInZone);
      expect(new Set(records.map((r) => r.id.toLowerCase())).size).toBe(recordsInZone);
    } finally {
      sim.setFaults([]);
    }
  });

  it('a poll without Resource Graph whose every ARM list pages in twos behind empty pages judges as a tidy one', async () => {
    const tidy = await poll([], false);
    const untidy = await poll([{ path: '/subscriptions', emptyPages: true, pageSize: 2 }], false);
    expect(untidy.report.instances.filter((i) => i.targetUp)).toHaveLength(30);
    expect(untidy.stats.armRequests.total).toBeGreaterThan(tidy.stats.armRequests.total);
    expect(untidy.flows.length).toBeGreaterThan(0);
    expect(untidy.flows).toEqual(tidy.flows);
  }, 30_000);
});

describe('service tags paging', () => {
  it('a serviceTags.list body with a nextLink: every page read, every tag once', async () => {
    sim.setFaults([{ path: '/serviceTags', pageSize: 500 }]);
    const clients = clientsFor();
    try {
      const subscriptionId = fleet.subscriptionIds[0]!;
      const tags = await new ServiceTagsCache(clients, pino({ level: 'silent' })).get([{ subscriptionId, location }]);
      expect(clients.requests().byOperation.ServiceTags_List).toBe(Math.ceil(tagNames.size / 500));
      expect(tags?.source).toMatch(/^serviceTags\.list/);
      expect(tags?.tags.size).toBe(tagNames.size);
    } finally {
      sim.setFaults([]);
    }
  });
});
