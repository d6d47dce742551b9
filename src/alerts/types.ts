/** The shapes of the alert rules as data, and the options that vary between the shipped file and the Helm copy. */

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  /** CamelCase; its runbook anchor in docs/runbooks.md is the lower-cased name. */
  alert: string;
  expr: string;
  for: string;
  severity: Severity;
  summary: string;
  description: string;
}

export interface RuleGroup {
  name: string;
  /** Evaluation interval of this group, when it must not wait for Prometheus's global one. */
  interval?: string;
  rules: AlertRule[];
}

export interface RulesOptions {
  /** Anchored by PromQL's `=~`: the dependencies that page when an endpoint the API marks required fails (`""`: none). */
  pagingRequiredRegex: string;
  /** The dependencies that page when any of their endpoints fails, whatever `isOptional` says (`""`: none). */
  pagingAnyRegex: string;
  /** docs/runbooks.md as published; each alert links to `<base>#<lower-cased alert name>`. */
  runbookBaseUrl: string;
  /**
   * apim-netwatch's status pages as people reach them (no trailing slash): instance alerts then carry
   * `instance_page_url` (`<base>/instances/<subscription>/<resource group>/<name>`). Unset or `""`: no link (the
   * description still names the page's path).
   */
  statusPageUrl?: string;
}
