import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { ArmReadBuckets } from '../src/simulator/handlers/throttle.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';

/**
 * The simulator throttles as Azure does by default (Microsoft Learn, "Understand how Azure Resource Manager
 * throttles requests"; Resource Graph "Guidance for throttled requests"): ARM's read buckets of 250 refilled at
 * 25/s per subscription (and a global one 15 times that), the tenant's own, and Resource Graph's 15 queries per
 * 5 s, each reported in the headers Azure sends and enforced with 429. World keys shape or switch them off.
 */

const SUB = '6f1b2a43-9c0e-4b7a-8f3d-2e5c1a9b7d10';
const SUB2 = '0a9e3c1d-7b2f-4e58-9d16-3c4b5a6f7e80';
const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';
const RESOURCE_GROUPS = (sub: string) => `/subscriptions/${sub}/resourcegroups/rg1/providers/Microsoft.Network/virtualNetworks/nope?api-version=2024-05-01`;

interface Raw {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

function send(sim: RunningSimulator, path: string, method = 'GET', body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: 'Bearer test', ...(body ? { 'content-type': 'application/json' } : {}) };
    const req = request(new URL(path, sim.url), { method, ca: sim.caCertPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string | undefined>, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const query = (sim: RunningSimulator) => send(sim, GRAPH, 'POST', JSON.stringify({ subscriptions: [SUB], query: "Resources | where type =~ 'microsoft.network/virtualnetworks'" }));
const emptyWorld = (extra: Partial<World> = {}): World => ({ resources: [], networkStatus: {}, serviceTags: {}, faults: [], ...extra });

describe('ArmReadBuckets', () => {
  it("reports what is left of the caller's bucket (250, 25/s), the global one (3,750, 375/s) and the tenant's; refuses an empty one with Retry-After", () => {
    const buckets = new ArmReadBuckets();
    const shape = { burst: 250, refillPerSecond: 25 };
    let now = 1_000_000;
    const first = buckets.take(SUB, shape, true, now);
    expect(first.headers).toEqual({ 'x-ms-ratelimit-remaining-subscription-reads': '249', 'x-ms-ratelimit-remaining-subscription-global-reads': '3749' });
    expect(buckets.take(undefined, shape, true, now).headers).toEqual({ 'x-ms-ratelimit-remaining-tenant-reads': '249' });
    for (let i = 0; i < 249; i += 1) expect(buckets.take(SUB, shape, true, now).refused).toBeUndefined();
    const refused = buckets.take(SUB, shape, true, now);
    expect(refused.refused).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(refused.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    expect(refused.headers['x-ms-ratelimit-remaining-subscription-global-reads'], 'a refused read takes no token').toBe('3500');
    // Another subscription has its own buckets; ten seconds refill the first one whole.
    expect(buckets.take(SUB2, shape, true, now).headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
    now += 10_000;
    expect(buckets.take(SUB, shape, true, now).headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
  });

  it('not enforcing, the buckets only count, never below 0', () => {
    const buckets = new ArmReadBuckets();
    const shape = { burst: 2, refillPerSecond: 0 };
    const taken = [0, 1, 2, 3].map(() => buckets.take(SUB, shape, false, 0));
    expect(taken.map((t) => t.headers['x-ms-ratelimit-remaining-subscription-reads'])).toEqual(['1', '0', '0', '0']);
    expect(taken.every((t) => t.refused === undefined)).toBe(true);
  });
});

describe('the simulator throttles as Azure does, by default', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('ARM: bucket-style read headers on every answer; the 251st read at once is refused with 429 SubscriptionRequestsThrottled and Retry-After', async () => {
    sim = await startSimulator({ world: emptyWorld() });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 600 }, () => send(sim!, RESOURCE_GROUPS(SUB))));
    const refilled = ((performance.now() - started) / 1000) * 25;
    const refused = answers.filter((a) => a.status === 429);
    // 250 tokens at once, and those refilled (25 a second) while the 600 were sent.
    expect(answers.length - refused.length).toBeGreaterThanOrEqual(250);
    expect(answers.length - refused.length).toBeLessThanOrEqual(250 + Math.ceil(refilled));
    expect(JSON.parse(refused[0]!.body).error.code).toBe('SubscriptionRequestsThrottled');
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    const answered = answers.filter((a) => a.status === 404).map((a) => Number(a.headers['x-ms-ratelimit-remaining-subscription-reads']));
    expect(Math.max(...answered)).toBeLessThanOrEqual(249);
    expect(Math.min(...answered)).toBe(0);
    expect(Number(answers[0]!.headers['x-ms-ratelimit-remaining-subscription-global-reads'])).toBeGreaterThan(3_400);
    const tenant = await send(sim, '/subscriptions?api-version=2022-12-01');
    expect(tenant.status).toBe(200);
    expect(Number(tenant.headers['x-ms-ratelimit-remaining-tenant-reads'])).toBe(249);
  });

  it('armThrottle shapes the buckets, false stops the refusals (headers still count); startSimulator({ throttle }) wins over the world', async () => {
    sim = await startSimulator({ world: emptyWorld({ armThrottle: { burst: 2, refillPerSecond: 0.5 } }) });
    const shaped = [];
    for (let i = 0; i < 3; i += 1) shaped.push(await send(sim, RESOURCE_GROUPS(SUB)));
    expect(shaped.map((a) => a.status)).toEqual([404, 404, 429]);
    expect(shaped[0]!.headers['x-ms-ratelimit-remaining-subscription-global-reads']).toBe('29');
    sim.setWorld(emptyWorld({ armThrottle: false }));
    const unlimited = await Promise.all(Array.from({ length: 300 }, () => send(sim!, RESOURCE_GROUPS(SUB2))));
    expect(unlimited.every((a) => a.status === 404)).toBe(true);
    expect(unlimited.some((a) => a.headers['x-ms-ratelimit-remaining-subscription-reads'] === '0')).toBe(true);
    await sim.close();
    sim = await startSimulator({ world: emptyWorld({ armThrottle: false }), throttle: { burst: 1, refillPerSecond: 0.1 } });
    expect((await send(sim, RESOURCE_GROUPS(SUB))).status).toBe(404);
    expect((await send(sim, RESOURCE_GROUPS(SUB))).status).toBe(429);
  });

  it("Resource Graph: 15 queries per 5 s, quota headers on every answer; the 16th is refused with 429 RateLimiting, its quota headers and no Retry-After", async () => {
    sim = await startSimulator({ world: emptyWorld() });
    const answers: Raw[] = [];
    for (let i = 0; i < 16; i += 1) answers.push(await query(sim));
    expect(answers.slice(0, 15).every((a) => a.status === 200)).toBe(true);
    expect(answers.slice(0, 15).map((a) => a.headers['x-ms-user-quota-remaining'])).toEqual(Array.from({ length: 15 }, (_, i) => String(14 - i)));
    expect(answers[0]!.headers['x-ms-user-quota-resets-after']).toMatch(/^00:00:0[1-5]$/);
    const refused = answers[15]!;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error.code).toBe('RateLimiting');
    expect(refused.headers['x-ms-user-quota-remaining']).toBe('0');
    expect(refused.headers['x-ms-user-quota-resets-after']).toMatch(/^00:00:0[0-5]$/);
    expect(refused.headers['retry-after']).toBeUndefined();
    // Resource Graph is a tenant-level request: ARM's tenant bucket counts it.
    expect(refused.headers['x-ms-ratelimit-remaining-tenant-reads']).toMatch(/^\d+$/);
  });

  it('resourceGraphQuota shapes the quota; false sends no quota headers and never refuses', async () => {
    sim = await startSimulator({ world: emptyWorld({ resourceGraphQuota: { queries: 2, windowSeconds: 60 } }) });
    const shaped = [await query(sim), await query(sim), await query(sim)];
    expect(shaped.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(shaped[0]!.headers['x-ms-user-quota-resets-after']).toMatch(/^00:01:00$|^00:00:59$/);
    sim.setWorld(emptyWorld({ resourceGraphQuota: false }));
    const off = await query(sim);
    expect(off.status).toBe(200);
    expect(off.headers['x-ms-user-quota-remaining']).toBeUndefined();
  });
});
