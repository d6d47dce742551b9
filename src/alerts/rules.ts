/**
 * The Prometheus alerting rules of apim-netwatch, as data: one source for the shipped rules file
 * (deploy/prometheus), the Helm chart's copy and the tests. Pure: no I/O.
 *
 * Conventions (monitoring-mixins): CamelCase names prefixed ApimNetwork (the fleet) or ApimNetwatch (the
 * monitor itself), a `severity` label, annotations summary / description / runbook_url.
 *
 * Every expression aggregates with `min by` / `max by` over the metric's own labels. That removes the
 * labels Prometheus adds per scrape target (instance, pod, job, namespace, ...), so two replicas of the
 * monitor scraping the same fleet raise one alert, not two. "Bad" wins: `min` of an up-style gauge and
 * `max` of a flag, so a replica that still sees a problem is never hidden by one that does not.
 *
 * The entry point of src/alerts/: the building blocks are in promql.ts and annotations.ts, one rule group
 * per *-rules.ts file, the options and the rendering in render.ts (Prometheus) and azure.ts (Azure Monitor's
 * prometheusRuleGroups).
 */
export {
  alertGroups,
  DEFAULT_RULES_OPTIONS,
  DEFAULT_RUNBOOK_BASE_URL,
  renderRules,
  RULES_TEMPLATE_PLACEHOLDERS,
  runbookAnchor,
} from './render.js';
export { AZURE_SEVERITY, renderAzureRuleGroups } from './azure.js';
export type { AlertRule, RuleGroup, RulesOptions, Severity } from './types.js';
