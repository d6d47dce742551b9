import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/processes.js';

/**
 * `whatif` as a user runs it, on files nobody here wrote (test/fixtures/whatif-inputs/README.md says where each
 * comes from): compiled Bicep, Terraform plans and state, az output. Exit codes: 0 every required flow allowed,
 * 1 one blocked, 2 could not check (input, usage, or a required flow unknown).
 */
const INPUTS = 'test/fixtures/whatif-inputs';
const SUBSET_TAGS = 'test/fixtures/service-tags/servicetags-subset.json';
const dir = mkdtempSync(join(tmpdir(), 'netwatch-whatif-real-'));

interface Flow {
  direction: string;
  peer: string;
  port: number;
  verdict: string;
  decided_by: string;
  deciding_rules: string[];
  required: boolean;
  pages: boolean;
  note?: string;
}
interface NsgJson {
  nsg: { name: string; where: string };
  flows: Flow[];
  blocking: string[];
  unknown: string[];
  invalid_rules: Array<{ rule: string; problems: string[] }>;
}
type WhatifJson = NsgJson & { exit_code: number; input_format: string; service_tags: string; nsgs?: NsgJson[] };

async function whatif(...args: string[]): Promise<{ code: number | null; json: WhatifJson; stderr: string }> {
  const result = await runCli(['whatif', ...args, '--output', 'json']);
  return { code: result.code, json: JSON.parse(result.stdout || '{}') as WhatifJson, stderr: result.stderr };
}

const flow = (json: NsgJson, direction: string, peer: string, port: number) => json.flows.find((f) => f.direction === direction && f.peer === peer && f.port === port)!;

describe('whatif on real inputs', () => {
  it('graphrag-accelerator (compiled Bicep): Key Vault 443 is allowed by the AzureCloud rule at 300, ahead of the Internet deny', async () => {
    const { code, json } = await whatif('--nsg', `${INPUTS}/graphrag-nsg.template.json`, '--location', 'uksouth');
    expect(json.input_format).toBe('arm-template');
    expect(flow(json, 'outbound', 'AzureKeyVault', 443)).toMatchObject({ verdict: 'allowed', decided_by: 'Publish_Monitoring_Logs' });
    expect(json.service_tags).toBe('bundled snapshot of the Azure public cloud, 2026-06-26');
    // What does block it is real: outbound Internet 80 (certificate validation) is required since the 2025-06-17 table.
    expect(code).toBe(1);
    expect(json.blocking).toEqual(['outbound Internet Tcp/80 (required by Microsoft) is partial by Authenticate_To_Azure_Active_Directory, Deny_All_Internet_Outbound']);
  });

  it('with tag data that lacks AzureCloud, Key Vault is unknown, naming the rule, the tag and the data; never "denied"', async () => {
    const { json } = await whatif('--nsg', `${INPUTS}/graphrag-nsg.template.json`, '--location', 'uksouth', '--service-tags', SUBSET_TAGS);
    expect(json.service_tags).toBe(`file ${SUBSET_TAGS} (change 375)`);
    const keyVault = flow(json, 'outbound', 'AzureKeyVault', 443);
    expect(keyVault).toMatchObject({ verdict: 'unknown', decided_by: 'Publish_Monitoring_Logs' });
    expect(keyVault.note).toContain(`"AzureCloud" is not a service tag in the service-tag data used (file ${SUBSET_TAGS} (change 375))`);
    expect(json.unknown).toContain(
      `outbound AzureKeyVault Tcp/443 (required by Microsoft): rule Publish_Monitoring_Logs: "AzureCloud" is not a service tag in the service-tag data used (file ${SUBSET_TAGS} (change 375))`,
    );
    expect(json.invalid_rules.find((rule) => rule.rule === 'Publish_Monitoring_Logs')?.problems[0]).toContain('"AzureCloud" is not a service tag');
  });

  it('an NSG inside a nested deployment of a compiled Bicep template is read and judged', async () => {
    const { json } = await whatif('--nsg', `${INPUTS}/bicep-compiled-nested.json`);
    expect(json.nsg.where).toBe('resources[3] (deployment "nsg-deployment") > resources[0]');
    expect(flow(json, 'outbound', 'Sql', 1433)).toMatchObject({ verdict: 'allowed', decided_by: 'Dependency_on_Azure_SQL' });
  });

  it('a file with two NSGs judges each, by its evaluated name, and --nsg-name picks one (as evaluated or as written); never one silently', async () => {
    const both = await whatif('--nsg', `${INPUTS}/bicep-compiled-symbolic.json`, '--vnet-type', 'internal');
    // format('{0}Nsg', parameters('vmSubnetName')) with its default, and format('{0}Nsg', variables('bastionSubnetName')).
    expect(both.json.nsgs?.map((nsg) => nsg.nsg.name)).toEqual(['VmSubnetNsg', 'AzureBastionSubnetNsg']);
    expect(both.json.blocking.every((line) => /^(VmSubnetNsg|AzureBastionSubnetNsg): /.test(line))).toBe(true);
    for (const name of ['AzureBastionSubnetNsg', "[variables('bastionSubnetNsgName')]"]) {
      const one = await whatif('--nsg', `${INPUTS}/bicep-compiled-symbolic.json`, '--vnet-type', 'internal', '--nsg-name', name);
      expect(one.json.nsgs).toBeUndefined();
      expect(one.json.nsg).toEqual({ name: 'AzureBastionSubnetNsg', where: 'resources.bastionSubnetNsg' });
    }
    const none = await runCli(['whatif', '--nsg', `${INPUTS}/bicep-compiled-symbolic.json`, '--nsg-name', 'nope']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a Terraform plan: the NSG of a child module is judged on its own rules', async () => {
    const { code, json } = await whatif('--nsg', `${INPUTS}/terraform-plan-child-module.json`, '--nsg-name', 'webnsg');
    expect(json.input_format).toBe('terraform-plan');
    expect(json.nsg).toEqual({ name: 'webnsg', where: 'module.nsg.azurerm_network_security_group.dev_zenpay_web_nsg' });
    expect(flow(json, 'inbound', 'Internet', 443)).toMatchObject({ verdict: 'allowed', decided_by: 'Allow-HTTPS' });
    expect(flow(json, 'inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'denied', decided_by: 'DenyAllInBound' });
    expect(code).toBe(1);
  });

  it.each([
    ['Terraform state', `${INPUTS}/terraform-state-nsg.json`, /Terraform state file/],
    ['an empty object', '{}', /found an empty JSON object, which holds no NSG/],
    ['an unrelated document', JSON.stringify({ name: 'my-app', version: '1.0.0', dependencies: {} }), /holds no NSG and no route table/],
  ])('%s: exit 2 with one line saying what was expected and what was found', async (_, input, message) => {
    const path = input.startsWith('{') ? join(dir, `input-${input.length}.json`) : input;
    if (input.startsWith('{')) writeFileSync(path, input);
    const result = await runCli(['whatif', '--nsg', path]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rules with ports or prefixes Azure rejects are named, and the flows they could decide are unknown: exit 2', async () => {
    const nsg = {
      name: 'nsg-bad-values',
      location: 'westeurope',
      securityRules: [
        { name: 'AllowSqlTypoPort', priority: 100, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '*', destinationAddressPrefix: 'Sql', destinationPortRange: '70000' },
        { name: 'AllowRangeBackwards', priority: 110, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '*', destinationAddressPrefix: 'Storage', destinationPortRange: '500-100' },
        { name: 'AllowBadPrefix', priority: 120, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '*', destinationAddressPrefix: '300.1.1.1/33', destinationPortRange: '443' },
        { name: 'AllowManagement', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'ApiManagement', sourcePortRange: '*', destinationAddressPrefix: 'VirtualNetwork', destinationPortRange: '3443' },
      ],
    };
    const path = join(dir, 'bad-values.json');
    writeFileSync(path, JSON.stringify(nsg));
    const { code, json } = await whatif('--nsg', path, '--vnet-type', 'internal');
    expect(code).toBe(2);
    expect(json.invalid_rules.map((rule) => rule.rule)).toEqual(['AllowSqlTypoPort', 'AllowRangeBackwards', 'AllowBadPrefix']);
    // Whatever port 70000 was meant to be, it might have been 1433: the rule could decide Sql, so Sql is unknown.
    expect(flow(json, 'outbound', 'Sql', 1433)).toMatchObject({ verdict: 'unknown', decided_by: 'AllowSqlTypoPort' });
    // A rule that names another service's tag cannot decide Key Vault, invalid port or not.
    expect(flow(json, 'outbound', 'AzureKeyVault', 443)).toMatchObject({ verdict: 'unknown', decided_by: 'AllowBadPrefix' });
    expect(flow(json, 'outbound', 'AzureMonitor', 1886)).toMatchObject({ verdict: 'allowed', decided_by: 'AllowInternetOutBound' });
    expect(flow(json, 'outbound', 'Storage', 443)).toMatchObject({ verdict: 'unknown', decided_by: 'AllowRangeBackwards' });
    const table = await runCli(['whatif', '--nsg', path, '--vnet-type', 'internal']);
    expect(table.stdout).toMatch(/AllowSqlTypoPort: port "70000" is beyond the last port, 65535/);
    expect(table.stdout).toMatch(/^UNKNOWN: cannot judge /m);
  });
});

describe('usage errors exit 2, never 1 (1 means blocked or paging)', () => {
  it.each([
    [['whatif', '--nsg', 'x.json', '--vnet-type', 'foo'], /argument 'foo' is invalid/],
    [['check', '--output', 'yaml'], /argument 'yaml' is invalid/],
    [['whatif', '--nsg', 'x.json', '--no-such-option'], /unknown option/],
    [['no-such-command'], /unknown command/],
    [['whatif'], /required option '--nsg <file>'/],
  ])('%j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
