import { describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { APIM_SERVICES_QUERY, NETWORK_QUERY } from '../src/azure/resource-graph.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { SUB_CONTOSO, SUB_FABRIKAM, TENANT_ID } from '../src/simulator/demo/identities.js';
import { routeGraph } from '../src/simulator/handlers/graph.js';
import { SimulatorState } from '../src/simulator/handlers/state.js';
import { subscriptionBodies } from '../src/simulator/handlers/subscriptions.js';
import type { World } from '../src/simulator/world.js';
import { DOCUMENTED_SUBSCRIPTIONS, documentedFleetWorld } from './helpers/documented-fleet.js';
import type { ParsedSample } from './helpers/metrics.js';
import { pollWorld } from './helpers/poll-world.js';
import { shoutedGroup, withUntidyReferences } from './helpers/untidy-ids.js';

/**
 * Issue 27, "everything is tidy": Azure spells one resource ID differently in different places (a Resource
 * Graph row's `id`, the references inside rows and GET bodies), answers `null` or "" for the columns a resource
 * does not have, and puts the subscription's home tenant in each row (Azure Lighthouse). The product must judge
 * such a fleet exactly as a tidy one.
 */

/** A customer's tenant that delegated a subscription to the world's (the caller's) through Azure Lighthouse. */
const CUSTOMER_TENANT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/** The world as the simulator served it before issue 27: rows with the body's keys only, IDs as written, one tenant. */
const tidy = (world: World): World => ({ ...world, graphRowColumns: 'body' });
/** The same fleet as Azure may serve it: references cased otherwise in GET bodies and rows, row IDs shouted, a delegated subscription. */
const untidy = (world: World, delegated: string): World => ({
  ...withUntidyReferences(world),
  graphIdCasing: 'mixed',
  subscriptionHomeTenants: { [delegated]: CUSTOMER_TENANT },
});

type Rows = { data: Array<Record<string, unknown> & { id: string; properties?: Record<string, unknown> }> };
const rowsOf = (world: World, subscriptions: readonly string[], query: string): Rows['data'] =>
  (routeGraph(new SimulatorState(world), { subscriptions, query, options: { $top: 1000 } }, () => false) as Rows).data;

/** Times that differ between two polls whatever they read. */
const VOLATILE = new Set(['generatedAt', 'dataFetchedAt', 'ageSeconds']);
/** A report as a user reads it, resource IDs compared as ARM compares them (case-insensitively). */
const judged = (report: FleetReport): unknown =>
  JSON.parse(JSON.stringify(report, (key, value: unknown) => (VOLATILE.has(key) ? undefined : typeof value === 'string' && /^\/subscriptions\//i.test(value) ? value.toLowerCase() : value)));
const series = (samples: readonly ParsedSample[]): string[] => samples.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).sort();

describe('the simulator serves rows as Azure does', () => {
  const world = buildDemoWorld(new Date());

  it('every row has all of Azure\'s columns: "" for kind and managedBy, null for sku, plan, tags, identity, zones and extendedLocation a body lacks', () => {
    const rows = rowsOf(world, DEMO_SUBSCRIPTIONS, NETWORK_QUERY);
    const vnet = rows.find((row) => row.type === 'microsoft.network/virtualnetworks')!;
    expect(Object.keys(vnet).sort()).toEqual(
      ['extendedLocation', 'id', 'identity', 'kind', 'location', 'managedBy', 'name', 'plan', 'properties', 'resourceGroup', 'sku', 'subscriptionId', 'tags', 'tenantId', 'type', 'zones'],
    );
    expect(vnet).toMatchObject({ kind: '', managedBy: '', sku: null, plan: null, identity: null, zones: null, extendedLocation: null });
    const apim = rowsOf(world, DEMO_SUBSCRIPTIONS, APIM_SERVICES_QUERY)[0]!;
    // What the body has stays: an APIM instance's SKU and identity.
    expect(apim.sku).toMatchObject({ name: expect.any(String) });
    expect(apim.identity).toMatchObject({ type: 'SystemAssigned' });
    // `graphRowColumns: "body"`: the body's keys only, as before.
    const bare = rowsOf({ ...world, graphRowColumns: 'body' }, DEMO_SUBSCRIPTIONS, NETWORK_QUERY).find((row) => row.id === vnet.id)!;
    expect(Object.keys(bare)).not.toContain('zones');
  });

  it('graphIdCasing "mixed": a row\'s id names its resource group upper-cased, the IDs inside it are lower-cased, the resourceGroup column lower-case', () => {
    const asWritten = rowsOf(world, DEMO_SUBSCRIPTIONS, APIM_SERVICES_QUERY);
    const mixed = rowsOf({ ...world, graphIdCasing: 'mixed' }, DEMO_SUBSCRIPTIONS, APIM_SERVICES_QUERY);
    expect(mixed.map((row) => row.id)).toEqual(asWritten.map((row) => shoutedGroup(row.id).replace('/resourcegroups/', '/resourceGroups/')));
    const subnetOf = (row: Rows['data'][number]) => (row.properties!.virtualNetworkConfiguration as { subnetResourceId: string } | undefined)?.subnetResourceId;
    const pairs = asWritten.map((row, i) => [subnetOf(row), subnetOf(mixed[i]!)] as const).filter(([written]) => written !== undefined);
    expect(pairs.length).toBeGreaterThan(2);
    for (const [written, served] of pairs) {
      expect(served).toBe(written!.toLowerCase());
      expect(served).not.toBe(written);
    }
    expect(new Set(mixed.map((row) => row.resourceGroup))).toEqual(new Set(asWritten.map((row) => String(row.resourceGroup))));
  });

  it('tenantId: each row carries its subscription\'s tenant as the subscriptions list reports it; a delegated subscription its home tenant', () => {
    // The demo's subscriptions list says TENANT_ID (and the world names no tenant of its own): so do its rows.
    for (const row of rowsOf(world, DEMO_SUBSCRIPTIONS, APIM_SERVICES_QUERY)) expect(row.tenantId).toBe(TENANT_ID);
    const delegated = { ...world, tenantId: TENANT_ID, subscriptionHomeTenants: { [SUB_FABRIKAM]: CUSTOMER_TENANT } };
    const listed = subscriptionBodies(new SimulatorState(delegated));
    expect(listed.find((body) => body.subscriptionId === SUB_FABRIKAM)).toMatchObject({ tenantId: CUSTOMER_TENANT, managedByTenants: [{ tenantId: TENANT_ID }] });
    expect(listed.find((body) => body.subscriptionId === SUB_CONTOSO)).toMatchObject({ tenantId: TENANT_ID, managedByTenants: [] });
    const tenants = new Map(rowsOf(delegated, DEMO_SUBSCRIPTIONS, APIM_SERVICES_QUERY).map((row) => [row.subscriptionId, row.tenantId]));
    expect(Object.fromEntries(tenants)).toEqual({ [SUB_CONTOSO]: TENANT_ID, [SUB_FABRIKAM]: CUSTOMER_TENANT });
  });
});

describe('the product judges an untidy fleet as a tidy one', () => {
  const now = new Date();
  const fleets = [
    { name: 'the demo fleet', build: () => buildDemoWorld(now), subscriptions: DEMO_SUBSCRIPTIONS },
    { name: 'the documented fleet (hubs, admin rules, private DNS, forced tunnelling)', build: () => documentedFleetWorld(now), subscriptions: DOCUMENTED_SUBSCRIPTIONS },
  ];

  it('the untidy worlds are untidy: GET bodies and rows spell references otherwise than the IDs they name', () => {
    const world = untidy(documentedFleetWorld(now), DOCUMENTED_SUBSCRIPTIONS[1]!);
    const nsg = world.resources.find((resource) => /\/networkSecurityGroups\//i.test(resource.id) && Array.isArray((resource.properties as { subnets?: unknown }).subnets))!;
    const subnetRef = ((nsg.properties as { subnets: Array<{ id: string }> }).subnets[0]!).id;
    expect(subnetRef).toMatch(/\/resourcegroups\/[^/a-z]+\//);
    const rows = rowsOf(world, DOCUMENTED_SUBSCRIPTIONS, NETWORK_QUERY);
    expect(rows.every((row) => row.id === shoutedGroup(row.id).replace('/resourcegroups/', '/resourceGroups/'))).toBe(true);
    expect(rows.some((row) => world.resources.some((resource) => resource.id === row.id))).toBe(false);
  });

  for (const fleet of fleets) {
    for (const resourceGraph of [true, false]) {
      it(`${fleet.name}, Resource Graph ${resourceGraph ? 'on' : 'off'}: same instances, verdicts, dependency states, drift and series`, async () => {
        const before = await pollWorld(tidy(fleet.build()), resourceGraph, fleet.subscriptions);
        const after = await pollWorld(untidy(fleet.build(), fleet.subscriptions[1]!), resourceGraph, fleet.subscriptions);
        expect(after.report.instances.map((instance) => instance.instance.name).sort()).toEqual(before.report.instances.map((instance) => instance.instance.name).sort());
        const notFound = (report: FleetReport) => JSON.stringify(report).match(/not found|NotFound/gi)?.length ?? 0;
        expect(notFound(after.report)).toBe(notFound(before.report));
        expect(judged(after.report)).toEqual(judged(before.report));
        expect(series(after.samples)).toEqual(series(before.samples));
        // No two series of a family that differ only in the case of a label.
        const folded = after.samples.map((s) => `${s.name}${JSON.stringify(s.labels).toLowerCase()}`);
        expect(new Set(folded).size).toBe(folded.length);
      }, 60_000);
    }
  }
});
