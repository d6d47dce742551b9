import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/processes.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { AnalysisCache } from '../src/analysis/cache.js';
import { evaluateNsg, NSG_VERDICTS, type FlowVerdict, type NsgContext } from '../src/analysis/nsg/evaluate.js';
import { normaliseAdminRules } from '../src/azure/normalise-admin-rules.js';
import { InvalidNetworkConfigError, normaliseNsg, normaliseServiceTags } from '../src/azure/normalise-network.js';
import { bundledServiceTagsBody } from '../src/data/bundled-service-tags.js';

/**
 * Azure Virtual Network Manager's security admin rules, evaluated before the NSG: `Deny` and
 * `AlwaysAllow` decide for good, `Allow` hands the traffic to the NSG. Rules are written as Azure's
 * ListNetworkManagerEffectiveSecurityAdminRules returns them (its specification example, varied).
 */

const tags = normaliseServiceTags(bundledServiceTagsBody(), 'bundled');
const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const example = read('./fixtures/arm-examples/2025-03-01__NetworkManagerEffectiveSecurityAdminRulesList.json');
const exampleRule = (example.responses as { 200: { body: { value: Array<Record<string, unknown>> } } })[200].body.value[0]!;
const landingZone = normaliseNsg(read('./fixtures/network/landing-zone.arm.json'));

const MANAGER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/corp-network/providers/Microsoft.Network/networkManagers/corp-avnm';

interface AdminSpec {
  name: string;
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  direction: 'Inbound' | 'Outbound';
  priority: number;
  ports: string[];
  /** The remote side: destinations outbound, sources inbound. */
  remote: Array<{ addressPrefix: string; addressPrefixType: string }>;
}

/** The specification's example rule with its properties replaced: the shape Azure returns. */
function adminRule(spec: AdminSpec): Record<string, unknown> {
  const any = [{ addressPrefix: '*', addressPrefixType: 'IPPrefix' }];
  const properties = exampleRule.properties as Record<string, unknown>;
  return {
    ...exampleRule,
    id: `${MANAGER}/securityAdminConfigurations/corp-baseline/ruleCollections/apim/rules/${spec.name}`,
    properties: {
      ...properties,
      access: spec.access,
      direction: spec.direction,
      priority: spec.priority,
      destinationPortRanges: spec.ports,
      sources: spec.direction === 'Inbound' ? spec.remote : any,
      destinations: spec.direction === 'Outbound' ? spec.remote : any,
    },
  };
}

const tag = (name: string) => [{ addressPrefix: name, addressPrefixType: 'ServiceTag' }];

function ctx(admin: Array<Record<string, unknown>>): NsgContext {
  return {
    vnetType: 'External',
    platformVersion: 'stv2',
    paging: DEFAULT_PAGING_POLICY,
    region: 'westeurope',
    primaryRegion: 'westeurope',
    serviceTags: tags,
    vnetAddressSpace: ['10.10.0.0/16'],
    subnetPrefixes: ['10.10.1.0/24'],
    udrPrefixes: [],
    adminRules: normaliseAdminRules({ value: admin }),
  };
}

const flowOf = (verdicts: FlowVerdict[], direction: string, peer: string, port: number): FlowVerdict => {
  const found = verdicts.find((flow) => flow.direction === direction && flow.peer === peer && flow.port === port);
  if (!found) throw new Error(`no flow ${direction} ${peer}:${port}`);
  return found;
};

const label = (name: string) => `${name} (admin rule of network manager corp-avnm)`;

describe('security admin rules: reading what Azure returns', () => {
  it('reads the specification example: name, network manager, access, direction, ports, addresses', () => {
    const [rule] = normaliseAdminRules(example);
    expect(rule).toMatchObject({
      name: 'SampleAdminRule',
      networkManager: 'testNetworkManager',
      access: 'Deny',
      direction: 'Inbound',
      priority: 1,
      protocol: 'Tcp',
      destinationPortRanges: ['22'],
      sourceAddressPrefixes: ['*'],
      destinationAddressPrefixes: ['*'],
    });
    expect(rule!.unresolved).toBeUndefined();
  });

  it('reads the SDK\'s flattened objects alike', () => {
    const { properties, ...envelope } = exampleRule;
    const [flat] = normaliseAdminRules([{ ...envelope, ...(properties as object) }]);
    expect(flat).toEqual(normaliseAdminRules(example)[0]);
  });

  it('refuses a body that is not a list of rules, saying what it expected', () => {
    expect(() => normaliseAdminRules({ rules: [] })).toThrow(InvalidNetworkConfigError);
    expect(() => normaliseAdminRules({ rules: [] })).toThrow(/ListNetworkManagerEffectiveSecurityAdminRules/);
    expect(() => normaliseAdminRules({ value: [{ id: '' }] })).toThrow(/"id" must be the rule's ARM ID/);
  });
});

describe('security admin rules: evaluated before the NSG, as Azure does', () => {
  const cases: Array<{ name: string; admin: AdminSpec[]; flow: [string, string, number]; verdict: FlowVerdict['verdict']; decidedBy: string }> = [
    {
      name: 'a Deny on outbound Sql 1433 blocks SQL although the NSG allows it',
      admin: [{ name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql') }],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'denied',
      decidedBy: label('DenySql'),
    },
    {
      name: 'a Deny on another port changes nothing',
      admin: [{ name: 'DenySsh', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['22'], remote: tag('Sql') }],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'allowed',
      decidedBy: 'AllowSqlOutbound',
    },
    {
      name: 'an Allow hands the traffic to the NSG, which still decides',
      admin: [{ name: 'AllowAllOut', access: 'Allow', direction: 'Outbound', priority: 5, ports: ['0-65535'], remote: tag('Internet') }],
      flow: ['outbound', 'Storage', 443],
      verdict: 'allowed',
      decidedBy: 'AllowStorageOutbound',
    },
    {
      name: 'an Allow of higher priority ends the admin rules: a lower Deny does not apply',
      admin: [
        { name: 'AllowSql', access: 'Allow', direction: 'Outbound', priority: 5, ports: ['1433'], remote: tag('Sql') },
        { name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 50, ports: ['1433'], remote: tag('Sql') },
      ],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'allowed',
      decidedBy: 'AllowSqlOutbound',
    },
    {
      name: 'a Deny of higher priority wins over a lower Allow',
      admin: [
        { name: 'AllowSql', access: 'Allow', direction: 'Outbound', priority: 50, ports: ['1433'], remote: tag('Sql') },
        { name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 5, ports: ['1433'], remote: tag('Sql') },
      ],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'denied',
      decidedBy: label('DenySql'),
    },
    {
      name: 'a Deny of the region\'s own Sql tag blocks the flow (a single-region instance needs no other)',
      admin: [{ name: 'DenySqlWestEurope', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql.WestEurope') }],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'denied',
      decidedBy: label('DenySqlWestEurope'),
    },
    {
      name: 'a network group as destination cannot be resolved: unknown, not a guess',
      admin: [{ name: 'DenyToGroup', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: [{ addressPrefix: `${MANAGER}/networkGroups/databases`, addressPrefixType: 'NetworkGroup' }] }],
      flow: ['outbound', 'Sql', 1433],
      verdict: 'unknown',
      decidedBy: label('DenyToGroup'),
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const flows = evaluateNsg(landingZone, ctx(testCase.admin.map(adminRule)));
      const flow = flowOf(flows, ...testCase.flow);
      expect(flow.verdict).toBe(testCase.verdict);
      expect(flow.decidedBy).toBe(testCase.decidedBy);
    });
  }

  it('an AlwaysAllow on inbound 3443 overrides an NSG rule that denies it', () => {
    const denying = normaliseNsg(read('./fixtures/network/landing-zone.arm.json'));
    denying.securityRules.unshift({ ...denying.securityRules[1]!, name: 'DenyManagement', priority: 105, access: 'Deny' });
    const without = flowOf(evaluateNsg(denying, ctx([])), 'inbound', 'ApiManagement', 3443);
    expect([without.verdict, without.decidedBy]).toEqual(['denied', 'DenyManagement']);
    const admin = [adminRule({ name: 'AlwaysManagement', access: 'AlwaysAllow', direction: 'Inbound', priority: 1, ports: ['3443'], remote: tag('ApiManagement') })];
    const flow = flowOf(evaluateNsg(denying, ctx(admin)), 'inbound', 'ApiManagement', 3443);
    expect([flow.verdict, flow.decidedBy]).toEqual(['allowed', label('AlwaysManagement')]);
  });

  it('in a secondary region, a Deny of the primary region\'s tag makes the flow partial, naming the part', () => {
    const admin = [adminRule({ name: 'DenySqlWestEurope', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql.WestEurope') })];
    const flow = flowOf(evaluateNsg(landingZone, { ...ctx(admin), region: 'northeurope' }), 'outbound', 'Sql', 1433);
    expect(flow.verdict).toBe('partial');
    expect(flow.decidingRules).toEqual([label('DenySqlWestEurope'), 'AllowSqlOutbound']);
    expect(flow.note).toContain(`Sql.WestEurope (the primary region's, which Microsoft requires here too) denied by ${label('DenySqlWestEurope')}`);
  });

  it('a Deny blocks a subnet that has no NSG at all', () => {
    const admin = [adminRule({ name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql') })];
    const flows = evaluateNsg(undefined, ctx(admin));
    expect(flowOf(flows, 'outbound', 'Sql', 1433)).toMatchObject({ verdict: 'denied', decidedBy: label('DenySql') });
    expect(flowOf(flows, 'outbound', 'Storage', 443)).toMatchObject({ verdict: 'allowed', decidedBy: '(no NSG)' });
  });

  it('the specification\'s example (inbound SSH denied) leaves every APIM flow as the NSG decides', () => {
    const withExample = evaluateNsg(landingZone, { ...ctx([]), adminRules: normaliseAdminRules(example) });
    expect(withExample).toEqual(evaluateNsg(landingZone, ctx([])));
  });

  it('the remembered verdicts tell regions with and without admin rules apart', () => {
    const admin = [adminRule({ name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql') })];
    const cache = new AnalysisCache(tags);
    const plain = flowOf(evaluateNsg(landingZone, { ...ctx([]), cache }), 'outbound', 'Sql', 1433);
    const blocked = flowOf(evaluateNsg(landingZone, { ...ctx(admin), cache }), 'outbound', 'Sql', 1433);
    expect([plain.verdict, blocked.verdict]).toEqual(['allowed', 'denied']);
    expect(cache.memo(NSG_VERDICTS).size).toBe(2);
    expect(evaluateNsg(landingZone, { ...ctx(admin), cache })).toEqual(evaluateNsg(landingZone, ctx(admin)));
  });
});

describe('whatif --admin-rules: a proposal judged with the VNet\'s admin rules first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-admin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nsg = fileURLToPath(new URL('./fixtures/network/landing-zone.arm.json', import.meta.url));
  const exampleFile = fileURLToPath(new URL('./fixtures/arm-examples/2025-03-01__NetworkManagerEffectiveSecurityAdminRulesList.json', import.meta.url));
  const write = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };

  it('the specification\'s example file (inbound SSH denied) blocks nothing, and the output names its network manager', async () => {
    const result = await runCli(['whatif', '--nsg', nsg, '--admin-rules', exampleFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Security admin rules: 1 from');
    expect(result.stdout).toContain('(network manager testNetworkManager), evaluated before the NSG');
  });

  it('an admin Deny on Sql 1433 blocks the proposal whatever the NSG allows: exit 1, the rule and its manager in the JSON', async () => {
    const body = { value: [adminRule({ name: 'DenySql', access: 'Deny', direction: 'Outbound', priority: 10, ports: ['1433'], remote: tag('Sql') })] };
    const result = await runCli(['whatif', '--nsg', nsg, '--admin-rules', write('deny-sql.json', body), '-o', 'json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { blocking: string[]; admin_rules: unknown; flows: Array<Record<string, unknown>> };
    expect(json.blocking).toEqual([`outbound Sql Tcp/1433 (required by Microsoft) is denied by ${label('DenySql')}`]);
    expect(json.admin_rules).toMatchObject({ count: 1, network_managers: ['corp-avnm'] });
    expect(json.flows.find((flow) => flow.peer === 'Sql')).toMatchObject({ verdict: 'denied', admin_rule: { name: 'DenySql', network_manager: 'corp-avnm', access: 'Deny' } });
    // No NSG near miss is offered: the NSG cannot fix it.
    expect(JSON.stringify(json.flows.find((flow) => flow.peer === 'Sql'))).not.toContain('would allow it');
  });

  it('a file that is not the API\'s body exits 2 with one line saying what was expected', async () => {
    const result = await runCli(['whatif', '--nsg', nsg, '--admin-rules', write('wrong.json', { rules: [] })]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--admin-rules');
    expect(result.stderr).toContain('ListNetworkManagerEffectiveSecurityAdminRules');
    expect(result.stderr).toContain('keys rules');
  });
});
