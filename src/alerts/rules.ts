import { Document, isPair, isScalar, Scalar, visit } from 'yaml';
import { DEFAULT_PAGING_POLICY, pagingRegexes } from '../analysis/paging-policy.js';

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
 */

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
  rules: AlertRule[];
}

export interface RulesOptions {
  /** Anchored by PromQL's `=~`: the dependencies that page when an endpoint the API marks required fails (`""`: none). */
  pagingRequiredRegex: string;
  /** The dependencies that page when any of their endpoints fails, whatever `isOptional` says (`""`: none). */
  pagingAnyRegex: string;
  /** docs/runbooks.md as published; each alert links to `<base>#<lower-cased alert name>`. */
  runbookBaseUrl: string;
}

/** What the Helm chart substitutes in helm/apim-netwatch/files/alert-rules.yaml. */
export const RULES_TEMPLATE_PLACEHOLDERS = {
  pagingRequiredRegex: '__PAGING_REQUIRED_REGEX__',
  pagingAnyRegex: '__PAGING_ANY_REGEX__',
  runbookBaseUrl: '__RUNBOOK_BASE_URL__',
} as const satisfies RulesOptions;

export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/apim-netwatch/apim-netwatch/blob/main/docs/runbooks.md';

const DEFAULT_PAGING = pagingRegexes(DEFAULT_PAGING_POLICY);

export const DEFAULT_RULES_OPTIONS: RulesOptions = {
  pagingRequiredRegex: DEFAULT_PAGING.required,
  pagingAnyRegex: DEFAULT_PAGING.any,
  runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
};

export const runbookAnchor = (alert: string): string => alert.toLowerCase();

// ---------------------------------------------------------------------------------------------------
// Building blocks

/** The labels that identify one APIM instance in one region (docs/design.md, "Metrics"). */
const REGION = 'subscription_id, resource_group, apim_service, location';

/** Joins a multi-line PromQL literal into its lines, without the source's indentation. */
function promql(strings: TemplateStringsArray, ...values: string[]): string {
  const text = strings.reduce((out, part, i) => out + part + (values[i] ?? ''), '');
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

// Annotation templates. A description names the instance, the region and (where there is one) the
// dependency, and, for the page, what the configuration says is the likely cause: template queries
// (`query`) over the same instance/region, evaluated when the alert fires.
const WHERE = 'APIM instance {{ $labels.apim_service }} (resource group {{ $labels.resource_group }}, subscription {{ $labels.subscription_id }}) in region {{ $labels.location }}';
const SAME_REGION = 'subscription_id="%s",resource_group="%s",apim_service="%s",location="%s"';
const SAME_REGION_ARGS = '$labels.subscription_id $labels.resource_group $labels.apim_service $labels.location';
const SAME_DEPENDENCY = `${SAME_REGION},dependency="%s"`;
const SAME_DEPENDENCY_ARGS = `${SAME_REGION_ARGS} $labels.dependency`;

/** `{{ with query ... }}body{{ end }}`: body renders only when the query returns something. */
function withQuery(query: string, args: string, body: string): string {
  // Backquotes: a Go template raw string, so the PromQL's own double quotes need no escaping.
  return `{{ with query (printf \`${query}\` ${args}) }}${body}{{ end }}`;
}

/** Comma-separated values of one label over the query's result, sorted (query order is not stable). */
const listOf = (label: string): string =>
  `{{ range $i, $s := sortByLabel "${label}" . }}{{ if $i }}, {{ end }}{{ $s.Labels.${label} }}{{ end }}`;

const LIKELY_CAUSE_NSG = withQuery(
  // min by: one line per rule even when two replicas export it.
  `min by (decided_by, direction, peer, port) (apim_network_flow_allowed{${SAME_DEPENDENCY}}) < 1`,
  SAME_DEPENDENCY_ARGS,
  ' Likely cause (NSG): {{ range sortByLabel "decided_by" . }}rule {{ .Labels.decided_by }} {{ if lt .Value 0.5 }}denies{{ else }}allows only part of{{ end }} {{ .Labels.direction }} {{ .Labels.peer }}:{{ .Labels.port }}; {{ end }}check it with apim-netwatch whatif.',
);

const LIKELY_CAUSE_ROUTE = withQuery(
  `min by (next_hop_type) (apim_network_route_ok{${SAME_DEPENDENCY}}) == 0`,
  SAME_DEPENDENCY_ARGS,
  ` Likely cause (route): the subnet's routes send this traffic to next hop ${listOf('next_hop_type')} (forced tunnelling needs a service endpoint or a route to Internet).`,
);

const FAILING_ENDPOINTS = withQuery(
  `min by (endpoint) (apim_network_endpoint_up{${SAME_DEPENDENCY}}) == 0`,
  SAME_DEPENDENCY_ARGS,
  ` Failing endpoints: ${listOf('endpoint')}.`,
);

const STALE_ENDPOINTS = withQuery(
  `max by (endpoint) (apim_network_endpoint_stale{${SAME_DEPENDENCY}}) == 1`,
  SAME_DEPENDENCY_ARGS,
  ` Stopped updating (stale, which the API defines as lost connectivity): ${listOf('endpoint')}.`,
);

// target_up carries the primary region as location: match the instance only.
const MONITOR_BLIND = withQuery(
  'min(apim_netwatch_target_up{subscription_id="%s",resource_group="%s",apim_service="%s"}) == 0',
  '$labels.subscription_id $labels.resource_group $labels.apim_service',
  ' Note: the monitor could not read this instance in its last poll (ApimNetwatchTargetDown), so the staleness may be on the monitor\'s side.',
);

// ---------------------------------------------------------------------------------------------------
// The rules

/**
 * `metric` restricted to the series whose failure pages: the paging policy's required-endpoint
 * dependencies on their `required="true"` series, its any-endpoint dependencies on every series.
 */
function pagingSeries(metric: string, options: RulesOptions, extra = ''): string {
  return `${metric}{dependency=~"${options.pagingRequiredRegex}",required="true"${extra}}\nor\n${metric}{dependency=~"${options.pagingAnyRegex}"${extra}}`;
}

/** Indents every line after the first (a multi-line selector inside a promql`` block). */
const indented = (text: string, spaces: number): string => text.split('\n').join(`\n${' '.repeat(spaces)}`);

export function alertGroups(options: RulesOptions): RuleGroup[] {
  const everyPaging = `${options.pagingRequiredRegex}|${options.pagingAnyRegex}`;
  const requiredOnly = options.pagingRequiredRegex;
  return [
    {
      name: 'apim-network-dependencies',
      rules: [
        {
          alert: 'ApimNetworkDependencyDown',
          // The paging policy: storage, SQL and Key Vault page on the endpoints the API marks required (an
          // optional FileStorage that an SMB-blocking baseline fails forever must not page), Graph on any
          // endpoint (the API marks it optional, yet sign-in breaks without it). The exporter already makes
          // stale endpoints 0 and rolls them up; the endpoint series are read too, so the page holds on any
          // one signal (e.g. a federated or relabelled series set that lacks the roll-up).
          expr: promql`
            min by (${REGION}, dependency) (
              ${indented(pagingSeries('apim_network_dependency_up', options), 14)}
            ) == 0
            or
            min by (${REGION}, dependency) (
              ${indented(pagingSeries('apim_network_endpoint_up', options), 14)}
            ) == 0
            or
            max by (${REGION}, dependency) (
              ${indented(pagingSeries('apim_network_endpoint_stale', options), 14)}
            ) == 1`,
          // NetworkStatus changes once per 15-minute poll: 5m rides out one odd scrape and still pages
          // within minutes of the poll that saw it.
          for: '5m',
          severity: 'critical',
          summary: 'APIM {{ $labels.apim_service }} cannot reach {{ $labels.dependency }} in {{ $labels.location }}',
          description:
            `${WHERE} reports its dependency {{ $labels.dependency }} failing or stale: the gateway in this region cannot use it.` +
            FAILING_ENDPOINTS +
            STALE_ENDPOINTS +
            LIKELY_CAUSE_NSG +
            LIKELY_CAUSE_ROUTE +
            MONITOR_BLIND,
        },
        {
          alert: 'ApimNetworkOptionalEndpointDown',
          // The endpoints a paging dependency's policy leaves out (FileStorage for Git, the SMTP queue):
          // a feature degrades, nobody is woken.
          expr: promql`
            min by (${REGION}, dependency) (
              apim_network_dependency_up{dependency=~"${requiredOnly}",required="false"}
            ) == 0`,
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: optional {{ $labels.dependency }} endpoints down in {{ $labels.location }}',
          description:
            `${WHERE} reports optional endpoints of its dependency {{ $labels.dependency }} failing or stale (the API marks them optional, e.g. the Git file share on SMB 445 or the SMTP queue); its required endpoints are judged by ApimNetworkDependencyDown. The features behind them (Git configuration, e-mail) are degraded.` +
            withQuery(
              `min by (endpoint) (apim_network_endpoint_up{${SAME_DEPENDENCY},required="false"}) == 0`,
              SAME_DEPENDENCY_ARGS,
              ` Failing endpoints: ${listOf('endpoint')}.`,
            ) +
            LIKELY_CAUSE_NSG,
        },
        {
          alert: 'ApimNetworkOptionalDependencyDown',
          expr: promql`
            min by (${REGION}, dependency) (
              apim_network_dependency_up{dependency!~"${everyPaging}"}
            ) == 0`,
          // Not paging: confirmed by two consecutive polls (15 min apart) before it is raised.
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: optional dependency {{ $labels.dependency }} down in {{ $labels.location }}',
          description:
            `${WHERE} reports its non-paging dependency {{ $labels.dependency }} failing or stale; the features that use it (logging, e-mail, Git, cache, ...) are degraded.` +
            FAILING_ENDPOINTS +
            STALE_ENDPOINTS +
            LIKELY_CAUSE_NSG +
            LIKELY_CAUSE_ROUTE,
        },
      ],
    },
    {
      name: 'apim-network-status',
      rules: [
        {
          alert: 'ApimNetworkStatusStale',
          // One alert per instance and region, valued with the number of stale endpoints (the inner max
          // by folds the replicas; the count then counts endpoints, not replicas).
          expr: promql`
            count by (${REGION}) (
              max by (${REGION}, dependency, resource_type, endpoint) (apim_network_endpoint_stale) == 1
            )`,
          // Staleness already took staleAfterSeconds (35 min by default) to show.
          for: '5m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: NetworkStatus stopped updating in {{ $labels.location }}',
          description:
            `${WHERE}: {{ $value }} NetworkStatus entries stopped updating, which the API defines as lost connectivity to those resources. ` +
            withQuery(
              `max by (dependency, endpoint) (apim_network_endpoint_stale{${SAME_REGION}}) == 1`,
              SAME_REGION_ARGS,
              'Stale: {{ range $i, $s := sortByLabel "endpoint" . }}{{ if $i }}, {{ end }}{{ $s.Labels.dependency }} {{ $s.Labels.endpoint }}{{ end }}.',
            ) +
            MONITOR_BLIND,
        },
        {
          alert: 'ApimNetworkStatusNoData',
          // An empty list is "no data", never healthy; and without entries no dependency alert can fire.
          expr: promql`
            min by (${REGION}) (apim_network_status_entries) == 0`,
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: NetworkStatus returns no data for {{ $labels.location }}',
          description: `${WHERE}: NetworkStatus returned no connectivity entries in two consecutive polls. No dependency of this region can be judged (or alerted on) until it does.`,
        },
      ],
    },
    {
      name: 'apim-network-configuration',
      rules: [
        {
          alert: 'ApimNetworkRequiredFlowBlocked',
          // Predictive: the NSG denies (0) or only partly allows (0.5) a flow APIM needs, which the
          // platform may not have noticed yet. decided_by is left out of the alert's identity (a rule
          // rename would raise a second alert) and fetched into the description instead.
          // Required by Microsoft's table, or paging by policy (Graph's Entra flow).
          expr: promql`
            min by (${REGION}, direction, dependency, peer, port, protocol) (
              apim_network_flow_allowed{required="true"}
              or
              apim_network_flow_allowed{dependency=~"${options.pagingAnyRegex}"}
            ) < 1`,
          // Two consecutive polls: a half-applied NSG change does not alert.
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: NSG blocks {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} in {{ $labels.location }}',
          description:
            `${WHERE}: the subnet's NSG {{ if lt $value 0.5 }}denies{{ else }}allows only part of{{ end }} the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }} (dependency {{ $labels.dependency }}).` +
            withQuery(
              `min by (decided_by) (apim_network_flow_allowed{${SAME_REGION},direction="%s",peer="%s",port="%s"}) < 1`,
              `${SAME_REGION_ARGS} $labels.direction $labels.peer $labels.port`,
              ` Deciding rule: ${listOf('decided_by')}.`,
            ) +
            ' APIM breaks once the platform notices.',
        },
        {
          alert: 'ApimNetworkRequiredFlowUnknown',
          // A guess is never a verdict: a rule that could decide the flow holds a value the monitor cannot
          // resolve (a tag its data lacks, an unparsable port or prefix, an invalid priority).
          expr: promql`
            max by (${REGION}, direction, dependency, peer, port, protocol) (
              apim_network_flow_unknown{required="true"}
              or
              apim_network_flow_unknown{dependency=~"${options.pagingAnyRegex}"}
            ) == 1`,
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: cannot judge {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} in {{ $labels.location }}',
          description:
            `${WHERE}: a rule of the subnet's NSG that could decide the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }} (dependency {{ $labels.dependency }}) holds a value apim-netwatch cannot resolve: a service tag its tag data does not hold, a port or prefix that is not valid, or a priority outside 100-4096.` +
            withQuery(
              `max by (decided_by) (apim_network_flow_unknown{${SAME_REGION},direction="%s",peer="%s",port="%s"}) == 1`,
              `${SAME_REGION_ARGS} $labels.direction $labels.peer $labels.port`,
              ` Rule: ${listOf('decided_by')}.`,
            ) +
            ' The status page and the JSON API say why; apim-netwatch whatif does too.',
        },
        {
          alert: 'ApimNetworkRequiredRouteBroken',
          // route_ok has no `required` label: a dependency is required here when one of its flows is
          // required by Microsoft's table or pages by policy. Expected asymmetries (SQL outside the
          // primary region, Key Vault on stv1) are already route_ok 1.
          expr: promql`
            min by (${REGION}, dependency, next_hop_type) (apim_network_route_ok) == 0
            and on (${REGION}, dependency)
              group by (${REGION}, dependency) (
                apim_network_flow_allowed{required="true"}
                or
                apim_network_flow_allowed{dependency=~"${options.pagingAnyRegex}"}
              )`,
          for: '20m',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: {{ $labels.dependency }} traffic routed to {{ $labels.next_hop_type }} in {{ $labels.location }}',
          description: `${WHERE}: the subnet's routes send the traffic of the required dependency {{ $labels.dependency }} to next hop {{ $labels.next_hop_type }} instead of Internet or a service endpoint. With forced tunnelling APIM needs service endpoints (Storage, SQL in the primary region, Key Vault, Event Hubs) and a route ApiManagement -> Internet.`,
        },
        {
          alert: 'ApimNetworkConfigDrift',
          expr: promql`
            max by (${REGION}, aspect, group) (apim_network_config_drift) == 1`,
          // Drift is not urgent; it must survive a few polls (and a rollout across regions) first.
          for: '1h',
          severity: 'warning',
          summary: 'APIM {{ $labels.apim_service }}: {{ $labels.aspect }} configuration drifted in {{ $labels.location }}',
          description: `${WHERE}: its {{ $labels.aspect }} configuration differs from its drift group {{ $labels.group }} (for aspect dns: APIM's DNS servers differ from its VNet's). Expected asymmetries (forced-tunnelling service endpoints) are not counted.`,
        },
      ],
    },
    {
      name: 'apim-netwatch-monitor',
      rules: [
        {
          alert: 'ApimNetwatchPollsFailing',
          // Polls that read nothing at all (ARM unreachable, credentials broken). Partial polls are
          // not counted here: ApimNetwatchTargetDown / SubscriptionDown name what failed.
          expr: promql`
            max(increase(apim_netwatch_polls_total{outcome="failure"}[30m])) > 0`,
          for: '5m',
          severity: 'warning',
          summary: 'apim-netwatch polls fail',
          description: 'About {{ printf "%.0f" $value }} apim-netwatch polls in the last 30 minutes read no instance at all (ARM unreachable, credentials rejected, ...). Its data is getting old; its logs name the ARM error.',
        },
        {
          alert: 'ApimNetwatchPollsStale',
          // min: the replica that is furthest behind (its stale data feeds the alerts too).
          expr: promql`
            time() - min(apim_netwatch_poll_last_success_timestamp_seconds) > 2 * 15 * 60`,
          for: '5m',
          severity: 'warning',
          summary: 'apim-netwatch has not completed a successful poll for two intervals',
          description: 'The last apim-netwatch poll that read every target ended {{ $value | humanizeDuration }} ago (more than two 15-minute intervals). Either the polls fail (ApimNetwatchPollsFailing), some target keeps failing (ApimNetwatchTargetDown, ApimNetwatchSubscriptionDown), or the poller is stuck.',
        },
        {
          alert: 'ApimNetwatchAbsent',
          expr: promql`
            absent(apim_netwatch_poll_last_success_timestamp_seconds)`,
          for: '15m',
          severity: 'warning',
          summary: 'apim-netwatch is not scraped',
          description: 'Prometheus has no apim-netwatch metrics: the monitor is down or not scraped, and none of the APIM network alerts can fire.',
        },
        {
          alert: 'ApimNetwatchArmThrottled',
          expr: promql`
            max by (operation) (increase(apim_netwatch_arm_requests_total{code="429"}[30m])) > 0`,
          for: '5m',
          severity: 'warning',
          summary: 'ARM throttles apim-netwatch ({{ $labels.operation }})',
          description: 'ARM answered about {{ printf "%.0f" $value }} {{ $labels.operation }} requests of apim-netwatch with 429 (throttled) in the last 30 minutes. Retries honour Retry-After, but polls slow down and may fail; the subscription\'s read budget is shared with every other tool.',
        },
        {
          alert: 'ApimNetwatchArmRateLimitLow',
          // ARM's x-ms-ratelimit-remaining-* header; under 100 left, the next poll may be throttled.
          expr: promql`
            min by (subscription_id, scope) (apim_netwatch_arm_ratelimit_remaining) < 100`,
          for: '30m',
          severity: 'info',
          summary: 'ARM read budget low in subscription {{ $labels.subscription_id }}',
          description: 'ARM reported only {{ $value }} requests left ({{ $labels.scope }}) for subscription {{ $labels.subscription_id }} after apim-netwatch\'s last requests, for two polls in a row.',
        },
        {
          alert: 'ApimNetwatchTargetDown',
          // location is the instance's primary region here.
          expr: promql`
            min by (${REGION}) (apim_netwatch_target_up) == 0`,
          for: '20m',
          severity: 'warning',
          summary: 'apim-netwatch cannot read APIM {{ $labels.apim_service }}',
          description: `apim-netwatch could not read ${WHERE.replace(' in region ', ', primary region ')} in two consecutive polls. Its last NetworkStatus stays exported and turns stale (down) as it ages.`,
        },
        {
          alert: 'ApimNetwatchSubscriptionDown',
          expr: promql`
            min by (subscription_id) (apim_netwatch_subscription_up) == 0`,
          for: '20m',
          severity: 'warning',
          summary: 'apim-netwatch cannot list subscription {{ $labels.subscription_id }}',
          description: 'apim-netwatch could not list the APIM instances of subscription {{ $labels.subscription_id }} in two consecutive polls (no Reader role, subscription disabled, or ARM errors): its instances are not watched.',
        },
      ],
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Rendering

const HEADER = ' Generated by scripts/build-alerts.ts from src/alerts/rules.ts: edit those, then run\n npx tsx scripts/build-alerts.ts';

function checkOption(name: keyof RulesOptions, value: string, forbidden: RegExp, mayBeEmpty = false): void {
  if ((!value && !mayBeEmpty) || forbidden.test(value)) throw new Error(`renderRules: ${name} ${JSON.stringify(value)} must be ${mayBeEmpty ? '' : 'non-empty and '}free of ${forbidden.source}`);
}

/**
 * The rules as a Prometheus rules file (`groups:`). Style is fixed whatever the options: expressions
 * and descriptions are literal blocks, runbook URLs double-quoted, nothing folded. So the Helm copy, rendered with the
 * placeholders, becomes exactly this text when the chart substitutes the values.
 */
export function renderRules(options: RulesOptions): string {
  // Newlines and double quotes would break the literal block / quoted string / PromQL they go into.
  checkOption('pagingRequiredRegex', options.pagingRequiredRegex, /["\n\\]/, true);
  checkOption('pagingAnyRegex', options.pagingAnyRegex, /["\n\\]/, true);
  checkOption('runbookBaseUrl', options.runbookBaseUrl, /["\n\\#\s]/);
  const groups = alertGroups(options).map((group) => ({
    name: group.name,
    rules: group.rules.map((rule) => ({
      alert: rule.alert,
      expr: rule.expr,
      for: rule.for,
      labels: { severity: rule.severity },
      annotations: {
        summary: rule.summary,
        description: rule.description,
        runbook_url: `${options.runbookBaseUrl}#${runbookAnchor(rule.alert)}`,
      },
    })),
  }));
  const doc = new Document({ groups });
  // On the top-level map, not the document: no blank line after it (the chart indents this text).
  if (doc.contents) doc.contents.commentBefore = HEADER;
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      // description: a literal block too, so its PromQL quotes read as they are, unescaped.
      if (pair.key.value === 'expr' || pair.key.value === 'description') pair.value.type = Scalar.BLOCK_LITERAL;
      else if (pair.key.value === 'runbook_url') pair.value.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: true });
}
