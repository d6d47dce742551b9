import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseNsg, normaliseRouteTable } from '../src/azure/normalise-network.js';
import { type FoundResource, normaliseFoundNsg, ProposalInputError, readProposalDocument } from '../src/azure/proposal-input.js';
import { ERROR_CODES } from '../src/errors.js';
import type { SecurityRule } from '../src/model/network.js';

type Json = Record<string, any>;

/** A fixture, parsed afresh each time so that a test may change it. */
const load = (path: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'));
const whatif = (file: string): Json => load(`whatif-inputs/${file}`);

const read = (json: unknown, file = 'proposal.json', parameters?: Parameters<typeof readProposalDocument>[2]) => readProposalDocument(json, file, parameters);
const rulesOf = (found: FoundResource): SecurityRule[] => normaliseNsg(found.body).securityRules;
const rule = (found: FoundResource, name: string): SecurityRule => {
  const match = rulesOf(found).find((candidate) => candidate.name === name);
  if (!match) throw new Error(`no rule ${name} in ${found.name}`);
  return match;
};

/** Every resource of a plan's module tree, to build plans that differ from a real one in one way. */
function planResources(plan: Json): Json[] {
  const walk = (module: Json): Json[] => [...(module.resources ?? []), ...(module.child_modules ?? []).flatMap(walk)];
  return walk(plan.planned_values.root_module);
}

function filterPlan(plan: Json, keep: (resource: Json) => boolean): Json {
  const walk = (module: Json): void => {
    if (module.resources) module.resources = module.resources.filter(keep);
    for (const child of module.child_modules ?? []) walk(child);
  };
  walk(plan.planned_values.root_module);
  return plan;
}

describe('readProposalDocument: what each real fixture holds', () => {
  const cases: Array<{ file: string; format: string; nsgs: string[]; routeTables?: string[]; wheres?: string[] }> = [
    { file: 'whatif-inputs/graphrag-nsg.template.json', format: 'arm-template', nsgs: ["[parameters('nsgName')]"], wheres: ['resources[0]'] },
    {
      file: 'whatif-inputs/bicep-compiled-nested.json',
      format: 'arm-template',
      nsgs: ["[parameters('nsgName')]"],
      wheres: ['resources[3] (deployment "nsg-deployment") > resources[0]'],
    },
    {
      file: 'whatif-inputs/bicep-compiled-symbolic.json',
      format: 'arm-template',
      nsgs: ['VmSubnetNsg', 'AzureBastionSubnetNsg'],
      wheres: ['resources.vmSubnetNsg', 'resources.bastionSubnetNsg'],
    },
    {
      file: 'whatif-inputs/terraform-plan-child-module.json',
      format: 'terraform-plan',
      nsgs: ['sg-mgmt', 'sg-public', 'db-nsg', 'webnsg'],
      routeTables: ['aks-rt', 'appgw-rt', 'rt-default'],
      wheres: [
        'azurerm_network_security_group.nsg-mgmt',
        'azurerm_network_security_group.nsg-public',
        'module.nsg.azurerm_network_security_group.dev_zenpay_db_nsg',
        'module.nsg.azurerm_network_security_group.dev_zenpay_web_nsg',
      ],
    },
    { file: 'whatif-inputs/terraform-plan-checkov.json', format: 'terraform-plan', nsgs: ['fail', 'pass'] },
    { file: 'whatif-inputs/terraform-plan-regula.json', format: 'terraform-plan', nsgs: ['invalidnsg1', 'invalidnsg2', 'testnsg', 'validnsg1'] },
    {
      file: 'whatif-inputs/terraform-plan-terraform-compliance.json',
      format: 'terraform-plan',
      nsgs: ['myvm-nsg', 'mywinvm-nsg'],
      wheres: ['module.linuxservers-fail.azurerm_network_security_group.vm', 'module.windowsservers-pass.azurerm_network_security_group.vm'],
    },
    { file: 'whatif-inputs/az-nsg-show.json', format: 'az-cli', nsgs: ['myNetworkSecurityGroup'] },
    { file: 'network/landing-zone.arm.json', format: 'arm-rest', nsgs: ['nsg-apim-weu'] },
    { file: 'network/landing-zone.az.json', format: 'az-cli', nsgs: ['nsg-apim-weu'] },
    { file: 'arm-examples/2026-01-01__NetworkSecurityGroupGet.json', format: 'arm-rest', nsgs: ['testnsg'], wheres: ['responses.200.body'] },
    { file: 'arm-examples/2026-01-01__RouteTableGet.json', format: 'arm-rest', nsgs: [], routeTables: ['testrt'] },
  ];

  it.each(cases)('$file: $format', ({ file, format, nsgs, routeTables = [], wheres }) => {
    const contents = read(load(file), file);
    expect(contents.format).toBe(format);
    expect(contents.nsgs.map((nsg) => nsg.name)).toEqual(nsgs);
    expect(contents.routeTables.map((table) => table.name)).toEqual(routeTables);
    if (wheres) expect(contents.nsgs.map((nsg) => nsg.where)).toEqual(wheres);
    // Every body is one the normaliser reads, under the same name.
    for (const nsg of contents.nsgs) expect(normaliseNsg(nsg.body).name).toBe(nsg.body.name ?? '');
    for (const table of contents.routeTables) expect(normaliseRouteTable(table.body).name).toBe(table.body.name);
  });
});

describe('ARM templates', () => {
  it('reads the 17 rules of the compiled graphrag NSG, keeping ARM expressions as written', () => {
    const [nsg] = read(whatif('graphrag-nsg.template.json')).nsgs;
    expect(nsg!.body).toMatchObject({ name: "[parameters('nsgName')]", location: "[parameters('location')]", type: 'Microsoft.Network/networkSecurityGroups' });
    expect(rulesOf(nsg!)).toHaveLength(17);
    expect(rule(nsg!, 'Publish_Monitoring_Logs')).toMatchObject({
      direction: 'Outbound',
      access: 'Allow',
      priority: 300,
      protocol: 'Tcp',
      destinationPortRanges: ['443'],
      destinationAddressPrefixes: ['AzureCloud'],
    });
    expect(rule(nsg!, 'Deny_All_Internet_Outbound')).toMatchObject({ priority: 999, access: 'Deny', destinationAddressPrefixes: ['Internet'] });
    expect(rule(nsg!, 'Dependency_on_Azure_Storage')).toMatchObject({ priority: 100, direction: 'Outbound' });
  });

  it('finds the same NSG inside the nested nsg-deployment of the whole compiled template', () => {
    const contents = read(whatif('bicep-compiled-nested.json'));
    expect(contents.routeTables).toEqual([]);
    expect(rulesOf(contents.nsgs[0]!)).toEqual(rulesOf(read(whatif('graphrag-nsg.template.json')).nsgs[0]!));
  });

  it('finds both NSGs of a languageVersion 2.0 template by symbolic name, and skips its existing subnets', () => {
    const [vm, bastion] = read(whatif('bicep-compiled-symbolic.json')).nsgs;
    expect(rulesOf(vm!).map((r) => [r.name, r.priority, r.destinationPortRanges])).toEqual([['AllowSshInbound', 100, ['22']]]);
    expect(rulesOf(bastion!)).toHaveLength(7);
    expect(rule(bastion!, 'bastionControlInAllow')).toMatchObject({ priority: 120, destinationPortRanges: ['443', '4443'], sourceAddressPrefixes: ['GatewayManager'] });
    expect(rule(bastion!, 'bastionAzureOutAllow')).toMatchObject({ direction: 'Outbound', destinationAddressPrefixes: ['AzureCloud'], destinationPortRanges: ['443'] });
  });

  it('attaches child securityRules resources (nested, `nsg/rule`, and Bicep format() names) to their NSG', () => {
    const template = whatif('graphrag-nsg.template.json');
    const nsg = template.resources[0];
    const rules: Json[] = nsg.properties.securityRules;
    nsg.properties.securityRules = rules.slice(0, 13);
    nsg.resources = [{ type: 'securityRules', apiVersion: '2024-05-01', name: rules[13]!.name, properties: rules[13]!.properties }];
    template.resources.push(
      ...rules.slice(14, 16).map((r) => ({
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
        apiVersion: '2024-05-01',
        name: `[format('{0}/{1}', parameters('nsgName'), '${r.name}')]`,
        properties: r.properties,
        dependsOn: ["[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]"],
      })),
      { type: 'Microsoft.Network/networkSecurityGroups/securityRules', name: "[concat(parameters('nsgName'), '/', 'Deny_All_Internet_Outbound')]", properties: rules[16]!.properties },
    );
    const contents = read(template);
    expect(contents.nsgs).toHaveLength(1);
    expect(contents.notes).toEqual([]);
    expect(rulesOf(contents.nsgs[0]!).map((r) => r.name)).toEqual(rules.map((r) => r.name));
    expect(rule(contents.nsgs[0]!, 'Deny_All_Internet_Outbound').priority).toBe(999);
  });

  it('judges a child rule whose NSG the template does not deploy as an NSG of its own, with a note', () => {
    const template = whatif('graphrag-nsg.template.json');
    const extra = template.resources[0].properties.securityRules[0];
    template.resources.push({ type: 'Microsoft.Network/networkSecurityGroups/securityRules', name: 'shared-nsg/AllowClient', properties: extra.properties });
    const contents = read(template);
    expect(contents.nsgs.map((nsg) => [nsg.name, nsg.where])).toEqual([
      ["[parameters('nsgName')]", 'resources[0]'],
      ['shared-nsg', 'resources[1]'],
    ]);
    expect(rulesOf(contents.nsgs[1]!).map((r) => [r.name, r.priority])).toEqual([['AllowClient', 100]]);
    expect(contents.notes).toEqual([expect.stringMatching(/^resources\[1\]: .*"shared-nsg", which is not deployed in the same template; judged as an NSG of its own$/)]);
  });
});

describe('ARM template expressions: what the reader evaluates, and what it leaves unknown (and says why)', () => {
  const avm = () => whatif('avm-nsg-main.json');
  const given = (values: Record<string, unknown>) => new Map(Object.entries(values).map(([name, value]) => [name, { value, source: 'test' }]));

  it('expands the AVM module\'s property copy loop over the securityRules it is given, with the name it is given', () => {
    const rules = load('whatif-inputs/graphrag-nsg.template.json').resources[0].properties.securityRules;
    const [nsg] = read(avm(), 'main.json', given({ name: 'nsg-apim', securityRules: rules })).nsgs;
    expect(nsg!.name).toBe('nsg-apim');
    expect(nsg!.writtenName).toBe("[parameters('name')]");
    expect(nsg!.ruleDoubts).toBeUndefined();
    expect(rulesOf(nsg!)).toEqual(rulesOf(read(whatif('graphrag-nsg.template.json')).nsgs[0]!));
  });

  it('without them, one placeholder rule whose priority, direction and access are unknown, even to a reader that ignores the doubts', () => {
    const [nsg] = read(avm()).nsgs;
    expect([...nsg!.ruleDoubts!.keys()]).toEqual([0]);
    const placeholder = normaliseFoundNsg(nsg!).securityRules[0]!;
    expect(Object.keys(placeholder.unresolved!)).toEqual(['priority', 'direction', 'access']);
    expect(placeholder).toMatchObject({ protocol: '*', sourceAddressPrefixes: ['*'], destinationAddressPrefixes: ['*'], destinationPortRanges: ['*'] });
    expect(Object.keys(normaliseNsg(nsg!.body).securityRules[0]!.unresolved!).sort()).toEqual(['access', 'direction', 'priority']);
  });

  it('a field that cannot be evaluated is doubted on its own: the rule matches any value of it, and says why', () => {
    const template = whatif('graphrag-nsg.template.json');
    template.parameters.sqlPort = { type: 'string' };
    const sql = template.resources[0].properties.securityRules.find((rule: Json) => rule.name === 'Dependency_on_Azure_SQL');
    sql.properties.destinationPortRange = "[parameters('sqlPort')]";
    const [nsg] = read(template).nsgs;
    const rule = normaliseFoundNsg(nsg!).securityRules.find((candidate) => candidate.name === 'Dependency_on_Azure_SQL')!;
    expect(rule.destinationPortRanges).toEqual(['*']);
    expect(rule.unresolved).toEqual({ destinationPorts: expect.stringMatching(/^"destinationPortRange": "\[parameters\('sqlPort'\)\]" cannot be evaluated: parameter "sqlPort" has no value/) });
    expect(read(template, 't.json', given({ sqlPort: '1433' })).nsgs[0]!.ruleDoubts).toBeUndefined();
  });
});

describe('Terraform plans and state', () => {
  const childModule = () => read(whatif('terraform-plan-child-module.json'));

  it('joins separate rules to their NSG by name and resource group, keeps inline rules of child-module NSGs', () => {
    const { nsgs, notes } = childModule();
    const [mgmt, pub, db, web] = nsgs;
    expect(notes).toEqual([]);
    expect(rulesOf(mgmt!)).toEqual([
      expect.objectContaining({ name: 'vmseries-mgmt-allow-inbound', priority: 1000, sourceAddressPrefixes: ['2.3.186.236'], destinationPortRanges: ['*'], protocol: '*' }),
    ]);
    // No inline rules and no separate ones: unknown until apply, so left absent.
    expect(pub!.body.properties).toEqual({});
    expect(rulesOf(db!).map((r) => [r.name, r.priority, r.destinationPortRanges, r.sourceAddressPrefixes])).toEqual([['Allow-SQL', 1001, ['1433'], ['10.0.1.0/24']]]);
    expect(rulesOf(web!).map((r) => [r.name, r.priority, r.destinationPortRanges])).toEqual([
      ['Allow-HTTPS', 1002, ['443']],
      ['Allow-HTTP', 1001, ['80']],
    ]);
    expect(web!.body).toMatchObject({ name: 'webnsg', location: 'northeurope', type: 'Microsoft.Network/networkSecurityGroups' });
    expect(web!.body.properties).toMatchObject({ securityRules: [{ name: 'Allow-HTTPS', properties: { sourcePortRange: '*', sourcePortRanges: [], destinationPortRange: '443' } }, {}] });
  });

  it('joins separate routes to their table, keeps inline routes, the BGP flag, and leaves unknown next hops absent', () => {
    const [aks, appgw, fallback] = childModule().routeTables;
    expect(normaliseRouteTable(aks!.body).routes).toEqual([{ name: 'route-to-appgw', addressPrefix: '10.100.0.0/23', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.1.4' }]);
    expect(normaliseRouteTable(appgw!.body).routes).toEqual([{ name: 'route-to-aks', addressPrefix: '10.200.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.1.68' }]);
    const table = normaliseRouteTable(fallback!.body);
    expect(fallback!.where).toBe('azurerm_route_table.default');
    expect(table.disableBgpRoutePropagation).toBe(true);
    expect(table.routes.map((route) => [route.name, route.addressPrefix, route.nextHopType])).toEqual([
      ['default', '0.0.0.0/0', 'VirtualAppliance'],
      ['to-appgw', '172.16.4.0/24', 'VirtualAppliance'],
    ]);
    expect((fallback!.body.properties as Json).routes[0].properties).not.toHaveProperty('nextHopIpAddress');
    expect(aks!.body.properties).not.toHaveProperty('disableBgpRoutePropagation');
  });

  it('reads azurerm 4 bgp_route_propagation_enabled as the inverse of disableBgpRoutePropagation', () => {
    const plan = whatif('terraform-plan-child-module.json');
    const values = planResources(plan).find((resource) => resource.address === 'azurerm_route_table.default')!.values;
    delete values.disable_bgp_route_propagation;
    values.bgp_route_propagation_enabled = false;
    expect(read(plan).routeTables[2]!.body.properties).toMatchObject({ disableBgpRoutePropagation: true });
    values.bgp_route_propagation_enabled = true;
    expect(read(plan).routeTables[2]!.body.properties).toMatchObject({ disableBgpRoutePropagation: false });
  });

  it('reads the TF 1.3 checkov plan: a separate Deny rule joined, an NSG without rules', () => {
    const [fail, pass] = read(whatif('terraform-plan-checkov.json')).nsgs;
    expect(rulesOf(fail!)).toEqual([]);
    expect(rulesOf(pass!)).toEqual([expect.objectContaining({ name: 'pass', access: 'Deny', priority: 100, destinationPortRanges: ['3389'], sourceAddressPrefixes: ['*'] })]);
  });

  it('reads the TF 0.13 regula plan: inline rules with plurals and "" singulars, five separate rules joined to testnsg', () => {
    const [invalid1, , testnsg] = read(whatif('terraform-plan-regula.json')).nsgs;
    expect(rule(invalid1!, 'testrule2')).toMatchObject({ priority: 101, destinationPortRanges: ['235', '30-50'], sourceAddressPrefixes: ['10.10.10.10'] });
    expect(rulesOf(testnsg!).map((r) => r.name)).toEqual(['invalidrule1', 'validrule2', 'validrule3', 'validrule1', 'validrule2']);
    expect(rulesOf(testnsg!)[0]).toMatchObject({ destinationPortRanges: ['20-25'], sourceAddressPrefixes: ['*', '10.10.10.10'] });
  });

  it('reads the TF 0.12 terraform-compliance plan: NSG and separate rule in each child module, no location known', () => {
    const [linux, windows] = read(whatif('terraform-plan-terraform-compliance.json')).nsgs;
    expect(rulesOf(linux!).map((r) => [r.name, r.destinationPortRanges])).toEqual([['allow_remote_22_in_all', ['22']]]);
    expect(rulesOf(windows!).map((r) => [r.name, r.destinationPortRanges])).toEqual([['allow_remote_3389_in_all', ['3389']]]);
    expect(linux!.body).not.toHaveProperty('location');
  });

  it('keeps the instance key of count/for_each resources in where', () => {
    const plan = whatif('terraform-plan-checkov.json');
    const copy = structuredClone(planResources(plan).find((resource) => resource.address === 'azurerm_network_security_group.fail')!);
    Object.assign(copy, { address: 'azurerm_network_security_group.each["web"]', name: 'each', index: 'web' });
    copy.values.name = 'nsg-web';
    plan.planned_values.root_module.resources.push(copy);
    expect(read(plan).nsgs.at(-1)).toMatchObject({ name: 'nsg-web', where: 'azurerm_network_security_group.each["web"]' });
  });

  it('judges a separate rule whose NSG is not in the plan as an NSG of its own, and notes it', () => {
    const plan = filterPlan(whatif('terraform-plan-checkov.json'), (resource) => resource.address !== 'azurerm_network_security_group.pass');
    const contents = read(plan);
    expect(contents.nsgs.map((nsg) => [nsg.name, nsg.where])).toEqual([
      ['fail', 'azurerm_network_security_group.fail'],
      ['pass', 'azurerm_network_security_rule.pass'],
    ]);
    expect(rulesOf(contents.nsgs[1]!).map((r) => r.name)).toEqual(['pass']);
    expect(contents.notes).toEqual([
      'azurerm_network_security_rule.pass: refers to NSG "pass" (resource group "test"), which is not in this plan; judged as an NSG of its own',
    ]);
  });

  it('joins a separate rule whose NSG name is unknown until apply through the plan configuration', () => {
    const plan = whatif('terraform-plan-child-module.json');
    delete planResources(plan).find((resource) => resource.address === 'azurerm_network_security_rule.mgmt')!.values.network_security_group_name;
    const contents = read(plan);
    expect(rulesOf(contents.nsgs[0]!).map((r) => r.name)).toEqual(['vmseries-mgmt-allow-inbound']);
    expect(contents.nsgs).toHaveLength(4);
  });

  it('reads `terraform show -json` of a state (values.root_module) as terraform-show', () => {
    const plan = whatif('terraform-plan-regula.json');
    const shown = { format_version: '0.1', terraform_version: plan.terraform_version, values: { root_module: plan.planned_values.root_module } };
    const contents = read(shown);
    expect(contents.format).toBe('terraform-show');
    expect(contents.nsgs.map((nsg) => nsg.name)).toEqual(['invalidnsg1', 'invalidnsg2', 'testnsg', 'validnsg1']);
  });
});

describe('az CLI output and ARM REST bodies', () => {
  it('nests az show output into the ARM REST shape, rules and default rules too', () => {
    const [nsg] = read(whatif('az-nsg-show.json')).nsgs;
    const properties = nsg!.body.properties as Json;
    expect(nsg!.body).not.toHaveProperty('securityRules');
    expect(nsg!.body).not.toHaveProperty('resourceGroup');
    expect(properties.securityRules[0]).toMatchObject({ name: 'myNetworkSecurityGroupRuleSSH', properties: { destinationPortRange: '22' } });
    const normalised = normaliseNsg(nsg!.body);
    expect(normalised.securityRules.map((r) => [r.name, r.priority, r.destinationPortRanges])).toEqual([
      ['myNetworkSecurityGroupRuleSSH', 1000, ['22']],
      ['myNetworkSecurityGroupRuleWeb', 1001, ['80']],
    ]);
    expect(normalised.defaultSecurityRules).toHaveLength(6);
  });

  it('reads an `az network nsg list` array, and an ARM REST list, in order', () => {
    const list = read([whatif('az-nsg-show.json'), load('network/landing-zone.az.json')]);
    expect(list.format).toBe('az-cli');
    expect(list.nsgs.map((nsg) => [nsg.name, nsg.where])).toEqual([
      ['myNetworkSecurityGroup', '[0]'],
      ['nsg-apim-weu', '[1]'],
    ]);
    const rest = read({ value: [load('network/landing-zone.arm.json'), load('arm-examples/2026-01-01__RouteTableGet.json').responses['200'].body] });
    expect(rest.format).toBe('arm-rest');
    expect(rest.nsgs.map((nsg) => nsg.where)).toEqual(['value[0]']);
    expect(rest.routeTables.map((table) => [table.name, table.where])).toEqual([['testrt', 'value[1]']]);
  });

  it('reads the route table REST example and says what else an array held', () => {
    const table = load('arm-examples/2026-01-01__RouteTableGet.json').responses['200'].body;
    const contents = read([table, { type: 'Microsoft.Network/virtualNetworks', name: 'vnet' }]);
    expect(normaliseRouteTable(contents.routeTables[0]!.body).routes).toEqual([{ name: 'route1', addressPrefix: '10.0.3.0/24', nextHopType: 'VirtualNetworkGateway' }]);
    expect(contents.notes).toEqual(['1 of the 2 items are not NSGs or route tables (Microsoft.Network/virtualNetworks) and were not read']);
  });
});

describe('refusals', () => {
  const plan = whatif('terraform-plan-child-module.json');
  const noNetwork = filterPlan(structuredClone(plan), (resource) => !/^azurerm_(network_security_(group|rule)|route_table|route)$/.test(resource.type));
  const symbolic = whatif('bicep-compiled-symbolic.json');
  delete symbolic.resources.vmSubnetNsg;
  delete symbolic.resources.bastionSubnetNsg;

  const cases: Array<{ what: string; json: unknown; says: RegExp }> = [
    { what: '{}', json: {}, says: /found an empty JSON object/ },
    { what: '[]', json: [], says: /found an empty array/ },
    { what: '"x"', json: 'x', says: /found a string \("x"\)/ },
    { what: 'null', json: null, says: /found null/ },
    { what: '{ foo: 1 }', json: { foo: 1 }, says: /found a JSON object with keys foo, which holds no NSG and no route table/ },
    { what: 'many keys', json: Object.fromEntries('abcdefg'.split('').map((key) => [key, 1])), says: /keys a, b, c, d, e and 2 more/ },
    { what: 'a raw state file', json: whatif('terraform-state-nsg.json'), says: /Terraform state file .*terraform show -json PLANFILE/ },
    { what: 'a plan with no NSG', json: noNetwork, says: /in this Terraform plan, found only azurerm_resource_group, azurerm_subnet, azurerm_subnet_network_security_group_association, azurerm_subnet_route_table_association, azurerm_virtual_network; pass/ },
    { what: 'a template with no NSG', json: symbolic, says: /in this ARM template, found only Microsoft\.Network\/virtualNetworks, Microsoft\.Network\/virtualNetworks\/subnets;/ },
    { what: 'an `az network nsg rule list` array', json: whatif('az-nsg-show.json').securityRules, says: /a list of 2 security rules \(what `az network nsg rule list` prints\), not an NSG/ },
    { what: 'a single rule', json: load('arm-examples/2026-01-01__NetworkSecurityGroupRuleGet.json'), says: /a single security rule \("rule1"\), not an NSG/ },
    { what: 'an array of strings', json: ['a', 'b'], says: /an array of 2 items that are not NSGs or route tables \(strings\)/ },
    { what: 'another resource', json: load('arm-examples/2026-01-01__VirtualNetworkGet.json'), says: /an ARM REST example of a Microsoft\.Network\/virtualNetworks/ },
  ];

  it.each(cases)('refuses $what in one line', ({ json, says }) => {
    let error: unknown;
    try {
      readProposalDocument(json, 'proposal.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProposalInputError);
    const { code, message } = error as ProposalInputError;
    expect(code).toBe(ERROR_CODES.PROPOSAL_INPUT);
    expect(message).toMatch(/^proposal\.json: /);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toMatch(says);
  });

  it('names the state file as Terraform state', () => {
    expect(() => read(whatif('terraform-state-nsg.json'))).toThrow(/Terraform state/);
  });
});
