import { describe, expect, it } from 'vitest';
import { evaluateString } from '../src/azure/proposal-input/arm-expression.js';
import { parseExpression } from '../src/azure/proposal-input/arm-expression-parser.js';
import { TemplateScope, type GivenParameter } from '../src/azure/proposal-input/arm-scope.js';
import { withoutComments } from '../src/cli/whatif-jsonc.js';

/**
 * The ARM expression evaluator behind `whatif` on templates: what it resolves (as ARM would at deployment)
 * and what it refuses, with a reason that names the expression. A wrong value here would be a wrong verdict.
 */

const TEMPLATE = {
  parameters: {
    prefix: { type: 'string', defaultValue: 'apim' },
    env: { type: 'string' },
    rules: { type: 'array', defaultValue: [{ name: 'AllowManagement', properties: { priority: 120 } }] },
    location: { type: 'string', defaultValue: '[resourceGroup().location]' },
    derived: { type: 'string', defaultValue: "[format('{0}-nsg', parameters('prefix'))]" },
    settings: { type: 'object', defaultValue: { ports: { list: [443, 3443] }, Mixed: 'x' } },
    optionalRules: { type: 'array', nullable: true },
    secret: { type: 'securestring' },
  },
  variables: {
    nsgName: "[concat(parameters('prefix'), '-', 'nsg')]",
    selfRef: "[variables('selfRef')]",
    copy: [{ name: 'ports', count: 3, input: "[format('port-{0}', copyIndex('ports', 1))]" }],
  },
};

function scope(given: Record<string, GivenParameter> = {}) {
  return TemplateScope.of(TEMPLATE, { given: new Map(Object.entries(given)), howToGive: 'none was given with --parameters' });
}

const evaluate = (text: string, given: Record<string, GivenParameter> = {}) => evaluateString(text, scope(given));

describe('ARM expressions that resolve', () => {
  it.each<[string, unknown]>([
    ['plain text', 'plain text'],
    ['[[not an expression]', '[not an expression]'],
    ["[parameters('prefix')]", 'apim'],
    ["[PARAMETERS('Prefix')]", 'apim'],
    ["[variables('nsgName')]", 'apim-nsg'],
    ["[parameters('derived')]", 'apim-nsg'],
    ["[format('{0}-{1}', 'a', 'b')]", 'a-b'],
    ["[format('{{{0}}}', 'x')]", '{x}'],
    ["[concat('it''s', ' ', 'ok')]", "it's ok"],
    ['[concat(createArray(1, 2), createArray(3))]', [1, 2, 3]],
    ["[parameters('settings').ports.list[1]]", 3443],
    ["[parameters('settings').mixed]", 'x'],
    ["[parameters('settings')['ports'].list[0]]", 443],
    ["[length(parameters('rules'))]", 1],
    ["[parameters('rules')[0].properties.priority]", 120],
    ["[tryGet(parameters('settings'), 'missing')]", null],
    ["[coalesce(tryGet(parameters('settings'), 'missing'), 'fallback')]", 'fallback'],
    // Only the branch taken is evaluated, as in ARM: resourceGroup() in the other one does not matter.
    ["[if(equals(parameters('prefix'), 'apim'), 'yes', resourceGroup().location)]", 'yes'],
    ['[and(true(), not(false()), or(false(), true()))]', true],
    ['[empty(createArray())]', true],
    ["[contains(parameters('settings'), 'MIXED')]", true],
    ["[createObject('k', 1).k]", 1],
    ["[map(createArray('a', 'b'), lambda('x', toUpper(lambdaVariables('x'))))]", ['A', 'B']],
    ["[variables('ports')]", ['port-1', 'port-2', 'port-3']],
    ["[int('42')]", 42],
    ['[string(7)]', '7'],
    ["[replace('a-b', '-', '_')]", 'a_b'],
    ["[ toLower( 'ABC' ) ]", 'abc'],
  ])('%s', (text, expected) => {
    expect(evaluate(text)).toEqual({ resolved: true, value: expected });
  });

  it('a value given for a parameter wins over its default; null falls back to the default unless the parameter is nullable', () => {
    expect(evaluate("[variables('nsgName')]", { prefix: { value: 'contoso', source: 'test' } })).toEqual({ resolved: true, value: 'contoso-nsg' });
    const nulled = scope({ prefix: { value: null, source: 'parameters file p.json' } });
    expect(evaluateString("[parameters('prefix')]", nulled)).toEqual({ resolved: true, value: 'apim' });
    expect(nulled.notes).toEqual([expect.stringContaining('parameter "prefix" is null (parameters file p.json); its defaultValue is used')]);
    expect(evaluate("[coalesce(parameters('optionalRules'), createArray())]", { optionalRules: { value: null, source: 'test' } })).toEqual({ resolved: true, value: [] });
  });
});

describe('ARM expressions that cannot be evaluated: unresolved, with a reason naming the expression', () => {
  it.each<[string, RegExp]>([
    ["[parameters('env')]", /parameter "env" has no value \(no defaultValue, and none was given with --parameters\)/],
    // A nullable parameter nobody gave is not guessed as null: the user may have forgotten the parameters file.
    ["[coalesce(parameters('optionalRules'), createArray())]", /parameter "optionalRules" has no value/],
    ["[parameters('location')]", /its defaultValue "\[resourceGroup\(\)\.location\]" cannot be evaluated: resourceGroup\(\) needs the deployment itself/],
    ["[uniqueString('a')]", /uniqueString\(\) needs the deployment itself/],
    ["[listKeys('id', '2020-01-01')]", /listKeys\(\) needs the deployment itself/],
    ["[parameters('nope')]", /the template declares no parameter "nope"/],
    ["[variables('selfRef')]", /depends on itself/],
    ["[parameters('settings').missing]", /the object has no property "missing"/],
    ["[parameters('rules')[5]]", /index the integer 5 is outside the array of 1/],
    ['[copyIndex()]', /copyIndex\(\) is outside a resource copy loop/],
    ["[copyIndex('rules')]", /copyIndex\('rules'\) is outside the copy loop "rules"/],
    ["[concat('a', createArray())]", /all arrays or all strings/],
    ["[format('{0:N2}', 1)]", /alignment or a format string/],
    ['[contoso.buildName()]', /user-defined function/],
    ["[base64('x')]", /base64\(\) is not one of the functions whatif evaluates/],
    ["[if(parameters('env'), 'a', 'b')]", /parameter "env" has no value/],
    ["[if('yes', 'a', 'b')]", /the if\(\) condition must be a boolean, not the string 'yes'/],
    ["[concat('a']", /is not a valid ARM expression \(expected "\)"/],
    ["[concat('a)]", /is not a valid ARM expression \(a string is not closed/],
    ["[parameters('prefix') parameters('prefix')]", /unexpected text after the expression/],
  ])('%s', (text, reason) => {
    const result = evaluate(text);
    expect(result.resolved).toBe(false);
    if (result.resolved) return;
    expect(result.reason.startsWith(`"${text}" `)).toBe(true);
    expect(result.reason).toMatch(reason);
  });

  it('a Key Vault reference given for a parameter is unknown, never read as a value', () => {
    const result = evaluate("[parameters('secret')]", { secret: { unresolved: 'is a Key Vault reference, which whatif does not read', source: 'parameters file p.json' } });
    expect(result).toEqual({ resolved: false, reason: expect.stringContaining('parameter "secret" (parameters file p.json) is a Key Vault reference') });
  });

  it('remembers which parameters were read without a value, for the note that says how to give them', () => {
    const template = scope();
    evaluateString("[concat(parameters('env'), parameters('prefix'))]", template);
    evaluateString("[parameters('env')]", template);
    expect(template.missingParameters).toEqual(['env']);
  });
});

describe('the expression parser', () => {
  it('parses calls, strings with doubled quotes, integers, property access and indexes into a tree', () => {
    expect(parseExpression("concat(parameters('a').b[0], 'it''s', -1)")).toEqual({
      kind: 'call',
      name: 'concat',
      args: [
        { kind: 'index', target: { kind: 'property', target: { kind: 'call', name: 'parameters', args: [{ kind: 'string', value: 'a' }] }, name: 'b' }, index: { kind: 'integer', value: 0 } },
        { kind: 'string', value: "it's" },
        { kind: 'integer', value: -1 },
      ],
    });
  });
});

describe('JSON with comments (az reads templates and parameters files with them)', () => {
  it.each([
    ['{\n  // Required parameters\n  "a": 1\n}', { a: 1 }],
    ['{ "url": "https://schema.management.azure.com/x.json#", /* block */ "b": "//not a comment" }', { url: 'https://schema.management.azure.com/x.json#', b: '//not a comment' }],
    ['{ "quote": "a \\" // b" }', { quote: 'a " // b' }],
  ])('%s', (text, expected) => {
    expect(JSON.parse(withoutComments(text))).toEqual(expected);
  });
});
