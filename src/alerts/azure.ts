import { INSTANCE_PAGE_PATH } from './annotations.js';
import { alertGroups, annotationsOf, checkRulesOptions, namesInstance } from './render.js';
import type { AlertRule, RuleGroup, RulesOptions, Severity } from './types.js';

/**
 * The same rule groups as an ARM template of `Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01`
 * resources, for Azure Monitor managed Prometheus (deploy/azure/prometheus-rule-groups.json). Pure: no I/O.
 * Azure's limits (Microsoft's REST reference for the resource, and the schema of its converter,
 * az-prom-rules-converter): interval PT1M to PT15M, at most 20 rules a group, an annotation at most 1,024
 * characters, severity 0 (critical) to 4 (verbose).
 */

/**
 * Azure's severities: 0 Critical, 1 Error, 2 Warning, 3 Informational. `critical` is what pages (a dependency APIM
 * cannot use, or a configuration that definitively breaks one): Sev0, the level action groups and ITSM
 * connectors treat as "wake someone"; Sev1 would rank a page with errors that wait for office hours.
 */
export const AZURE_SEVERITY: Record<Severity, number> = { critical: 0, warning: 2, info: 3 };

export const AZURE_MIN_INTERVAL_SECONDS = 60;
export const AZURE_MAX_INTERVAL_SECONDS = 15 * 60;
export const AZURE_MAX_RULES_PER_GROUP = 20;
/** Prometheus's default `evaluation_interval` is 1m: what a group without its own interval gets there. */
const DEFAULT_INTERVAL_SECONDS = 60;

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration ("30s", "1h30m") in seconds. */
export function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
  return parts.reduce((sum, [, count, unit]) => sum + Number(count) * UNITS[unit!]!, 0);
}

/** Whole seconds as an ISO 8601 duration: PT1H30M, PT20M, PT45S. */
export function isoDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`cannot write ${seconds} s as an ISO 8601 duration`);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || seconds === 0 ? `${s}S` : ''}`;
}

/** A group's evaluation interval on Azure, in seconds: its own (or Prometheus's default), held to PT1M-PT15M. */
export function azureIntervalSeconds(group: RuleGroup): number {
  const own = group.interval ? durationSeconds(group.interval) : DEFAULT_INTERVAL_SECONDS;
  return Math.min(AZURE_MAX_INTERVAL_SECONDS, Math.max(AZURE_MIN_INTERVAL_SECONDS, own));
}

/**
 * A rule's `for` on Azure, in seconds. Where Azure's 1-minute floor lengthens the group's interval, the time
 * from the first bad sample to firing (interval + for) is kept as it is on Prometheus: the page group's
 * 15 s + 30 s becomes 60 s + 0, so the page still arrives within 3 minutes of the change (README, "On Azure Monitor").
 */
export function azureForSeconds(rule: AlertRule, group: RuleGroup): number {
  const own = group.interval ? durationSeconds(group.interval) : DEFAULT_INTERVAL_SECONDS;
  const interval = azureIntervalSeconds(group);
  return Math.max(0, durationSeconds(rule.for) + own - interval);
}

/** Groups of more than 20 rules split in order: `name`, `name-2`, `name-3`, ... */
export function azureGroups(groups: readonly RuleGroup[]): RuleGroup[] {
  return groups.flatMap((group) => {
    const parts: RuleGroup[] = [];
    for (let start = 0; start < group.rules.length; start += AZURE_MAX_RULES_PER_GROUP) {
      const name = start === 0 ? group.name : `${group.name}-${start / AZURE_MAX_RULES_PER_GROUP + 1}`;
      parts.push({ ...group, name, rules: group.rules.slice(start, start + AZURE_MAX_RULES_PER_GROUP) });
    }
    return parts;
  });
}

/** A literal string that ARM must not read as an expression: a leading `[` is written `[[`. */
const literal = (text: string): string => (text.startsWith('[') ? `[${text}` : text);

/** ARM's optional properties: `null()` makes ARM leave the property out (MicrosoftDocs/azure-docs#47401). */
const CLUSTER_NAME = "[if(empty(parameters('clusterName')), null(), parameters('clusterName'))]";
const INSTANCE_PAGE_URL = `if(empty(parameters('statusPageUrl')), null(), concat(parameters('statusPageUrl'), '${INSTANCE_PAGE_PATH}'))`;

/** A string inside an ARM expression: quoted, its own quotes doubled. */
const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** `createObject('k', 'v', ...)` of literal strings, and of expressions given as `{ expression }`. */
function createObject(entries: ReadonlyArray<[string, string | { expression: string }]>): string {
  return `createObject(${entries.map(([key, value]) => `${quoted(key)}, ${typeof value === 'string' ? quoted(value) : value.expression}`).join(', ')})`;
}

/**
 * A rule's labels and annotations, with the deployment's own (the parameters `additionalLabels`,
 * `additionalAnnotations`, as kube-prometheus-stack's chart takes them) merged under them: the rule's keys win.
 */
function withAdditional(parameter: string, own: ReadonlyArray<[string, string | { expression: string }]>): string {
  return `[union(parameters('${parameter}'), ${createObject(own)})]`;
}

function azureRule(rule: AlertRule, group: RuleGroup, options: RulesOptions): Record<string, unknown> {
  const annotations: Array<[string, string | { expression: string }]> = Object.entries(annotationsOf(rule, { ...options, statusPageUrl: '' }));
  if (namesInstance(rule)) annotations.push(['instance_page_url', { expression: INSTANCE_PAGE_URL }]);
  const forSeconds = azureForSeconds(rule, group);
  return {
    alert: rule.alert,
    // `disabledAlerts` (as the chart's alerts.disabled): the rule is deployed, switched off.
    enabled: `[not(contains(parameters('disabledAlerts'), ${quoted(rule.alert)}))]`,
    expression: literal(rule.expr),
    ...(forSeconds > 0 ? { for: isoDuration(forSeconds) } : {}),
    severity: AZURE_SEVERITY[rule.severity],
    labels: withAdditional('additionalLabels', [['severity', rule.severity]]),
    annotations: withAdditional('additionalAnnotations', annotations),
    // As Microsoft's converter and its recommended alerts: resolved after 10 minutes of health.
    resolveConfiguration: { autoResolved: true, timeToResolve: 'PT10M' },
    actions: "[variables('actions')]",
  };
}

function azureResource(group: RuleGroup, options: RulesOptions): Record<string, unknown> {
  return {
    type: 'Microsoft.AlertsManagement/prometheusRuleGroups',
    apiVersion: '2023-03-01',
    // One set per cluster in a resource group: Microsoft's templates suffix the cluster's name too.
    name: `[concat('${group.name}', variables('nameSuffix'))]`,
    location: "[parameters('location')]",
    properties: {
      description: `apim-netwatch alert rules (${group.name}), generated from src/alerts`,
      scopes: ["[parameters('azureMonitorWorkspaceResourceId')]"],
      clusterName: CLUSTER_NAME,
      enabled: true,
      interval: isoDuration(azureIntervalSeconds(group)),
      rules: group.rules.map((rule) => azureRule(rule, group, options)),
    },
  };
}

const PARAMETERS = (options: RulesOptions) => ({
  azureMonitorWorkspaceResourceId: { type: 'string', metadata: { description: 'Resource ID of the Azure Monitor workspace whose series the rules read (/subscriptions/.../providers/Microsoft.Monitor/accounts/NAME).' } },
  location: { type: 'string', defaultValue: '[resourceGroup().location]', metadata: { description: 'Where the rule groups live: the Azure Monitor workspace\'s region.' } },
  clusterName: { type: 'string', defaultValue: '', metadata: { description: 'The AKS cluster whose series the rules read (its `cluster` label); empty: every series in the workspace.' } },
  actionGroupResourceId: { type: 'string', defaultValue: '', metadata: { description: 'Resource ID of the action group notified when an alert fires; empty: none (alerts show in Azure Monitor only).' } },
  statusPageUrl: {
    type: 'string',
    defaultValue: options.statusPageUrl ?? '',
    // Keeps instance_page_url under Azure's 1,024-character cap on an annotation.
    maxLength: 512,
    metadata: { description: "apim-netwatch's status pages as people reach them, without a trailing slash (https://netwatch.example.com); instance alerts link their instance page. Empty: no link." },
  },
  disabledAlerts: { type: 'array', defaultValue: [], metadata: { description: 'Names of alerts to deploy switched off (ApimNetworkConfigDrift, ...), as the Helm chart\'s alerts.disabled.' } },
  additionalLabels: { type: 'object', defaultValue: {}, metadata: { description: "Labels added to every alert (team, service, ...); a rule's own labels win." } },
  additionalAnnotations: { type: 'object', defaultValue: {}, metadata: { description: "Annotations added to every alert (runbook_url, ...); a rule's own annotations win." } },
});

/** The ARM template, as written to deploy/azure/prometheus-rule-groups.json. */
export function renderAzureRuleGroups(options: RulesOptions): string {
  checkRulesOptions(options);
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: { description: 'apim-netwatch alert rules for Azure Monitor managed Prometheus. Generated by scripts/build-alerts.ts from src/alerts: edit those, then run npm run build:alerts.' },
    parameters: PARAMETERS(options),
    variables: {
      actions: "[if(empty(parameters('actionGroupResourceId')), createArray(), createArray(createObject('actionGroupId', parameters('actionGroupResourceId'))))]",
      nameSuffix: "[if(empty(parameters('clusterName')), '', concat('-', parameters('clusterName')))]",
    },
    resources: azureGroups(alertGroups(options)).map((group) => azureResource(group, options)),
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}
