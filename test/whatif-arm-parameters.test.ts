import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';
import { evaluateProposal } from '../src/cli/whatif.js';
import type { WhatifOptions } from '../src/cli/whatif-types.js';
import { runCli } from './helpers/processes.js';

/**
 * `whatif --parameters`, as `az deployment group create --parameters` takes them: files, `@FILE`, `NAME=VALUE`
 * read by the declared type, a JSON object; later ones win. Every mistake is a usage error: one line with
 * NETWATCH_WHATIF_INPUT that names the argument and the fix, exit 2 (never 1, which means blocked).
 */

const INPUTS = 'test/fixtures/whatif-inputs';
const AVM = `${INPUTS}/avm-nsg-main.json`;
const dir = mkdtempSync(join(tmpdir(), 'netwatch-whatif-parameters-'));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const judge = (options: Partial<WhatifOptions>) => evaluateProposal({ nsg: AVM, vnetType: 'external', platform: 'stv2', output: 'json', location: 'westeurope', ...options });

describe('--parameters mistakes are refused, naming the argument and the fix', () => {
  const parametersFile = (parameters: unknown) => JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#', contentVersion: '1.0.0.0', parameters });
  it.each<[string, () => Partial<WhatifOptions>, RegExp]>([
    ['a parameter the template does not declare (Azure refuses it too)', () => ({ parameters: ['nsgName=x'] }), /^--parameters nsgName=\.\.\.: the template .*avm-nsg-main\.json declares no parameter "nsgName" \(it declares name, location, securityRules, flushConnection, .*\); Azure refuses undeclared parameters too/],
    ['one in a file', () => ({ parameters: [file('typo.json', parametersFile({ securityRule: { value: [] } }))] }), /^parameters file .*typo\.json: the template .* declares no parameter "securityRule"/],
    ['an array that is not JSON', () => ({ parameters: ['securityRules=[{name: x}]'] }), /^--parameters securityRules=\[\{name: x\}\]: parameter "securityRules" is declared array, so its value must be a JSON array$/],
    ['a bool that is not true or false', () => ({ parameters: ['flushConnection=yes'] }), /parameter "flushConnection" is declared bool, so its value must be true or false/],
    ['a value of the wrong type in a file', () => ({ parameters: [file('wrong-type.json', parametersFile({ name: { value: 5 } }))] }), /parameter "name" is declared string, so its value must be a string, not 5/],
    ['a file that does not exist', () => ({ parameters: ['missing.parameters.json'] }), /^--parameters missing\.parameters\.json: cannot read the parameters file missing\.parameters\.json \(ENOENT\); pass NAME=VALUE/],
    ['@ a file that does not exist', () => ({ parameters: ['@nowhere'] }), /^--parameters @nowhere: cannot read the parameters file nowhere \(ENOENT\)/],
    ['neither NAME=VALUE nor a file', () => ({ parameters: ['securityRules'] }), /^--parameters securityRules: expected NAME=VALUE, an ARM deployment parameters file \(FILE or @FILE\), or a JSON object of parameters; it has no "=" and no such file exists$/],
    ['a file that is not JSON', () => ({ parameters: [file('broken.json', '{ "parameters": { "name": ')] }), /^--parameters .*broken\.json: the parameters file .*broken\.json is not JSON \(/],
    ['an entry with neither value nor reference', () => ({ parameters: [file('no-value.json', parametersFile({ name: 'nsg-a' }))] }), /parameter "name" has neither "value" nor "reference"; write it as "name": \{ "value": \.\.\. \}/],
    ['a template passed as parameters', () => ({ parameters: [AVM] }), /this is an ARM template, not a parameters file; pass it with --nsg/],
    ['a .bicepparam file', () => ({ parameters: [file('main.bicepparam', "using 'main.bicep'\nparam name = 'x'\n")] }), /az bicep build-params --file FILE --outfile params\.json/],
    ['inline JSON that is not JSON', () => ({ parameters: ['{"name": '] }), /^--parameters \{"name": : is not JSON/],
    ['--parameters with a file that is no template', () => ({ nsg: `${INPUTS}/az-nsg-show.json`, parameters: ['name=x'] }), /^--parameters applies to an ARM template; .*az-nsg-show\.json is not one/],
  ])('%s', (_, options, message) => {
    let thrown: unknown;
    try {
      judge(options());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: ERROR_CODES.WHATIF_INPUT });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toMatch(/\n/);
  });

  it('end to end: exit 2, nothing on stdout, one line on stderr with the code', async () => {
    for (const args of [['--parameters', 'nsgName=x'], ['--parameters', 'name=a', 'flushConnection=maybe']]) {
      const result = await runCli(['whatif', '--nsg', AVM, ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/\[NETWATCH_WHATIF_INPUT\]$/m);
    }
  });
});

describe('--parameters values that are not mistakes', () => {
  it('a JSON object of parameters, and a file without the deployment envelope, as az reads them', () => {
    const inline = judge({ parameters: ['{"name": {"value": "nsg-inline"}, "securityRules": {"value": []}}'] });
    expect(inline.results[0]!.nsg.name).toBe('nsg-inline');
    const bare = judge({ parameters: [file('bare.json', JSON.stringify({ name: { value: 'nsg-bare' } }))] });
    expect(bare.results[0]!.nsg.name).toBe('nsg-bare');
  });

  it('a Key Vault reference is not read: what depends on it is unknown, and it says why', () => {
    const keyVault = { reference: { keyVault: { id: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv' }, secretName: 'rules' } };
    const result = judge({ parameters: ['name=nsg-kv', file('kv.json', JSON.stringify({ parameters: { securityRules: keyVault } }))] });
    expect(result.results[0]!.flows.find((flow) => flow.peer === 'ApiManagement')).toMatchObject({ verdict: 'unknown' });
    expect(result.results[0]!.invalidRules[0]!.problems[0]).toMatch(/parameter "securityRules" \(parameters file .*kv\.json\) is a Key Vault reference, which whatif does not read/);
  });

  it('parameter names are matched case-insensitively, as ARM does, and the last value given wins', () => {
    const result = judge({ parameters: ['NAME=first', 'Name=second', 'securityRules=[]'] });
    expect(result.results[0]!.nsg.name).toBe('second');
  });

  it('a route table template that needs parameters: refused when asked for by --route-table, judged once they are given', () => {
    const routeTemplate = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { routes: { type: 'array' } },
      resources: [{ type: 'Microsoft.Network/routeTables', apiVersion: '2024-05-01', name: 'rt-apim', location: 'westeurope', properties: { routes: "[parameters('routes')]" } }],
    };
    const routeFile = file('rt.json', JSON.stringify(routeTemplate));
    const base = { parameters: ['name=nsg-rt', 'securityRules=[]'], routeTable: routeFile };
    expect(() => judge(base)).toThrow(/^route table "rt-apim" in .*rt\.json has values that cannot be evaluated \(routes: .*parameter "routes" has no value.*\); give the parameters it needs with --parameters$/);
    const forced = [{ name: 'default', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' } }];
    const judged = judge({ ...base, parameters: [...base.parameters, `routes=${JSON.stringify(forced)}`] });
    expect(judged.results[0]!.routes?.routeTable).toBe('rt-apim');
    expect(judged.results[0]!.blocking.some((line) => line.startsWith('route default sends'))).toBe(true);
  });
});
