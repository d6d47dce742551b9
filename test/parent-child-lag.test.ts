import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE_GRAPH_API_VERSION } from '../src/azure/resource-graph.js';
import { buildDemoWorld } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { ArmResource, World } from '../src/simulator/world.js';
import { putJson } from './helpers/https.js';

/**
 * A child ARM keeps inside its parent (a subnet in its VNet, a rule in its NSG, a route in its table) and the
 * parent change together, as on Azure: in ARM's GETs at once, in Resource Graph's rows after its lag.
 */

type Json = Record<string, any>;

function call(sim: RunningSimulator, method: 'GET' | 'POST', path: string, apiVersion: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const url = new URL(`${path}?api-version=${apiVersion}`, sim.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, ca: sim.caCertPem, headers: { authorization: 'Bearer x', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const get = async (sim: RunningSimulator, id: string) => {
  const answer = await call(sim, 'GET', id, '2024-05-01');
  expect(answer.status, `GET ${id}`).toBe(200);
  return answer.body;
};

/** The Resource Graph row of `id` (a VNet, NSG or route table). */
async function graphRow(sim: RunningSimulator, id: string): Promise<Json | undefined> {
  const type = id.split('/').slice(-2, -1)[0]!.toLowerCase();
  const query = `Resources | where type =~ 'microsoft.network/${type}'`;
  const answer = await call(sim, 'POST', '/providers/Microsoft.ResourceGraph/resources', RESOURCE_GRAPH_API_VERSION, { subscriptions: [id.split('/')[2]], query, options: { $top: 1000 } });
  expect(answer.status).toBe(200);
  return (answer.body.data as Json[]).find((row) => row.id.toLowerCase() === id.toLowerCase());
}

const embedded = (parent: Json, collection: string, id: string) => (parent.properties[collection] as Json[]).find((entry) => entry.id.toLowerCase() === id.toLowerCase());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the simulator keeps parent and child bodies in step, in ARM at once and in Resource Graph after its lag', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const LAG_SECONDS = 1.5;

  async function started(): Promise<{ sim: RunningSimulator; world: World; subnet: ArmResource; vnetId: string }> {
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphLagSeconds: LAG_SECONDS };
    const subnet = world.resources.find((r) => r.type === 'Microsoft.Network/virtualNetworks/subnets' && world.resources.some((v) => v.id === r.id.split('/subnets/')[0]))!;
    sim = await startSimulator({ world });
    return { sim, world, subnet, vnetId: subnet.id.split('/subnets/')[0]! };
  }

  const write = (s: RunningSimulator, body: unknown) => putJson(`${s.url}/_simulator/resource`, body, s.caCertPem);

  it('a subnet write shows in its VNet GET (new etag) at once, and in the VNet\'s Resource Graph row after the lag', async () => {
    const { sim: s, subnet, vnetId } = await started();
    const vnetBefore = await get(s, vnetId);
    const rowBefore = (await graphRow(s, vnetId))!;
    const changed = { ...subnet, properties: { ...(subnet.properties as Json), serviceEndpoints: [{ service: 'Microsoft.Sql', locations: ['westeurope'] }] } };
    const writtenAt = Date.now();
    expect(await write(s, changed)).toBe(200);

    expect((await get(s, subnet.id)).properties.serviceEndpoints).toEqual([{ service: 'Microsoft.Sql', locations: ['westeurope'] }]);
    const vnet = await get(s, vnetId);
    expect(embedded(vnet, 'subnets', subnet.id)).toEqual(changed);
    expect(vnet.properties.subnets).toHaveLength(vnetBefore.properties.subnets.length);
    expect(vnet.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(vnet.etag, 'the VNet\'s etag changes with its subnet').not.toBe(vnetBefore.etag);

    // Resource Graph: the row as it was until the lag has passed, then the VNet with its new subnet.
    expect(embedded((await graphRow(s, vnetId))!, 'subnets', subnet.id)).toEqual(embedded(rowBefore, 'subnets', subnet.id));
    await sleep(LAG_SECONDS * 1000 - (Date.now() - writtenAt) + 100);
    expect(embedded((await graphRow(s, vnetId))!, 'subnets', subnet.id)).toEqual(changed);
  });

  it('a VNet write with its subnets changes the subnets\' GETs; a subnet left out is gone', async () => {
    const { sim: s, subnet, vnetId } = await started();
    const vnet = await get(s, vnetId);
    const subnets = (vnet.properties.subnets as Json[]).map((entry) =>
      entry.id.toLowerCase() === subnet.id.toLowerCase() ? { ...entry, properties: { ...entry.properties, addressPrefix: '10.9.9.0/24' } } : entry,
    );
    expect(await write(s, { ...vnet, properties: { ...vnet.properties, subnets } })).toBe(200);
    expect((await get(s, subnet.id)).properties.addressPrefix).toBe('10.9.9.0/24');

    expect(await write(s, { ...vnet, properties: { ...vnet.properties, subnets: subnets.filter((entry) => entry.id.toLowerCase() !== subnet.id.toLowerCase()) } })).toBe(200);
    expect((await call(s, 'GET', subnet.id, '2024-05-01')).status).toBe(404);
  });

  it('a security rule or a route written on its own shows in its NSG or route table, whose etag changes', async () => {
    const { sim: s, world, subnet } = await started();
    const nsgId = (subnet.properties as Json).networkSecurityGroup.id as string;
    const nsgBefore = await get(s, nsgId);
    const rule = {
      id: `${nsgId}/securityRules/deny-sql-out`,
      name: 'deny-sql-out',
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '1433', sourceAddressPrefix: 'VirtualNetwork', destinationAddressPrefix: 'Sql', access: 'Deny', priority: 150, direction: 'Outbound' },
    };
    expect(await write(s, rule)).toBe(200);
    const nsg = await get(s, nsgId);
    expect(embedded(nsg, 'securityRules', rule.id)).toEqual(rule);
    expect(nsg.properties.securityRules).toHaveLength(nsgBefore.properties.securityRules.length + 1);
    expect(nsg.etag).not.toBe(nsgBefore.etag);
    expect(await get(s, rule.id)).toEqual(rule);

    const table = world.resources.find((r) => r.type === 'Microsoft.Network/routeTables' && ((r.properties as Json).routes as Json[]).length > 0)!;
    const route: Json = { ...((table.properties as Json).routes as Json[])[0]!, properties: { ...((table.properties as Json).routes as Json[])[0]!.properties, nextHopType: 'Internet' } };
    delete route.properties.nextHopIpAddress;
    expect(await write(s, route)).toBe(200);
    const after = await get(s, table.id);
    expect(embedded(after, 'routes', route.id)).toEqual(route);
    expect(after.etag).not.toBe(table.etag);
  });
});
