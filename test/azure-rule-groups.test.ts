import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AZURE_RULES_FILE, ROOT, RULES_FILE } from '../scripts/build-alerts.js';
import { azureForSeconds, azureGroups, azureIntervalSeconds, durationSeconds } from '../src/alerts/azure.js';
import { alertGroups, AZURE_SEVERITY, DEFAULT_RULES_OPTIONS, renderAzureRuleGroups, renderRules, type AlertRule } from '../src/alerts/rules.js';
import { resolvedName, resolvedProperties, resolvedText } from '../src/azure/proposal-input/arm-instances.js';
import { TemplateScope } from '../src/azure/proposal-input/arm-scope.js';
import type { Json } from '../src/azure/proposal-input/json.js';

/**
 * The rules on Azure Monitor managed Prometheus: Microsoft's converter (vendored in third_party/, MIT) accepts the
 * shipped Prometheus file as it is, and every resource of the shipped ARM template, as ARM sends it, is valid
 * against the converter's schema of prometheusRuleGroups@2023-03-01, with every alert and its severity.
 */

const CONVERTER = join(ROOT, 'third_party/az-prom-rules-converter/src');
type Validator = ((data: unknown) => boolean) & { errors?: unknown };
type Flow = (yaml: string, options: Record<string, unknown>) => { success: boolean; output?: { resources: unknown[] }; error?: unknown };
let convert: Flow;
let validateRuleGroup: Validator;

const WORKSPACE = '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourceGroups/rg-monitoring/providers/Microsoft.Monitor/accounts/amw-prod';
const ACTION_GROUP = '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourceGroups/rg-monitoring/providers/microsoft.insights/actionGroups/ag-oncall';
const ANNOTATION_CAP = 1024;

const template = () => JSON.parse(readFileSync(join(ROOT, AZURE_RULES_FILE), 'utf8')) as Json & { resources: Json[]; parameters: Record<string, Json> };

/** ARM leaves a property whose value is null out of the request (MicrosoftDocs/azure-docs#47401). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, withoutNulls(item)]));
  return value;
}

/** Each resource as ARM would PUT it for these parameter values: expressions evaluated, nulls left out. */
function deployed(parameters: Record<string, unknown>): Array<Record<string, unknown> & { name: string; properties: { rules: Array<Record<string, unknown>> } & Record<string, unknown> }> {
  const given = new Map(Object.entries(parameters).map(([name, value]) => [name, { value, source: 'test' }]));
  const scope = TemplateScope.of(template(), { given, howToGive: 'the test gives none' });
  return template().resources.map((resource) => {
    const { properties, unresolved } = resolvedProperties(resource, scope);
    expect(unresolved, JSON.stringify(unresolved)).toEqual([]);
    const name = resolvedName(resource.name, scope);
    expect(name.reason).toBeUndefined();
    return withoutNulls({ type: resource.type, apiVersion: resource.apiVersion, name: name.name, location: resolvedText(resource.location, scope), properties }) as never;
  });
}

const shippedAlerts = (): AlertRule[] => alertGroups(DEFAULT_RULES_OPTIONS).flatMap((group) => group.rules);

beforeAll(async () => {
  // A path in a variable: tsc does not follow it into the vendored CommonJS-style sources; vitest transforms them.
  const load = async (path: string) => ((await import(/* @vite-ignore */ join(CONVERTER, path))) as { default: unknown }).default;
  convert = (await load('index.ts')) as Flow;
  validateRuleGroup = (await load('steps/validations/validate-azure-prom-schema.ts')) as Validator;
});

describe("Microsoft's az-prom-rules-converter", () => {
  const options = { azureMonitorWorkspace: WORKSPACE, clusterName: 'aks-prod', actionGroupId: ACTION_GROUP, location: 'westeurope' };

  it('accepts deploy/prometheus/apim-netwatch.rules.yml as shipped, without --skip-validation', () => {
    const result = convert(readFileSync(join(ROOT, RULES_FILE), 'utf8'), options);
    expect(result.success, JSON.stringify(result.error, null, 2)?.slice(0, 2000)).toBe(true);
    // Its own check stops after the first group (validate-arm-template.ts): every group is checked here.
    for (const resource of result.output!.resources) expect(validateRuleGroup(resource), JSON.stringify(validateRuleGroup.errors)).toBe(true);
    expect(result.output!.resources).toHaveLength(alertGroups(DEFAULT_RULES_OPTIONS).length);
  });

  it('still refuses an annotation over 1,024 characters (the check bites)', () => {
    const long = renderRules(DEFAULT_RULES_OPTIONS).replace(/summary: .*/, `summary: ${'x'.repeat(ANNOTATION_CAP + 1)}`);
    const result = convert(long, options);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).toContain('must NOT have more than 1024 characters');
  });
});

describe('deploy/azure/prometheus-rule-groups.json', () => {
  const full = { azureMonitorWorkspaceResourceId: WORKSPACE, location: 'westeurope', clusterName: 'aks-prod', actionGroupResourceId: ACTION_GROUP, statusPageUrl: `https://${'n'.repeat(480)}.example.com` };
  const bare = { azureMonitorWorkspaceResourceId: WORKSPACE, location: 'westeurope' };

  it('is an ARM template of prometheusRuleGroups@2023-03-01 with the workspace, location, cluster and action group as parameters', () => {
    const arm = template();
    expect(arm.$schema).toBe('https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#');
    expect(arm.contentVersion).toBe('1.0.0.0');
    expect(Object.keys(arm.parameters)).toEqual(['azureMonitorWorkspaceResourceId', 'location', 'clusterName', 'actionGroupResourceId', 'statusPageUrl', 'disabledAlerts', 'additionalLabels', 'additionalAnnotations']);
    expect(arm.parameters.azureMonitorWorkspaceResourceId!.defaultValue).toBeUndefined();
    for (const resource of arm.resources) expect([resource.type, resource.apiVersion]).toEqual(['Microsoft.AlertsManagement/prometheusRuleGroups', '2023-03-01']);
  });

  it("every resource, as ARM sends it, is valid against Microsoft's schema: with every parameter, and with only the required ones", () => {
    for (const parameters of [full, bare]) {
      for (const resource of deployed(parameters)) expect(validateRuleGroup(resource), `${resource.name}: ${JSON.stringify(validateRuleGroup.errors)}`).toBe(true);
    }
  });

  it('optional parameters: an empty cluster name sets no clusterName, an empty action group no actions, an empty status page URL no link', () => {
    const withAll = deployed(full);
    const withNone = deployed(bare);
    expect(withAll.map((resource) => resource.name)).toContain('apim-network-configuration-page-aks-prod');
    expect(withNone.map((resource) => resource.name)).toContain('apim-network-configuration-page');
    for (const resource of withAll) {
      expect(resource.properties.clusterName).toBe('aks-prod');
      expect(resource.properties.scopes).toEqual([WORKSPACE]);
      for (const rule of resource.properties.rules) expect(rule.actions).toEqual([{ actionGroupId: ACTION_GROUP }]);
    }
    for (const resource of withNone) {
      expect('clusterName' in resource.properties).toBe(false);
      for (const rule of resource.properties.rules) {
        expect(rule.actions).toEqual([]);
        expect(Object.keys(rule.annotations as object)).not.toContain('instance_page_url');
      }
    }
    const page = withAll.flatMap((resource) => resource.properties.rules).find((rule) => rule.alert === 'ApimNetworkRequiredFlowDenied')!;
    expect((page.annotations as Record<string, string>).instance_page_url).toBe(`${full.statusPageUrl}/instances/{{ $labels.subscription_id }}/{{ $labels.resource_group }}/{{ $labels.apim_service }}`);
  });

  it('holds every shipped alert once, with its mapped severity (critical 0, warning 2, info 3), labels and annotations', () => {
    const rules = deployed(full).flatMap((resource) => resource.properties.rules);
    expect(rules.map((rule) => rule.alert).sort()).toEqual(shippedAlerts().map((rule) => rule.alert).sort());
    expect(AZURE_SEVERITY).toEqual({ critical: 0, warning: 2, info: 3 });
    for (const alert of shippedAlerts()) {
      const rule = rules.find((candidate) => candidate.alert === alert.alert)!;
      expect(rule.severity, alert.alert).toBe(AZURE_SEVERITY[alert.severity]);
      expect(rule.labels, alert.alert).toEqual({ severity: alert.severity });
      expect(rule.expression, alert.alert).toBe(alert.expr);
      expect(rule.enabled).toBe(true);
      expect(rule.annotations, alert.alert).toMatchObject({ summary: alert.summary, description: alert.description });
    }
    expect(rules.filter((rule) => rule.severity === 0).map((rule) => rule.alert).sort()).toEqual(['ApimNetworkDependencyDown', 'ApimNetworkRequiredFlowDenied']);
  });

  it('intervals between PT1M and PT15M, at most 20 rules a group, `for` in ISO 8601', () => {
    for (const resource of deployed(full)) {
      expect(['PT1M', 'PT2M', 'PT5M', 'PT10M', 'PT15M']).toContain(resource.properties.interval);
      expect(resource.properties.rules.length).toBeGreaterThan(0);
      expect(resource.properties.rules.length).toBeLessThanOrEqual(20);
      for (const rule of resource.properties.rules) if (rule.for !== undefined) expect(rule.for).toMatch(/^PT(\d+H)?(\d+M)?(\d+S)?$/);
    }
  });

  it('a group of more than 20 rules is split in order', () => {
    const rule = shippedAlerts()[0]!;
    const big = { name: 'big', rules: Array.from({ length: 45 }, (_, i) => ({ ...rule, alert: `Rule${i}` })) };
    const split = azureGroups([big]);
    expect(split.map((group) => [group.name, group.rules.length])).toEqual([['big', 20], ['big-2', 20], ['big-3', 5]]);
    expect(split.flatMap((group) => group.rules.map((r) => r.alert))).toEqual(big.rules.map((r) => r.alert));
  });
});

describe('timing on Azure: the configuration page within 3 minutes', () => {
  it('the 15 s page group runs every PT1M with no `for`: first bad sample to firing stays within its Prometheus 45 s + the 15 s Azure adds', () => {
    const groups = alertGroups(DEFAULT_RULES_OPTIONS);
    const pageGroup = groups.find((group) => group.rules.some((rule) => rule.alert === 'ApimNetworkRequiredFlowDenied'))!;
    const page = pageGroup.rules[0]!;
    expect(durationSeconds(pageGroup.interval!)).toBe(15);
    expect(azureIntervalSeconds(pageGroup)).toBe(60);
    expect(azureForSeconds(page, pageGroup)).toBe(0);
    const rule = deployed({ azureMonitorWorkspaceResourceId: WORKSPACE, location: 'westeurope' }).flatMap((resource) => resource.properties.rules).find((candidate) => candidate.alert === page.alert)!;
    expect(rule.for).toBeUndefined();
    // The budget the README states: watch 60 s after Resource Graph shows the write (95% within 30 s), scrape 30 s, evaluation 60 s, for 0.
    const [resourceGraph, watch, scrape, evaluation] = [30, 60, 30, azureIntervalSeconds(pageGroup)];
    expect(resourceGraph + watch + scrape + evaluation + azureForSeconds(page, pageGroup)).toBeLessThanOrEqual(180);
    // Groups already at 1 minute or more keep their `for`.
    for (const group of groups.filter((candidate) => candidate !== pageGroup)) for (const alert of group.rules) expect(azureForSeconds(alert, group)).toBe(durationSeconds(alert.for));
  });
});

describe('alert text that survives every ruler', () => {
  it('every annotation is at most 1,024 characters, in the Prometheus file and in the ARM template', () => {
    const prometheus = (parse(renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: `https://${'n'.repeat(480)}.example.com` })) as { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }> }).groups.flatMap((group) => group.rules);
    const azure = deployed({ azureMonitorWorkspaceResourceId: WORKSPACE, location: 'westeurope', statusPageUrl: `https://${'n'.repeat(490)}.example.com` }).flatMap((resource) => resource.properties.rules);
    for (const rule of [...prometheus, ...azure] as Array<{ alert: string; annotations: Record<string, string> }>) {
      for (const [key, text] of Object.entries(rule.annotations)) expect(text.length, `${rule.alert} ${key}`).toBeLessThanOrEqual(ANNOTATION_CAP);
    }
    expect(template().parameters.statusPageUrl!.maxLength).toBe(512);
  });

  it('no annotation runs a `query`: the facts come from the alert\'s own labels or the instance page', () => {
    const texts = shippedAlerts().flatMap((rule) => [rule.summary, rule.description]);
    for (const text of [...texts, renderRules(DEFAULT_RULES_OPTIONS), renderAzureRuleGroups(DEFAULT_RULES_OPTIONS)]) expect(text).not.toMatch(/\bquery\b|sortByLabel|\.Labels\./);
    // The deciding rule is a label of the flow alerts (bounded: the exporter cuts values at 256 characters).
    for (const name of ['ApimNetworkRequiredFlowDenied', 'ApimNetworkRequiredFlowBlocked', 'ApimNetworkRequiredFlowUnknown']) {
      const rule = shippedAlerts().find((candidate) => candidate.alert === name)!;
      expect(rule.expr.match(/\bby \(([^)]*)\)/)![1]).toContain('decided_by');
      expect(rule.description).toContain('{{ $labels.decided_by }}');
    }
    const page = shippedAlerts().find((rule) => rule.alert === 'ApimNetworkRequiredFlowDenied')!;
    expect(page.description).toContain('/instances/{{ $labels.subscription_id }}/{{ $labels.resource_group }}/{{ $labels.apim_service }}');
  });

  it("the chart's overrides, as parameters: disabledAlerts deploys those rules switched off, additionalLabels and additionalAnnotations are added under the rule's own", () => {
    const rules = deployed({
      azureMonitorWorkspaceResourceId: WORKSPACE,
      location: 'westeurope',
      disabledAlerts: ['ApimNetworkConfigDrift', 'ApimNetwatchArmRateLimitLow'],
      additionalLabels: { team: 'netops', severity: 'overridden?' },
      additionalAnnotations: { team_channel: "https://chat.example.com/netops's-room", summary: 'overridden?' },
    }).flatMap((resource) => resource.properties.rules);
    expect(rules.filter((rule) => rule.enabled === false).map((rule) => rule.alert).sort()).toEqual(['ApimNetwatchArmRateLimitLow', 'ApimNetworkConfigDrift']);
    for (const alert of shippedAlerts()) {
      const rule = rules.find((candidate) => candidate.alert === alert.alert)!;
      expect(rule.labels, alert.alert).toEqual({ team: 'netops', severity: alert.severity });
      expect(rule.annotations, alert.alert).toMatchObject({ team_channel: "https://chat.example.com/netops's-room", summary: alert.summary, description: alert.description });
    }
  });

  it('statusPageUrl links instance alerts in the Prometheus file; a trailing slash or a quote is refused', () => {
    const linked = parse(renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: 'https://netwatch.example.com' })) as { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }> };
    const rules = linked.groups.flatMap((group) => group.rules);
    expect(rules.find((rule) => rule.alert === 'ApimNetworkDependencyDown')!.annotations.instance_page_url).toBe('https://netwatch.example.com/instances/{{ $labels.subscription_id }}/{{ $labels.resource_group }}/{{ $labels.apim_service }}');
    expect(rules.find((rule) => rule.alert === 'ApimNetwatchAbsent')!.annotations.instance_page_url).toBeUndefined();
    expect(() => renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: 'https://netwatch.example.com/' })).toThrow(/statusPageUrl/);
    expect(() => renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: 'https://x"y' })).toThrow(/statusPageUrl/);
  });
});
