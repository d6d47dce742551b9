import { afterEach, describe, expect, it } from 'vitest';
import { ArmSweep } from '../src/azure/arm-sweep.js';
import { checkJson } from '../src/cli/check-output.js';
import { instancePage } from '../src/http/pages/instance-page.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { ArmResource, World } from '../src/simulator/world.js';
import { putJson } from './helpers/https.js';
import { memoryLog } from './helpers/memory-log.js';

/**
 * Resource Graph indexes ARM's writes late: an instance created in a subscription where it already shows
 * instances is found by the sweep's ARM listing (one such subscription a poll at least, every one within an
 * hour), monitored from ARM's body, and said to be missing from Resource Graph, once.
 */

describe('discovery finds an instance Resource Graph has not indexed yet', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  it('a new instance written through ARM is monitored within as many polls as there are subscriptions Resource Graph shows instances in, and said once', async () => {
    // Resource Graph answers with the world as it was an hour ago: it never shows the new instance in this test.
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphLagSeconds: 3600 };
    simulator = await startSimulator({ world });
    const { log, lines } = memoryLog('info');
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], resourceGraph: true }, watch: { enabled: false } }, 'test', {});
    monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false });
    const first = (await monitor.poller.pollNow())!;
    const prod = world.resources.find((r) => r.type === 'Microsoft.ApiManagement/service' && r.name === 'contoso-prod')!;
    const id = prod.id.replace(/contoso-prod$/, 'contoso-new');
    const created: ArmResource = { ...prod, id, name: 'contoso-new' };
    expect(await putJson(`${simulator.url}/_simulator/resource`, created, simulator.caCertPem)).toBe(200);
    const indexedSubscriptions = new Set(first.instances.map((instance) => instance.instance.subscriptionId)).size;
    expect(indexedSubscriptions).toBe(DEMO_SUBSCRIPTIONS.length);

    const found = async () => (await monitor!.poller.pollNow())!.instances.find((instance) => instance.instance.id === id.toLowerCase());
    let seen: Awaited<ReturnType<typeof found>>;
    const listsBefore = monitor.lastCollectStats!.armRequests.byOperation.ApiManagementService_List ?? 0;
    for (let poll = 0; poll < indexedSubscriptions && !seen; poll++) {
      seen = await found();
      // The sweep's cost: one subscription's list a poll (the demo's two subscriptions, polls seconds apart).
      expect(monitor.lastCollectStats!.armRequests.byOperation.ApiManagementService_List ?? 0).toBeLessThanOrEqual(listsBefore + 1);
    }
    expect(seen, `found within ${indexedSubscriptions} polls`).toBeDefined();
    expect(seen!.monitored).toBe(true);
    expect(seen!.instance.notInResourceGraph).toBe(true);
    expect(seen!.instance.vnetType).toBe('External');
    // The next poll keeps it: its subscription is listed every poll until Resource Graph shows it.
    const again = await found();
    expect(again?.instance.notInResourceGraph).toBe(true);
    const said = lines.filter((line) => line.msg.includes(id.toLowerCase()) && line.msg.includes('not in Resource Graph yet'));
    expect(said, 'said once').toHaveLength(1);
    // The instances Resource Graph shows are as they were.
    expect(again ? monitor.report!.instances.filter((instance) => instance.instance.notInResourceGraph).length : 0).toBe(1);
    // Users see it: on the instance's page and in check's JSON.
    const report = monitor.report!;
    expect(instancePage(report, again!, { simulated: true, now: new Date() })).toContain('not indexed yet: found through ARM');
    const json = JSON.parse(checkJson(report)) as { instances: Array<{ id: string; not_in_resource_graph?: boolean }> };
    expect(json.instances.filter((instance) => instance.not_in_resource_graph).map((instance) => instance.id.toLowerCase())).toEqual([id.toLowerCase()]);
  });
});

describe('the sweep: which subscriptions Resource Graph shows instances in are listed through ARM', () => {
  const subscriptions = Array.from({ length: 20 }, (_, i) => `sub-${String(i).padStart(2, '0')}`);

  it('none on the first poll; then at least one a poll and every one within the period plus a poll, at ceil(S x interval / period) a poll', () => {
    const sweep = new ArmSweep(3600_000);
    const t0 = 1_000_000;
    expect(sweep.pick(subscriptions, t0)).toEqual([]);
    const lastListed = new Map<string, number>();
    let listed = 0;
    for (let poll = 1; poll <= 120; poll++) {
      const now = t0 + poll * 60_000;
      const picked = sweep.pick(subscriptions, now);
      expect(picked.length).toBe(1);
      listed += picked.length;
      for (const id of picked) {
        sweep.listed(id, now, 0);
        lastListed.set(id, now);
      }
      if (poll >= 61) for (const id of subscriptions) expect(now - (lastListed.get(id) ?? t0), id).toBeLessThanOrEqual(3600_000 + 60_000);
    }
    expect(listed / 120).toBe(1);
    // Ten-minute polls: ceil(20 x 600 / 3600) = 4 a poll.
    const slow = new ArmSweep(3600_000);
    slow.pick(subscriptions, t0);
    expect(slow.pick(subscriptions, t0 + 600_000)).toHaveLength(4);
  });

  it('a subscription whose listing found an instance Resource Graph did not show is listed every poll until it does', () => {
    const sweep = new ArmSweep(3600_000);
    sweep.pick(subscriptions, 0);
    sweep.listed('sub-07', 1, 1);
    expect(sweep.pick(subscriptions, 60_000)).toEqual(['sub-07', 'sub-00']);
    expect(sweep.pick(subscriptions, 120_000)).toContain('sub-07');
    sweep.listed('sub-07', 120_000, undefined);
    expect(sweep.pick(subscriptions, 180_000), 'a failed listing leaves it waiting').toContain('sub-07');
    sweep.listed('sub-07', 180_000, 0);
    expect(sweep.pick(subscriptions, 240_000)).not.toContain('sub-07');
  });
});
