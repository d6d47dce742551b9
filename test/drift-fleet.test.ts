import { describe, expect, it } from 'vitest';
import { likeWithLabel } from '../src/analysis/drift-like-with.js';
import type { FleetReport } from '../src/analysis/report.js';
import { fleetPage } from '../src/http/pages/fleet-page.js';
import { instancePage } from '../src/http/pages/instance-page.js';
import {
  ALL_OPTIONAL_FLOWS,
  denySql,
  driftSeries,
  judgeFleetOf,
  PAGE_NOW,
  TUNNELLING_ENDPOINTS,
  unresolvableSqlRule,
  type InstanceSpec,
} from './helpers/drift-fleet.js';

/**
 * Issue 22, part 3: drift that a correctly built fleet never trips. Fleets are built from ARM bodies
 * (helpers/drift-fleet.ts) and judged whole; what counts is `apim_network_config_drift` as exported.
 */

/** A mixed fleet as Microsoft documents it: every difference in it is one Azure expects. */
const CORRECT_FLEET: InstanceSpec[] = [
  { name: 'premium-ext-multi', sku: 'Premium', vnetType: 'External', regions: ['westeurope', 'northeurope'], optional: ALL_OPTIONAL_FLOWS },
  { name: 'premium-ext-lean', sku: 'Premium', vnetType: 'External', regions: ['northeurope'] },
  { name: 'premium-ext-tunnelled', sku: 'Premium', vnetType: 'External', tunnelled: true, serviceEndpoints: TUNNELLING_ENDPOINTS, optional: ['eventHub'] },
  { name: 'premium-int-cache', sku: 'Premium', vnetType: 'Internal', optional: ['cache', 'rateLimitSync'] },
  { name: 'premium-int-git', sku: 'Premium', vnetType: 'Internal', regions: ['northeurope'], optional: ['machineHealth', 'gitShare', 'connectors'] },
  { name: 'developer-no-6390', sku: 'Developer', vnetType: 'Internal', without6390: true },
  { name: 'developer-with-6390', sku: 'Developer', vnetType: 'Internal' },
  { name: 'standard-v2', sku: 'StandardV2', vnetType: 'External' },
];

const memberOf = (report: FleetReport, name: string, location = 'westeurope') =>
  report.drift.flatMap((group) => group.members.map((member) => ({ group: group.group, ...member }))).find((m) => m.apimService === name && m.location === location)!;
const regionOf = (report: FleetReport, name: string, location = 'westeurope') =>
  report.instances.find((instance) => instance.instance.name === name)!.regions.find((region) => region.location === location)!;
const flowVerdict = (report: FleetReport, name: string, key: string) =>
  regionOf(report, name).config!.flows.find((flow) => `${flow.direction} ${flow.peer} ${flow.port}` === key);
const drifting = (report: FleetReport) => driftSeries(report).filter((series) => series.value === 1);

describe('a mixed fleet built as Microsoft documents', () => {
  const report = judgeFleetOf(CORRECT_FLEET);

  it('every region is judged and compared like with like, under its configured group name', () => {
    const compared = report.drift.flatMap((group) => group.members.map((m) => [`${m.apimService}/${m.location}`, group.group, likeWithLabel(m.likeWith!)]));
    expect(compared.sort()).toEqual(
      [
        ['developer-no-6390/westeurope', 'fleet', 'Internal, stv2, Developer'],
        ['developer-with-6390/westeurope', 'fleet', 'Internal, stv2, Developer'],
        ['premium-ext-lean/northeurope', 'fleet', 'External, stv2, classic'],
        ['premium-ext-multi/northeurope', 'fleet', 'External, stv2, classic'],
        ['premium-ext-multi/westeurope', 'fleet', 'External, stv2, classic'],
        ['premium-ext-tunnelled/westeurope', 'fleet', 'External, stv2, classic'],
        ['premium-int-cache/westeurope', 'fleet', 'Internal, stv2, classic'],
        ['premium-int-git/northeurope', 'fleet', 'Internal, stv2, classic'],
        ['standard-v2/westeurope', 'fleet:v2', 'External, undetermined, v2'],
      ].sort(),
    );
  });

  it('holds the asymmetries a correct fleet has (so that "no drift" below means something)', () => {
    // Developer without 6390: denied, and not required for its SKU.
    expect(flowVerdict(report, 'developer-no-6390', 'inbound AzureLoadBalancer 6390')).toMatchObject({ verdict: 'denied', required: false });
    expect(flowVerdict(report, 'developer-with-6390', 'inbound AzureLoadBalancer 6390')?.verdict).toBe('allowed');
    // Optional flows allowed on some Premiums and not on others.
    expect(flowVerdict(report, 'premium-ext-multi', 'outbound EventHub 5671')?.verdict).toBe('allowed');
    expect(regionOf(report, 'premium-ext-lean', 'northeurope').config!.flows.find((f) => f.peer === 'EventHub' && f.port === 5671)?.verdict).toBe('denied');
    // Forced tunnelling with the endpoints it needs, beside direct routing without them.
    const tunnelled = regionOf(report, 'premium-ext-tunnelled').config!;
    expect(tunnelled.routes!.forcedTunnelling).toBe(true);
    expect(tunnelled.routes!.managementReturnRoute).toBe(true);
    expect(tunnelled.serviceEndpoints.filter((endpoint) => endpoint.enabled).map((endpoint) => endpoint.service)).toEqual(TUNNELLING_ENDPOINTS);
    expect(tunnelled.routes!.verdicts.some((verdict) => !verdict.ok)).toBe(true);
    const direct = regionOf(report, 'premium-ext-multi').config!;
    expect(direct.routes!.forcedTunnelling).toBe(false);
    expect(direct.serviceEndpoints.some((endpoint) => endpoint.enabled)).toBe(false);
    expect(direct.routes!.verdicts.every((verdict) => verdict.ok)).toBe(true);
  });

  it('raises no drift: every apim_network_config_drift series of flows, routes and service endpoints is 0', () => {
    const series = driftSeries(report);
    expect(series).toHaveLength(9 * 3);
    expect(new Set(series.map((s) => s.aspect))).toEqual(new Set(['flows', 'routes', 'service_endpoints']));
    expect(drifting(report)).toEqual([]);
    expect(report.drift.flatMap((group) => group.members.flatMap((m) => m.differences))).toEqual([]);
  });

  it('shows the optional flows that differ, marked optional, with what the members like it have', () => {
    expect(memberOf(report, 'developer-no-6390').optionalDifferences).toEqual([
      { aspect: 'optional_flows', key: 'inbound AzureLoadBalancer 6390', value: 'denied', expected: 'allowed', expectedFrom: ['developer-with-6390/westeurope'] },
    ]);
    expect(memberOf(report, 'premium-ext-lean', 'northeurope').optionalDifferences).toContainEqual({
      aspect: 'optional_flows',
      key: 'outbound EventHub 5671',
      value: 'denied',
      expected: 'allowed',
      expectedFrom: ['premium-ext-multi/westeurope', 'premium-ext-multi/northeurope', 'premium-ext-tunnelled/westeurope'],
    });
    expect(memberOf(report, 'premium-int-git', 'northeurope').optionalDifferences!.map((d) => d.key)).toEqual(
      expect.arrayContaining(['inbound VirtualNetwork 4290', 'inbound VirtualNetwork 6380']),
    );

    const page = fleetPage(report, { simulated: false, now: PAGE_NOW });
    expect(page).toContain('No configuration drift');
    expect(page).toContain('Optional flows that differ between members alike');
    expect(page).toMatch(/optional NSG flow: <code>outbound EventHub 5671<\/code> <span class="small muted">optional · no alert<\/span>/);
    const developer = report.instances.find((instance) => instance.instance.name === 'developer-no-6390')!;
    expect(instancePage(report, developer, { simulated: false, now: PAGE_NOW })).toMatch(
      /fleet <span class="small muted">\(Internal, stv2, Developer\)<\/span><\/td>\n<td>optional NSG flow: <code>inbound AzureLoadBalancer 6390<\/code>/,
    );
  });
});

describe('real drift in that fleet is still found, and explained', () => {
  it.each<{ title: string; extra: InstanceSpec; aspect: string; differences: object[] }>([
    {
      title: 'a required flow denied on one of like instances',
      extra: { name: 'premium-ext-sql-denied', sku: 'Premium', vnetType: 'External', firstRules: [denySql] },
      aspect: 'flows',
      differences: [
        {
          aspect: 'flows',
          key: 'outbound Sql 1433',
          value: 'denied',
          expected: 'allowed',
          expectedFrom: ['premium-ext-lean/northeurope', 'premium-ext-multi/westeurope', 'premium-ext-multi/northeurope', 'premium-ext-tunnelled/westeurope'],
        },
      ],
    },
    {
      title: 'a Premium without 6390 where the Premiums like it have it',
      extra: { name: 'premium-int-no-6390', sku: 'Premium', vnetType: 'Internal', without6390: true },
      aspect: 'flows',
      differences: [
        { aspect: 'flows', key: 'inbound AzureLoadBalancer 6390', value: 'denied', expected: 'allowed', expectedFrom: ['premium-int-cache/westeurope', 'premium-int-git/northeurope'] },
      ],
    },
    {
      title: 'a tunnelled instance without its Storage endpoint where its tunnelled peer has it',
      extra: { name: 'premium-ext-tunnelled-no-storage', sku: 'Premium', vnetType: 'External', tunnelled: true, serviceEndpoints: TUNNELLING_ENDPOINTS.filter((s) => s !== 'Microsoft.Storage') },
      aspect: 'service_endpoints',
      differences: [
        { aspect: 'service_endpoints', key: 'Microsoft.Storage', value: 'false', expected: 'true', expectedFrom: ['premium-ext-tunnelled/westeurope'], cohort: 'forced tunnelling' },
      ],
    },
    {
      title: 'a denial on stv2.1, which is stv2 to the requirements',
      extra: { name: 'premium-ext-stv21', sku: 'Premium', vnetType: 'External', platformVersion: 'stv2.1', firstRules: [denySql] },
      aspect: 'flows',
      differences: [expect.objectContaining({ key: 'outbound Sql 1433', value: 'denied', expected: 'allowed' })],
    },
  ])('$title', ({ extra, aspect, differences }) => {
    const report = judgeFleetOf([...CORRECT_FLEET, extra]);
    expect(drifting(report)).toEqual([{ apimService: extra.name, location: 'westeurope', aspect, group: 'fleet', value: 1 }]);
    expect(memberOf(report, extra.name).differences).toEqual(differences);
    if (aspect === 'service_endpoints') {
      const page = fleetPage(report, { simulated: false, now: PAGE_NOW });
      expect(page).toContain('fleet <span class="small muted">(External, stv2, classic; forced tunnelling)</span>');
      expect(page).toContain('service endpoint: <code>Microsoft.Storage</code></td>');
    }
  });
});

describe('what is not drift between two instances', () => {
  const external: InstanceSpec = { name: 'a', sku: 'Premium', vnetType: 'External' };
  it.each<{ title: string; other: InstanceSpec; premise: (report: FleetReport) => unknown }>([
    {
      title: 'the same denial on an Internal instance: not alike, not compared',
      other: { name: 'b', sku: 'Premium', vnetType: 'Internal', firstRules: [denySql] },
      premise: (report) => flowVerdict(report, 'b', 'outbound Sql 1433')?.verdict === 'denied',
    },
    {
      title: 'the same denial on a Developer instance: not alike, not compared',
      other: { name: 'b', sku: 'Developer', vnetType: 'External', firstRules: [denySql] },
      premise: (report) => flowVerdict(report, 'b', 'outbound Sql 1433')?.verdict === 'denied',
    },
    {
      title: 'a flow the monitor cannot judge (unknown) takes no part',
      other: { name: 'b', sku: 'Premium', vnetType: 'External', firstRules: [unresolvableSqlRule] },
      premise: (report) => flowVerdict(report, 'b', 'outbound Sql 1433')?.verdict === 'unknown',
    },
    {
      title: "routes a gateway may take elsewhere (unknown) take no part",
      other: { name: 'b', sku: 'Premium', vnetType: 'External', gateway: true },
      premise: (report) => regionOf(report, 'b').config!.routes!.verdicts.every((verdict) => verdict.unknown !== undefined),
    },
    {
      title: 'forced tunnelling with its service endpoints beside direct routing',
      other: { name: 'b', sku: 'Premium', vnetType: 'External', tunnelled: true, serviceEndpoints: TUNNELLING_ENDPOINTS },
      premise: (report) => regionOf(report, 'b').config!.routes!.forcedTunnelling,
    },
    {
      title: 'forced tunnelling without any service endpoint beside direct routing (its findings say what is missing)',
      other: { name: 'b', sku: 'Premium', vnetType: 'External', tunnelled: true },
      premise: (report) => regionOf(report, 'b').config!.findings.some((finding) => finding.includes('without a service endpoint for Microsoft.Storage')),
    },
  ])('$title', ({ other, premise }) => {
    const report = judgeFleetOf([external, other]);
    expect(premise(report)).toBe(true);
    expect(driftSeries(report).length).toBeGreaterThan(0);
    expect(drifting(report)).toEqual([]);
  });
});
