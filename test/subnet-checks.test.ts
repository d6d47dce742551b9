import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/processes.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { evaluateNsg } from '../src/analysis/nsg/evaluate.js';
import { flowApplies, FLOW_REQUIREMENTS, subnetKind, tierOf } from '../src/analysis/requirements.js';
import { subnetChecks, type SubnetCheck } from '../src/analysis/subnet-checks.js';
import { normaliseServiceTags } from '../src/azure/normalise-network.js';
import { subnetFacts } from '../src/azure/normalise-subnet.js';
import { toInstanceInfo } from '../src/azure/normalise.js';
import { bundledServiceTagsBody } from '../src/data/bundled-service-tags.js';
import type { SubnetConfig } from '../src/model/network.js';
import type { InstanceInfo } from '../src/model/snapshot.js';
import { exampleBody } from './helpers/examples.js';

/**
 * The subnet itself, per tier: classic tiers need no delegation and room for their units (two addresses
 * per unit, one on Developer, one more for the internal load balancer, five kept by Azure); the v2 tiers
 * need a Microsoft.Web delegation, /27 or larger, and their own flow (outbound Storage 443).
 */

type Json = Record<string, any>;

const instance = (sku: string, vnetType: InstanceInfo['vnetType'], capacity = 1): InstanceInfo => ({
  id: '/subscriptions/s/resourcegroups/rg/providers/microsoft.apimanagement/service/apim',
  subscriptionId: 's',
  resourceGroup: 'rg',
  name: 'apim',
  sku,
  platformVersion: 'stv2',
  vnetType,
  regions: [{ location: 'westeurope', displayLocation: 'West Europe', primary: true, capacity }],
  tags: {},
});

const subnet = (prefix: string, delegations: string[]): SubnetConfig => ({
  id: '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/snet-apim',
  name: 'snet-apim',
  addressPrefixes: [prefix],
  delegations,
  serviceEndpoints: [],
  vnet: { id: '', addressSpace: ['10.0.0.0/16'], dnsServers: [] },
});

const checks = (info: InstanceInfo, config: SubnetConfig) =>
  Object.fromEntries(subnetChecks(info, info.regions[0], config).map((check: SubnetCheck) => [check.check, check.ok]));

describe('subnet checks per tier', () => {
  const cases: Array<{ name: string; info: InstanceInfo; config: SubnetConfig; expected: Record<string, boolean> }> = [
    { name: 'classic Premium External, 1 unit in a /29: fits, but not a second', info: instance('Premium', 'External'), config: subnet('10.0.1.0/29', []), expected: { delegation: true, size: true, capacity: false } },
    { name: 'classic Premium Internal, 2 units in a /28 (11 usable): 3rd unit needs 7', info: instance('Premium', 'Internal', 2), config: subnet('10.0.1.0/28', []), expected: { delegation: true, size: true, capacity: true } },
    { name: 'classic Premium Internal, 5 units in a /28: the 6th needs 13 of 11', info: instance('Premium', 'Internal', 5), config: subnet('10.0.1.0/28', []), expected: { delegation: true, size: true, capacity: false } },
    { name: 'classic Developer: no capacity check (it does not scale)', info: instance('Developer', 'Internal'), config: subnet('10.0.1.0/29', []), expected: { delegation: true, size: true } },
    { name: 'a classic subnet delegated to anything is a finding', info: instance('Premium', 'External'), config: subnet('10.0.1.0/24', ['Microsoft.Web/serverFarms']), expected: { delegation: false, size: true, capacity: true } },
    { name: 'Standard v2 integration delegated to Microsoft.Web/serverFarms, /27', info: instance('StandardV2', 'External'), config: subnet('10.0.1.0/27', ['Microsoft.Web/serverFarms']), expected: { delegation: true, size: true } },
    { name: 'Standard v2 integration without delegation, /28', info: instance('StandardV2', 'External'), config: subnet('10.0.1.0/28', []), expected: { delegation: false, size: false } },
    { name: 'Premium v2 injection needs Microsoft.Web/hostingEnvironments, not serverFarms', info: instance('PremiumV2', 'Internal', 3), config: subnet('10.0.1.0/27', ['Microsoft.Web/serverFarms']), expected: { delegation: false, size: true, capacity: true } },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => expect(checks(testCase.info, testCase.config)).toEqual(testCase.expected));
  }

  it('says what is wrong and what to do', () => {
    const [delegation] = subnetChecks(instance('StandardV2', 'External'), undefined, subnet('10.0.1.0/27', ['Microsoft.Sql/managedInstances']));
    expect(delegation?.detail).toBe('subnet snet-apim is delegated to Microsoft.Sql/managedInstances: v2 VNet integration needs it delegated to Microsoft.Web/serverFarms');
    const capacity = subnetChecks(instance('Premium', 'Internal', 1), instance('Premium', 'Internal', 1).regions[0], subnet('10.0.1.0/29', [])).find((check) => check.check === 'capacity');
    expect(capacity?.detail).toBe(
      'subnet snet-apim has no room for unit 2: 1 unit(s) use 3 of 3 usable addresses (2 per unit, 1 for the internal load balancer, 5 kept by Azure per prefix), and 2 units need 5; a scale-out would fail',
    );
  });
});

describe('reading what the checks need, as ARM returns it', () => {
  it('a subnet\'s delegations (the SubnetGetWithDelegation example)', () => {
    expect(subnetFacts(exampleBody('2026-01-01__SubnetGetWithDelegation.json')).delegations).toEqual(['Microsoft.Provider/resourceType']);
    expect(subnetFacts(exampleBody('2026-01-01__SubnetGet.json')).delegations).toEqual([]);
  });

  it('the tier and the units of each region (the StandardV2 and multi-region examples)', () => {
    const v2 = toInstanceInfo(exampleBody<Json>('2024-05-01__ApiManagementCreateServiceSkuv2Service.json') as never);
    expect([v2.sku, tierOf(v2.sku), v2.regions[0]?.capacity]).toEqual(['StandardV2', 'v2', 1]);
    const multi = toInstanceInfo(exampleBody<Json>('2024-05-01__ApiManagementServiceGetMultiRegionInternalVnet.json') as never);
    expect(tierOf(multi.sku)).toBe('classic');
    expect(multi.regions.map((region) => region.capacity)).toEqual(multi.regions.map(() => expect.any(Number)));
  });
});

describe('the v2 tiers\' own flows', () => {
  const tags = normaliseServiceTags(bundledServiceTagsBody(), 'bundled');
  it('a v2 instance is judged on outbound Storage 443 alone; a classic one never on the v2 row', () => {
    const v2Rows = FLOW_REQUIREMENTS.filter((flow) => flowApplies(flow, 'External', 'undetermined', 'StandardV2'));
    expect(v2Rows.map((flow) => `${flow.direction} ${flow.peer} ${flow.port}`)).toEqual(['Outbound Storage 443']);
    expect(FLOW_REQUIREMENTS.filter((flow) => flow.tier === 'v2').some((flow) => flowApplies(flow, 'External', 'stv2', 'Premium'))).toBe(false);
    const flows = evaluateNsg(undefined, {
      vnetType: 'External', platformVersion: 'undetermined', sku: 'StandardV2', paging: DEFAULT_PAGING_POLICY, region: 'westeurope', primaryRegion: 'westeurope',
      serviceTags: tags, vnetAddressSpace: ['10.0.0.0/16'], subnetPrefixes: ['10.0.1.0/27'], udrPrefixes: [],
    });
    expect(flows.filter((flow) => flow.applies).map((flow) => [flow.peer, flow.port, flow.required])).toEqual([['Storage', 443, true]]);
  });

  it('which subnet a tier and mode need', () => {
    expect([subnetKind('Premium', 'Internal'), subnetKind('StandardV2', 'External'), subnetKind('PremiumV2', 'Internal')]).toEqual(['classic', 'v2-integration', 'v2-injection']);
  });
});

describe('whatif --sku: a v2 instance\'s NSG judged against the v2 requirements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-v2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an outbound Internet deny blocks Storage 443, the v2 tiers\' one rule: exit 1, the v2 pages\' revision named', async () => {
    // `az network nsg show` shape: flattened properties.
    const nsg = {
      name: 'nsg-apim-edge', location: 'northeurope',
      securityRules: [{ name: 'DenyInternetOutbound', priority: 4000, direction: 'Outbound', access: 'Deny', protocol: '*', sourceAddressPrefix: '*', destinationAddressPrefix: 'Internet', sourcePortRange: '*', destinationPortRange: '*' }],
    };
    const file = join(dir, 'nsg.json');
    writeFileSync(file, JSON.stringify(nsg));
    const result = await runCli(['whatif', '--nsg', file, '--sku', 'StandardV2', '-o', 'json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { blocking: string[]; requirements_revision: string; requirements_tier: string; flows: Array<{ applies: boolean; peer: string; port: number }> };
    expect(json.blocking).toEqual(['outbound Storage Tcp/443 (required by Microsoft) is denied by DenyInternetOutbound']);
    expect([json.requirements_revision, json.requirements_tier]).toEqual(['2025-10-08', 'v2']);
    expect(json.flows.filter((flow) => flow.applies).map((flow) => `${flow.peer} ${flow.port}`)).toEqual(['Storage 443']);
  });
});
