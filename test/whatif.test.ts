import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/processes.js';

/**
 * An NSG in the style of Azure's APIM quickstart (External VNet): every rule APIM needs, then a
 * deny of all Internet-bound traffic, so that a mistyped allow really blocks.
 */
type Rule = [name: string, priority: number, direction: 'Inbound' | 'Outbound', access: 'Allow' | 'Deny', protocol: string, source: string, destination: string, ports: string[]];
const QUICKSTART_RULES: Rule[] = [
  ['Client_communication_to_API_Management', 100, 'Inbound', 'Allow', 'Tcp', 'Internet', 'VirtualNetwork', ['80']],
  ['Secure_Client_communication_to_API_Management', 110, 'Inbound', 'Allow', 'Tcp', 'Internet', 'VirtualNetwork', ['443']],
  ['Management_endpoint_for_Azure_portal_and_Powershell', 120, 'Inbound', 'Allow', 'Tcp', 'ApiManagement', 'VirtualNetwork', ['3443']],
  ['Azure_Infrastructure_Load_Balancer', 180, 'Inbound', 'Allow', 'Tcp', 'AzureLoadBalancer', 'VirtualNetwork', ['6390']],
  ['Dependency_on_Azure_Storage', 100, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Storage', ['443']],
  ['Dependency_on_Azure_SQL', 140, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Sql', ['1433']],
  ['Dependency_for_Log_to_event_Hub_policy', 150, 'Outbound', 'Allow', '*', 'VirtualNetwork', 'EventHub', ['5671']],
  ['Dependency_on_Azure_File_Share_for_GIT', 170, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Storage', ['445']],
  ['Publish_DiagnosticLogs_And_Metrics', 185, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'AzureMonitor', ['443', '12000', '1886']],
  ['Authenticate_To_Azure_Active_Directory', 200, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'AzureActiveDirectory', ['80', '443']],
  ['Access_KeyVault', 350, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'AzureKeyVault', ['443']],
  ['Deny_All_Internet_Outbound', 999, 'Outbound', 'Deny', '*', 'VirtualNetwork', 'Internet', ['*']],
];

/** The quickstart's rules plus what the 2025-06-17 table added as required: outbound Internet 80 (certificate validation). */
const CURRENT_RULES: Rule[] = [...QUICKSTART_RULES, ['Certificate_Validation_And_Management', 190, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Internet', ['80']]];

function ruleProperties([, priority, direction, access, protocol, source, destination, ports]: Rule) {
  return {
    protocol,
    sourcePortRange: '*',
    ...(ports.length === 1 ? { destinationPortRange: ports[0], destinationPortRanges: [] } : { destinationPortRanges: ports }),
    sourceAddressPrefix: source,
    destinationAddressPrefix: destination,
    access,
    priority,
    direction,
  };
}

/** What `az network nsg show` prints: properties flattened, camelCase. */
function azShape(rules: Rule[]) {
  return {
    name: 'apimnsg',
    location: 'westeurope',
    resourceGroup: 'rg-apim',
    type: 'Microsoft.Network/networkSecurityGroups',
    securityRules: rules.map((rule) => ({ name: rule[0], ...ruleProperties(rule), provisioningState: 'Succeeded' })),
  };
}

/** An ARM template with the NSG as one of its resources. */
function templateShape(rules: Rule[]) {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { location: { type: 'string', defaultValue: '[resourceGroup().location]' } },
    resources: [
      {
        type: 'Microsoft.Network/networkSecurityGroups',
        apiVersion: '2020-06-01',
        name: 'apimnsg',
        location: "[parameters('location')]",
        properties: { securityRules: rules.map((rule) => ({ name: rule[0], properties: ruleProperties(rule) })) },
      },
    ],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'netwatch-whatif-'));
function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json, null, 2));
  return path;
}

const withSqlPort = (port: string): Rule[] =>
  CURRENT_RULES.map((rule) => (rule[0] === 'Dependency_on_Azure_SQL' ? ([...rule.slice(0, 7), [port]] as Rule) : rule));

interface WhatifJson {
  flows: Array<{ direction: string; peer: string; port: number; protocol: string; required: boolean; applies: boolean; verdict: string; decided_by: string }>;
}

describe('whatif', () => {
  it('the quickstart-style NSG blocks outbound Internet 80, which the 2025-06-17 table requires (certificate validation): exit 1', async () => {
    const result = await runCli(['whatif', '--nsg', file('quickstart-old.az.json', azShape(QUICKSTART_RULES)), '--output', 'json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as WhatifJson & { blocking: string[]; requirements_revision: string; service_tags: string };
    // Internet:80 is open only towards Entra ID's addresses (the rule on AzureActiveDirectory 80), denied for the rest
    expect(json.flows.find((f) => f.direction === 'outbound' && f.peer === 'Internet' && f.port === 80)).toMatchObject({
      verdict: 'partial',
      required: true,
      decided_by: 'Authenticate_To_Azure_Active_Directory',
    });
    expect(json.blocking).toEqual(['outbound Internet Tcp/80 (required by Microsoft) is partial by Authenticate_To_Azure_Active_Directory, Deny_All_Internet_Outbound']);
    expect(json.requirements_revision).toBe('2025-06-17');
    expect(json.service_tags).toBe('bundled snapshot of the Azure public cloud, 2026-06-26');
  });

  it('with a certificate-validation rule it allows every required flow: exit 0, one JSON element per row of the requirements table', async () => {
    const result = await runCli(['whatif', '--nsg', file('quickstart.az.json', azShape(CURRENT_RULES)), '--output', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as WhatifJson;
    // 28 rows of the classic table and the v2 tiers' one (applies: false here)
    expect(json.flows).toHaveLength(29);
    expect(json.flows.filter((flow) => flow.applies)).toHaveLength(28);
    expect(json.flows.filter((flow) => !flow.applies).map((flow) => `${flow.peer} ${flow.port}`)).toEqual(['Storage 443']);
    expect(json.flows.find((f) => f.peer === 'ApiManagement')).toEqual(
      expect.objectContaining({ direction: 'inbound', peer: 'ApiManagement', port: 3443, protocol: 'Tcp', required: true, verdict: 'allowed', decided_by: 'Management_endpoint_for_Azure_portal_and_Powershell' }),
    );
    expect(json.flows.find((f) => f.peer === 'Sql')).toMatchObject({ verdict: 'allowed', decided_by: 'Dependency_on_Azure_SQL', required: true });
    expect(json.flows.filter((f) => f.required && f.verdict !== 'allowed')).toEqual([]);
    // optional flows are reported without failing the gate
    expect(json.flows.find((f) => f.peer === 'AzureConnectors')).toMatchObject({ verdict: 'denied', required: false });
    expect(json.flows.find((f) => f.peer === 'EventHub' && f.port === 5672)).toMatchObject({ verdict: 'denied', required: false, decided_by: 'Deny_All_Internet_Outbound' });
  });

  it('the same NSG with the SQL port typed 1443 exits 1 and names the flow and the rule', async () => {
    const result = await runCli(['whatif', '--nsg', file('typo.az.json', azShape(withSqlPort('1443')))]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/outbound\s+Sql\s+Tcp\/1433\s+required\s+yes\s+DENIED\s+Deny_All_Internet_Outbound/);
    expect(result.stdout).toMatch(/BLOCKED: outbound Sql Tcp\/1433 \(required by Microsoft\) is denied by Deny_All_Internet_Outbound/);
  });

  it('the table shows near misses under it, as the JSON notes do: AllowSql on 1443 and a deny-all', async () => {
    const nsg = file('near-miss.az.json', {
      name: 'nsg-sql',
      securityRules: [
        { name: 'AllowSql', ...ruleProperties(['AllowSql', 100, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Sql', ['1443']]) },
        { name: 'DenyAllOut', ...ruleProperties(['DenyAllOut', 4000, 'Outbound', 'Deny', '*', '*', '*', ['*']]) },
      ],
    });
    const [table, json] = await Promise.all([runCli(['whatif', '--nsg', nsg]), runCli(['whatif', '--nsg', nsg, '-o', 'json'])]);
    expect(table.code).toBe(1);
    const sql = (JSON.parse(json.stdout) as { flows: Array<{ peer: string; port: number; note?: string }> }).flows.find((f) => f.peer === 'Sql' && f.port === 1433);
    expect(sql?.note).toBe('rule AllowSql would allow it but its ports are 1443, not 1433');
    expect(table.stdout).toMatch(/outbound\s+Sql\s+Tcp\/1433\s+required\s+yes\s+DENIED\s+DenyAllOut/);
    expect(table.stdout).toContain('\nRules that nearly allow a flow that is not allowed\n');
    expect(table.stdout).toContain('\n- outbound Sql Tcp/1433: rule AllowSql would allow it but its ports are 1443, not 1433\n');
    // Allowed flows have no near misses; only flows the table shows are listed.
    expect(table.stdout).not.toMatch(/^- inbound AzureLoadBalancer/m);
  });

  it('a near-miss line is terminal-safe and cut like the other lines', async () => {
    const name = `AllowSql\u202e${'x'.repeat(600)}`;
    const nsg = file('near-miss-long.az.json', {
      name: 'nsg-sql',
      securityRules: [
        { name, ...ruleProperties([name, 100, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Sql', ['1443']]) },
        { name: 'DenyAllOut', ...ruleProperties(['DenyAllOut', 4000, 'Outbound', 'Deny', '*', '*', '*', ['*']]) },
      ],
    });
    const result = await runCli(['whatif', '--nsg', nsg]);
    const line = result.stdout.split('\n').find((text) => text.startsWith('- outbound Sql Tcp/1433: rule AllowSql'));
    expect(line).toMatch(/^- outbound Sql Tcp\/1433: rule AllowSql\\u202exxx+…$/);
    expect(line).toHaveLength(400);
  });

  it('reads an ARM template as well, with the same verdicts', async () => {
    const fromAz = JSON.parse((await runCli(['whatif', '--nsg', file('a.json', azShape(CURRENT_RULES)), '-o', 'json'])).stdout) as WhatifJson;
    const template = await runCli(['whatif', '--nsg', file('t.json', templateShape(CURRENT_RULES)), '-o', 'json']);
    expect(template.code).toBe(0);
    const fromTemplate = JSON.parse(template.stdout) as WhatifJson;
    expect(fromTemplate.flows.map((f) => [f.peer, f.port, f.verdict, f.decided_by])).toEqual(fromAz.flows.map((f) => [f.peer, f.port, f.verdict, f.decided_by]));
    const typo = await runCli(['whatif', '--nsg', file('t-typo.json', templateShape(withSqlPort('1443'))), '-o', 'json']);
    expect(typo.code).toBe(1);
  });

  it('External-only inbound rows (client 443, Traffic Manager 443) are required for an External instance only', async () => {
    const noClientRules = CURRENT_RULES.filter((rule) => !rule[0].includes('Client_communication'));
    const external = await runCli(['whatif', '--nsg', file('internal.json', azShape(noClientRules)), '--vnet-type', 'external', '-o', 'json']);
    const internal = await runCli(['whatif', '--nsg', file('internal.json', azShape(noClientRules)), '--vnet-type', 'internal', '-o', 'json']);
    expect(internal.code).toBe(0);
    expect((JSON.parse(internal.stdout) as WhatifJson).flows.filter((f) => f.direction === 'inbound' && f.peer === 'Internet').every((f) => !f.required)).toBe(true);
    // An External NSG that blocks all client traffic is never "OK" (2025-06-17: inbound Internet 443 and Traffic Manager 443 are required).
    expect(external.code).toBe(1);
    const externalJson = JSON.parse(external.stdout) as WhatifJson & { blocking: string[] };
    expect(externalJson.flows.find((f) => f.direction === 'inbound' && f.peer === 'Internet' && f.port === 443)).toMatchObject({ verdict: 'denied', required: true });
    expect(externalJson.blocking).toEqual([
      'inbound Internet Tcp/443 (required by Microsoft) is denied by DenyAllInBound',
      'inbound AzureTrafficManager Tcp/443 (required by Microsoft) is denied by DenyAllInBound',
    ]);
  });

  it('a forced-tunnelling route table without service endpoints or an ApiManagement route exits 1 and names the route', async () => {
    const routeTable = {
      name: 'rt-apim',
      location: 'westeurope',
      routes: [{ name: 'default-to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.4' }],
    };
    const result = await runCli(['whatif', '--nsg', file('q.json', azShape(CURRENT_RULES)), '--route-table', file('rt.json', routeTable)]);
    // The control plane's replies through the firewall are lost whatever it allows: a block.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BLOCKED: route default-to-firewall sends ApiManagement traffic to VirtualAppliance/);
    // Sql through the firewall is at risk (the firewall decides), never a block.
    expect(result.stdout).not.toMatch(/sends Sql traffic/);
    expect(result.stdout).toMatch(/AT RISK \(a firewall or appliance on the path decides; not a block\): Storage, Sql, AzureKeyVault, AzureMonitor, AzureActiveDirectory\n/);
    expect(result.stdout).toMatch(/without a service endpoint for Microsoft\.Sql: Sql traffic reaches it only if the device on that path allows it/);
    expect(result.stdout).toMatch(/Sql +VirtualAppliance +AT RISK/);
  });

  it('forced tunnelling done as Microsoft documents (ApiManagement -> Internet, service endpoints elsewhere): exit 0, Monitor and Entra at risk through the firewall', async () => {
    const routeTable = {
      name: 'rt-apim',
      location: 'westeurope',
      routes: [
        { name: 'default-to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.4' },
        { name: 'apim-control-plane', addressPrefix: 'ApiManagement', nextHopType: 'Internet' },
      ],
    };
    const result = await runCli(['whatif', '--nsg', file('q.json', azShape(CURRENT_RULES)), '--route-table', file('rt-ok.json', routeTable), '-o', 'json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { blocking: string[]; at_risk: string[]; routes: { verdicts: Array<{ peer: string; ok: boolean; at_risk?: { cause: string } }> } };
    expect(json.blocking).toEqual([]);
    expect(json.at_risk.map((line) => line.split(':')[0])).toEqual(expect.arrayContaining(['AzureMonitor', 'AzureActiveDirectory']));
    expect(json.routes.verdicts.find((verdict) => verdict.peer === 'ApiManagement')).toMatchObject({ ok: true });
    expect(json.routes.verdicts.find((verdict) => verdict.peer === 'AzureMonitor')?.at_risk?.cause).toBe('appliance');
  });

  it('unreadable input exits 2 with a message saying what to pass', async () => {
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, 'nope');
    const result = await runCli(['whatif', '--nsg', notJson]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not JSON .*az network nsg show/);
    // A rule Azure would reject is judged, never dropped: the flows it could decide are unknown, and it is named.
    const wrongShape = await runCli(['whatif', '--nsg', file('rule.json', { securityRules: [{ name: 'x', direction: 'Sideways' }] })]);
    expect(wrongShape.code).toBe(2);
    expect(wrongShape.stdout).toMatch(/- x: "direction" "Sideways" is not valid \(expected Inbound or Outbound\); "access" is missing/);
    expect(wrongShape.stdout).toMatch(/UNKNOWN: cannot judge inbound Internet Tcp\/443 \(required by Microsoft\): rule x:/);
  });
});
