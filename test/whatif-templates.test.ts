import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseFoundNsg, readProposalDocument } from '../src/azure/proposal-input.js';
import { evaluateProposal } from '../src/cli/whatif.js';
import { whatifExitCode, type WhatifOptions, type WhatifResult } from '../src/cli/whatif-types.js';
import { runCli } from './helpers/processes.js';

/**
 * `whatif` on the templates people deploy from (test/fixtures/whatif-inputs/README.md says where each comes
 * from): the Azure Verified Modules NSG module, whose rules come from a copy loop over a parameter; a portal
 * "Export template", whose names are parameters with the real name as default; Microsoft's copy-loop
 * samples. A rule the template leaves unknown makes the flows it could decide unknown (exit 2, or 1 when
 * something definite is blocked elsewhere); never "judged without it", never a verdict founded on missing rules.
 */

const INPUTS = 'test/fixtures/whatif-inputs';
const AVM = `${INPUTS}/avm-nsg-main.json`;
const EXPORT = `${INPUTS}/portal-export-weatherapp.template.json`;
const dir = mkdtempSync(join(tmpdir(), 'netwatch-whatif-templates-'));

function judge(options: Partial<WhatifOptions> & { nsg: string }): { result: WhatifResult; code: number } {
  const result = evaluateProposal({ vnetType: 'external', platform: 'stv2', output: 'json', location: 'westeurope', ...options });
  return { result, code: whatifExitCode(result) };
}

const flowOf = (result: WhatifResult, direction: string, peer: string, port: number, nsg = 0) =>
  result.results[nsg]!.flows.find((flow) => flow.direction === direction && flow.peer === peer && flow.port === port)!;
const gating = (result: WhatifResult) => result.results[0]!.flows.filter((flow) => flow.applies && (flow.required || flow.pages));

/** Rules that allow every flow APIM needs (External VNet), in the AVM module's `securityRules` shape. */
const APIM_RULES = [
  ['Client_HTTPS', 100, 'Inbound', 'Internet', 'VirtualNetwork', '443'],
  ['Management', 120, 'Inbound', 'ApiManagement', 'VirtualNetwork', '3443'],
  ['Load_Balancer', 180, 'Inbound', 'AzureLoadBalancer', 'VirtualNetwork', '6390'],
  ['Storage', 100, 'Outbound', 'VirtualNetwork', 'Storage', '443'],
  ['Sql', 140, 'Outbound', 'VirtualNetwork', 'Sql', '1433'],
  ['Key_Vault', 150, 'Outbound', 'VirtualNetwork', 'AzureKeyVault', '443'],
  ['Monitor', 185, 'Outbound', 'VirtualNetwork', 'AzureMonitor', '1886,443'],
  ['Certificates', 190, 'Outbound', 'VirtualNetwork', 'Internet', '80'],
  ['Entra_ID', 200, 'Outbound', 'VirtualNetwork', 'AzureActiveDirectory', '443'],
  ['Deny_Internet_Outbound', 999, 'Outbound', 'VirtualNetwork', 'Internet', '*'],
].map(([name, priority, direction, source, destination, ports]) => ({
  name,
  properties: {
    access: name === 'Deny_Internet_Outbound' ? 'Deny' : 'Allow',
    direction,
    priority,
    protocol: name === 'Deny_Internet_Outbound' ? '*' : 'Tcp',
    sourceAddressPrefix: source,
    sourcePortRange: '*',
    destinationAddressPrefix: destination,
    ...(String(ports).includes(',') ? { destinationPortRanges: String(ports).split(',') } : { destinationPortRange: ports }),
  },
}));

describe('the Azure Verified Modules NSG module (rules from a copy loop over `securityRules`)', () => {
  const cases: Array<{ what: string; parameters: string[]; code: number; name: string; check: (result: WhatifResult) => void }> = [
    {
      what: 'alone: no rule can be known, so every flow is unknown (exit 2), with the parameter to give',
      parameters: [],
      code: 2,
      name: "[parameters('name')]",
      check: (result) => {
        expect(gating(result).every((flow) => flow.verdict === 'unknown' && flow.decidedBy === '(securityRules that cannot be evaluated)')).toBe(true);
        expect(result.results[0]!.blocking).toEqual([]);
        expect(result.results[0]!.invalidRules[0]!.problems[0]).toMatch(/^the copy loop "securityRules" cannot be expanded: its count .* parameter "securityRules" has no value/);
        expect(result.notes).toEqual([expect.stringMatching(/^parameters with no value \(no defaultValue, none given\): "name", "securityRules"; .* --parameters NAME=VALUE or a parameters file$/)]);
      },
    },
    {
      what: "with the README's minimal parameters file (name only): the rules are still unknown",
      parameters: [`${INPUTS}/avm-nsg-parameters-defaults.json`],
      code: 2,
      name: 'nnsgmin001',
      check: (result) => expect(flowOf(result, 'inbound', 'ApiManagement', 3443).verdict).toBe('unknown'),
    },
    {
      what: "with the README's large parameters file (JSON with comments): its real rules are judged, and its Deny-All-Inbound blocks",
      parameters: [`${INPUTS}/avm-nsg-parameters-max.json`],
      code: 1,
      name: 'nnsgmax001',
      check: (result) => {
        expect(flowOf(result, 'inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'denied', decidedBy: 'Deny-All-Inbound' });
        expect(flowOf(result, 'outbound', 'Storage', 443)).toMatchObject({ verdict: 'allowed', decidedBy: 'Allow-AzureCloud-Tcp' });
        expect(result.results[0]!.unknown).toEqual([]);
        // Port_8082 names application security groups (built by the module's map/lambda), which cannot be resolved to addresses.
        expect(result.results[0]!.invalidRules.map((rule) => rule.rule)).toEqual(['Port_8082']);
      },
    },
    {
      what: "with the README's WAF-aligned parameters file: its one outbound deny leaves Azure's DenyAllInBound to block",
      parameters: [`@${INPUTS}/avm-nsg-parameters-waf.json`],
      code: 1,
      name: 'nnsgwaf001',
      check: (result) => {
        expect(flowOf(result, 'inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' });
        expect(flowOf(result, 'outbound', 'Internet', 80)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowInternetOutBound' });
      },
    },
    {
      what: 'a later NAME=VALUE wins over the file: rules that allow what APIM needs exit 0',
      parameters: [`${INPUTS}/avm-nsg-parameters-max.json`, `securityRules=${JSON.stringify(APIM_RULES)}`, 'name=nsg-apim-prod'],
      code: 0,
      name: 'nsg-apim-prod',
      check: (result) => expect(flowOf(result, 'outbound', 'Internet', 80)).toMatchObject({ verdict: 'allowed', decidedBy: 'Certificates' }),
    },
    {
      what: 'securityRules=null, given on purpose (the parameter is nullable): only Azure default rules, which block',
      parameters: ['name=nsg-empty', 'securityRules=null'],
      code: 1,
      name: 'nsg-empty',
      check: (result) => expect(flowOf(result, 'inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' }),
    },
    {
      what: 'a rule without a priority (the module reads `.properties.priority`): the flows it could decide are unknown, the rest still judged',
      parameters: ['name=nsg-typo', `securityRules=${JSON.stringify([{ ...APIM_RULES[1], properties: { ...APIM_RULES[1]!.properties, priority: undefined } }])}`],
      code: 1,
      name: 'nsg-typo',
      check: (result) => {
        const management = flowOf(result, 'inbound', 'ApiManagement', 3443);
        expect(management).toMatchObject({ verdict: 'unknown', decidedBy: 'Management' });
        expect(result.results[0]!.unknown[0]).toMatch(/^inbound ApiManagement Tcp\/3443 .*"priority": ".*\.properties\.priority\]" cannot be evaluated: the object has no property "priority"/);
        expect(flowOf(result, 'inbound', 'Internet', 443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' });
      },
    },
  ];

  it.each(cases)('$what', ({ parameters, code, name, check }) => {
    const judged = judge({ nsg: AVM, parameters });
    expect(judged.code).toBe(code);
    expect(judged.result.results.map((nsg) => nsg.nsg.name)).toEqual([name]);
    expect(judged.result.notes.join('\n')).not.toMatch(/judged without them/);
    check(judged.result);
  });

  it('as a Bicep module (a nested deployment with its own scope), judged with the values the caller passes', () => {
    const module = JSON.parse(readFileSync(AVM, 'utf8'));
    const caller = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { environment: { type: 'string', defaultValue: 'prod' } },
      variables: { apimRules: APIM_RULES },
      resources: [
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'nsg-module',
          properties: {
            expressionEvaluationOptions: { scope: 'inner' },
            mode: 'Incremental',
            parameters: { name: { value: "[format('nsg-apim-{0}', parameters('environment'))]" }, securityRules: { value: "[variables('apimRules')]" } },
            template: module,
          },
        },
      ],
    };
    const path = join(dir, 'caller.json');
    writeFileSync(path, JSON.stringify(caller));
    const { result, code } = judge({ nsg: path });
    expect(result.results[0]!.nsg).toEqual({ name: 'nsg-apim-prod', where: 'resources[0] (deployment "nsg-module") > resources.networkSecurityGroup' });
    expect(code).toBe(0);
  });
});

describe('a portal "Export template" (names are parameters, the real name their default)', () => {
  it('--nsg-name matches the real name, the output shows it, and rules exported twice (inline and as resources) are judged once', () => {
    const { result, code } = judge({ nsg: EXPORT, nsgName: 'WeatherAppVM2024-nsg' });
    expect(result.results.map((nsg) => nsg.nsg)).toEqual([{ name: 'WeatherAppVM2024-nsg', where: 'resources[1]' }]);
    expect(flowOf(result, 'inbound', 'Internet', 80)).toMatchObject({ verdict: 'allowed', decidedBy: 'HTTP' });
    expect(flowOf(result, 'inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' });
    expect(result.results[0]!.blocking.every((line) => !line.includes('['))).toBe(true);
    expect(result.notes).toEqual([]);
    expect(code).toBe(1);
    const [nsg] = readProposalDocument(JSON.parse(readFileSync(EXPORT, 'utf8')), EXPORT).nsgs;
    expect(normaliseFoundNsg(nsg!).securityRules.map((rule) => [rule.name, rule.priority])).toEqual([['RDP', 300], ['HTTP', 320]]);
  });

  it.each([
    ['the parameters file the export comes with (every value null: the defaults apply)', [`${INPUTS}/portal-export-weatherapp.parameters.json`], 'WeatherAppVM2024-nsg'],
    ['a new name for the copy', ['networkSecurityGroups_WeatherAppVM2024_nsg_name=nsg-apim-copy'], 'nsg-apim-copy'],
  ])('with %s', (_, parameters, name) => {
    const { result } = judge({ nsg: EXPORT, parameters });
    expect(result.results.map((nsg) => nsg.nsg.name)).toEqual([name]);
    // The separate rule resources (`concat(parameters(...), '/HTTP')`) still find their NSG under its new name.
    expect(flowOf(result, 'inbound', 'Internet', 80).decidedBy).toBe('HTTP');
    expect(result.notes.filter((note) => note.includes('of its own'))).toEqual([]);
  });

  it('end to end: the CLI prints the real name in the table and in JSON, --nsg-name matches it, and the block exits 1', async () => {
    const table = await runCli(['whatif', '--nsg', EXPORT, '--nsg-name', 'WeatherAppVM2024-nsg']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^NSG WeatherAppVM2024-nsg \(resources\[1\]\)$/m);
    expect(table.stdout).not.toMatch(/networkSecurityGroups_WeatherAppVM2024_nsg_name/);
    const json = await runCli(['whatif', '--nsg', EXPORT, '--parameters', 'networkSecurityGroups_WeatherAppVM2024_nsg_name=nsg-apim-copy', '--nsg-name', 'nsg-apim-copy', '-o', 'json']);
    expect(json.stderr).toBe('');
    const parsed = JSON.parse(json.stdout) as { nsg: { name: string }; exit_code: number; blocking: string[] };
    expect(parsed.nsg.name).toBe('nsg-apim-copy');
    expect(parsed.exit_code).toBe(1);
  });
});

describe("Microsoft's copy-loop samples (mspnp/template-examples)", () => {
  it.each([
    {
      what: 'rules added by a nested deployment in a copy loop, without the parameter: how many rules there are is unknown (exit 2)',
      nsg: `${INPUTS}/mspnp-object-param.template.json`,
      parameters: [],
      code: 2,
      decidedBy: '(rules of copy loop "iterator")',
      reason: /^the copy loop "iterator" cannot be expanded: its count .* parameter "networkSecurityGroupsSettings" has no value/,
    },
    {
      what: 'the same with its parameters file: each copy adds its rule to NSG1 of the parent template',
      nsg: `${INPUTS}/mspnp-object-param.template.json`,
      parameters: [`${INPUTS}/mspnp-object-param.parameters.json`],
      code: 1,
      decidedBy: 'DenyAllInBound',
      reason: undefined,
    },
    {
      what: "rules from another deployment's outputs (reference()): unknown, never judged without them",
      nsg: `${INPUTS}/mspnp-collector.template.json`,
      parameters: [],
      code: 2,
      decidedBy: '(securityRules that cannot be evaluated)',
      reason: /^"\[reference\('collector'\)\.outputs\.result\.value\]" cannot be evaluated: reference\(\) needs the deployment itself/,
    },
  ])('$what', ({ nsg, parameters, code, decidedBy, reason }) => {
    const { result, code: exit } = judge({ nsg, parameters });
    expect(exit).toBe(code);
    expect(result.results).toHaveLength(1);
    expect(flowOf(result, 'inbound', 'ApiManagement', 3443).decidedBy).toBe(decidedBy);
    if (reason) expect(result.results[0]!.invalidRules[0]!.problems[0]).toMatch(reason);
  });

  it('with its parameters, NSG1 holds both rules, each from its own copy of the nested deployment', () => {
    const { result } = judge({ nsg: `${INPUTS}/mspnp-object-param.template.json`, parameters: [`${INPUTS}/mspnp-object-param.parameters.json`] });
    expect(flowOf(result, 'inbound', 'Internet', 80)).toMatchObject({ verdict: 'allowed', decidedBy: 'HTTPAllow' });
  });
});

describe('resource copy loops and conditions (the graphrag template, declared the other ways templates do)', () => {
  const graphrag = () => JSON.parse(readFileSync(`${INPUTS}/graphrag-nsg.template.json`, 'utf8'));

  /** The graphrag NSG with its rules moved to a parameter and deployed by a resource copy loop of rule resources. */
  function withRuleLoop(count: string): string {
    const template = graphrag();
    const nsg = template.resources[0];
    template.parameters.rules = { type: 'array', defaultValue: nsg.properties.securityRules };
    nsg.properties.securityRules = [];
    template.resources.push({
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      apiVersion: '2024-05-01',
      name: "[format('{0}/{1}', parameters('nsgName'), parameters('rules')[copyIndex()].name)]",
      copy: { name: 'ruleLoop', count },
      properties: "[parameters('rules')[copyIndex()].properties]",
    });
    const path = join(dir, `loop-${count.length}.json`);
    writeFileSync(path, JSON.stringify(template));
    return path;
  }

  it('a loop whose count resolves is expanded: the same verdicts as the rules written inline', () => {
    const inline = judge({ nsg: `${INPUTS}/graphrag-nsg.template.json` });
    const looped = judge({ nsg: withRuleLoop("[length(parameters('rules'))]") });
    expect(looped.result.results[0]!.flows).toEqual(inline.result.results[0]!.flows);
    expect(looped.code).toBe(inline.code);
  });

  it('a loop whose count cannot be known makes every flow its rules could decide unknown', () => {
    const { result } = judge({ nsg: withRuleLoop("[length(reference('rules-source').outputs.rules.value)]") });
    expect(gating(result).every((flow) => flow.verdict === 'unknown' && flow.decidedBy === '(rules of copy loop "ruleLoop")')).toBe(true);
  });

  it.each([
    ['false: the rule is not deployed, and a note says so', 'false', 'allowed', /is not deployed: its condition "\[parameters\('withDeny'\)\]" is false/],
    ['true: the rule is deployed and judged', 'true', 'partial', undefined],
    ['unknown: the flows the rule could decide are unknown', undefined, 'unknown', undefined],
  ])('a rule whose condition is %s', (_, given, verdict, note) => {
    const template = graphrag();
    const nsg = template.resources[0];
    const deny = nsg.properties.securityRules.find((rule: { name: string }) => rule.name === 'Deny_All_Internet_Outbound');
    nsg.properties.securityRules = nsg.properties.securityRules.filter((rule: unknown) => rule !== deny);
    template.parameters.withDeny = { type: 'bool' };
    template.resources.push({ type: 'Microsoft.Network/networkSecurityGroups/securityRules', name: `[concat(parameters('nsgName'), '/${deny.name}')]`, condition: "[parameters('withDeny')]", properties: deny.properties });
    const path = join(dir, `condition-${String(given)}.json`);
    writeFileSync(path, JSON.stringify(template));
    const { result } = judge({ nsg: path, parameters: given === undefined ? [] : [`withDeny=${given}`] });
    // Outbound Internet 80 is partial with the deny (only the AzureActiveDirectory part is allowed), allowed without it.
    expect(flowOf(result, 'outbound', 'Internet', 80).verdict).toBe(verdict);
    if (note) expect(result.notes).toEqual(expect.arrayContaining([expect.stringMatching(note)]));
  });

  it('an NSG in a resource copy loop: one NSG per copy, each under its evaluated name', () => {
    const template = graphrag();
    template.parameters.regions = { type: 'array', defaultValue: ['weu', 'neu'] };
    template.resources[0].name = "[format('nsg-apim-{0}', parameters('regions')[copyIndex()])]";
    template.resources[0].copy = { name: 'perRegion', count: "[length(parameters('regions'))]" };
    const path = join(dir, 'per-region.json');
    writeFileSync(path, JSON.stringify(template));
    const { result } = judge({ nsg: path });
    expect(result.results.map((nsg) => nsg.nsg)).toEqual([
      { name: 'nsg-apim-weu', where: 'resources[0] (copy 0)' },
      { name: 'nsg-apim-neu', where: 'resources[0] (copy 1)' },
    ]);
  });

  it('an NSG whose condition is false is not judged: the template then deploys none, said in one line', () => {
    const template = graphrag();
    template.resources[0].condition = false;
    const path = join(dir, 'no-nsg.json');
    writeFileSync(path, JSON.stringify(template));
    expect(() => judge({ nsg: path })).toThrow(/with these parameters the template deploys no NSG or route table: resources\[0\]: NSG .* is not deployed/);
  });
});
