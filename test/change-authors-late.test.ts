import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { checkTable } from '../src/cli/check-output.js';
import { validateConfig } from '../src/config/load.js';
import { createApp } from '../src/http/app.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { securityRule } from '../src/simulator/demo/nsg-rules.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { ArmResource, World } from '../src/simulator/world.js';
import { putJson } from './helpers/https.js';
import { find, parseExposition } from './helpers/metrics.js';
import { waitFor } from './helpers/ports.js';

/**
 * Issue 23: two people write the same NSG seconds apart (a harmless rule, then the rule that denies SQL) and
 * Resource Graph's records arrive late. The verdict is joined to the record of the write that touched its
 * deciding rule: pending while only the other write is recorded, never its writer, and the page, the metric
 * the alert reads and `check` follow when the late record comes.
 */

const A = { 'x-simulator-changed-by': 'alice@contoso.example', 'x-simulator-changed-by-type': 'User', 'x-simulator-client-type': 'Azure Portal' };
const B = { 'x-simulator-changed-by': 'bob@contoso.example', 'x-simulator-changed-by-type': 'User', 'x-simulator-client-type': 'Azure CLI' };
type Rules = ArmResource & { properties: { securityRules: unknown[] } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sqlFlowOf = (report: FleetReport | undefined) =>
  report?.instances.find((instance) => instance.instance.name === 'contoso-prod')?.regions[0]?.config?.flows.find((flow) => flow.peer === 'Sql' && flow.direction === 'outbound');

describe('two writers, late records: the verdict names whoever wrote what decided it', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = server = undefined;
  });

  async function start(world: World, watch: { enabled?: boolean; intervalSeconds?: number }) {
    simulator = await startSimulator({ world });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS] }, watch }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    await monitor.poller.pollNow();
    const nsgId = monitor.report!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.regions[0]!.config!.nsgId!;
    const nsg = world.resources.find((resource) => resource.id.toLowerCase() === nsgId.toLowerCase()) as Rules;
    const m = monitor;
    server = createServer(createApp({ report: () => m.report, fleetMetrics: () => m.fleetBody(), selfMetrics: () => m.selfMetrics.render(), simulated: true }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { m, sim: simulator, nsg, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  /** The NSG with `rules` appended, written by `who` through the simulator's ARM write. */
  const write = (sim: RunningSimulator, nsg: Rules, rules: Array<Record<string, unknown>>, who: Record<string, string>) => {
    const copy = structuredClone(nsg);
    copy.properties.securityRules.push(...rules);
    return putJson(`${sim.url}/_simulator/resource`, copy, sim.caCertPem, who);
  };
  const http = (nsg: Rules) => securityRule(nsg.id, { name: 'AllowHttpOut-CHG0814', priority: 150, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Internet', ports: ['80'] });
  const denySql = (nsg: Rules, access: 'Allow' | 'Deny' = 'Deny') => securityRule(nsg.id, { name: 'DenySql-CHG0815', priority: 100, direction: 'Outbound', access, protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'] });
  const latestChange = async (m: Monitor) => find(parseExposition(await m.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod' })[0]?.labels;

  it('pending while only the harmless write is recorded, then the breaking write\'s author, on the page, the metric and check', async () => {
    const { m, sim, nsg, base } = await start({ ...buildDemoWorld(new Date()), resourceChangesLagSeconds: 3 }, { intervalSeconds: 0.3 });
    m.watch!.start();
    expect(await write(sim, nsg, [http(nsg)], A)).toBe(200);
    const aliceRecorded = Date.now() + 3000;
    await sleep(1500);
    expect(await write(sim, nsg, [http(nsg), denySql(nsg)], B)).toBe(200);
    const bobRecorded = Date.now() + 3000;

    await waitFor('the flow denied', async () => (sqlFlowOf(m.report)?.verdict === 'denied' ? true : undefined), 10_000, 50);
    // Until Bob's record arrives, whatever has arrived of Alice's: pending, never Alice.
    while (Date.now() < bobRecorded - 300) {
      const change = sqlFlowOf(m.report)?.change;
      expect(change?.authorState, `at ${Date.now() - aliceRecorded} ms after Alice's record`).toBe('pending');
      expect((await latestChange(m))?.changed_by).toBe('');
      await sleep(100);
    }
    const found = await waitFor('Bob, once his record arrives', async () => {
      const change = sqlFlowOf(m.report)?.change;
      return change?.authorState === 'found' ? change : undefined;
    }, 10_000, 50);
    expect(found).toMatchObject({ author: { changedBy: 'bob@contoso.example', clientType: 'Azure CLI' } });
    expect(found.items.map((item) => item.name)).toContain('DenySql-CHG0815');

    // The metric the alert's description reads, the status page's blocked table, and check's line.
    expect(await latestChange(m)).toMatchObject({ author_state: 'found', changed_by: 'bob@contoso.example', client_type: 'Azure CLI' });
    const page = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    expect(page).toMatch(/rule DenySql-CHG0815 added \(NSG [^)]+\) by bob@contoso\.example \(User\) via Azure CLI/);
    expect(page).not.toMatch(/DenySql-CHG0815 added \(NSG [^)]+\) by alice/);
    expect(checkTable(m.report!, false)).toMatch(/changed: rule DenySql-CHG0815 added \(NSG [^)]+\) by bob@contoso\.example/);
  }, 40_000);

  it('one change of two writers who both wrote the deciding rule: both named, as one of, once both records are in', async () => {
    // No Resource Graph quota: two polls back to back take more than its 15 queries per 5 s, and its pacing would
    // outlast the 3 s lag of the records this test reads before and after.
    const { m, sim, nsg } = await start({ ...buildDemoWorld(new Date()), resourceChangesLagSeconds: 3, resourceGraphQuota: false }, { enabled: false });
    expect(await write(sim, nsg, [http(nsg), denySql(nsg, 'Allow')], A)).toBe(200);
    await sleep(50);
    expect(await write(sim, nsg, [http(nsg), denySql(nsg, 'Deny')], B)).toBe(200);
    // One read sees both: the rule DenySql added (Alice's write) and set to Deny (Bob's).
    await m.poller.pollNow();
    const change = sqlFlowOf(m.report)!.change!;
    expect(change).toMatchObject({ authorState: 'pending', decidingItems: [{ name: 'DenySql-CHG0815', change: 'added' }] });
    expect(change.items).toHaveLength(2);
    await sleep(3200);
    await m.poller.pollNow();
    expect(sqlFlowOf(m.report)!.change).toMatchObject({ authorState: 'ambiguous', candidates: [{ changedBy: 'bob@contoso.example' }, { changedBy: 'alice@contoso.example' }] });
    expect(await latestChange(m)).toMatchObject({ author_state: 'ambiguous', changed_by: 'bob@contoso.example, alice@contoso.example', client_type: 'Azure CLI, Azure Portal' });
    expect(checkTable(m.report!, false)).toMatch(/changed: rule DenySql-CHG0815 added \(NSG [^)]+\) by one of: bob@contoso\.example .*, alice@contoso\.example .*; also changed: rule AllowHttpOut-CHG0814 added/);
  }, 30_000);
});
