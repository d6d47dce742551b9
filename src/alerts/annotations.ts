// Annotation templates. A description names the instance, the region and (where there is one) the
// dependency, and, for the page, what the configuration says is the likely cause: template queries
// (`query`) over the same instance/region, evaluated when the alert fires.

export const WHERE = 'APIM instance {{ $labels.apim_service }} (resource group {{ $labels.resource_group }}, subscription {{ $labels.subscription_id }}) in region {{ $labels.location }}';
export const SAME_REGION = 'subscription_id="%s",resource_group="%s",apim_service="%s",location="%s"';
export const SAME_REGION_ARGS = '$labels.subscription_id $labels.resource_group $labels.apim_service $labels.location';
export const SAME_DEPENDENCY = `${SAME_REGION},dependency="%s"`;
export const SAME_DEPENDENCY_ARGS = `${SAME_REGION_ARGS} $labels.dependency`;

/** `{{ with query ... }}body{{ end }}`: body renders only when the query returns something. */
export function withQuery(query: string, args: string, body: string): string {
  // Backquotes: a Go template raw string, so the PromQL's own double quotes need no escaping.
  return `{{ with query (printf \`${query}\` ${args}) }}${body}{{ end }}`;
}

/** Comma-separated values of one label over the query's result, sorted (query order is not stable). */
export const listOf = (label: string): string =>
  `{{ range $i, $s := sortByLabel "${label}" . }}{{ if $i }}, {{ end }}{{ $s.Labels.${label} }}{{ end }}`;

export const LIKELY_CAUSE_NSG = withQuery(
  // min by: one line per rule even when two replicas export it.
  `min by (decided_by, direction, peer, port) (apim_network_flow_allowed{${SAME_DEPENDENCY}}) < 1`,
  SAME_DEPENDENCY_ARGS,
  ' Likely cause (NSG): {{ range sortByLabel "decided_by" . }}rule {{ .Labels.decided_by }} {{ if lt .Value 0.5 }}denies{{ else }}allows only part of{{ end }} {{ .Labels.direction }} {{ .Labels.peer }}:{{ .Labels.port }}; {{ end }}check it with apim-netwatch whatif.',
);

export const LIKELY_CAUSE_ROUTE = withQuery(
  `min by (next_hop_type) (apim_network_route_ok{${SAME_DEPENDENCY}}) == 0`,
  SAME_DEPENDENCY_ARGS,
  ` Likely cause (route): the subnet's routes send this traffic to next hop ${listOf('next_hop_type')} (forced tunnelling needs a service endpoint or a route to Internet).`,
);

export const FAILING_ENDPOINTS = withQuery(
  `min by (endpoint) (apim_network_endpoint_up{${SAME_DEPENDENCY}}) == 0`,
  SAME_DEPENDENCY_ARGS,
  ` Failing endpoints: ${listOf('endpoint')}.`,
);

export const STALE_ENDPOINTS = withQuery(
  `max by (endpoint) (apim_network_endpoint_stale{${SAME_DEPENDENCY}}) == 1`,
  SAME_DEPENDENCY_ARGS,
  ` Stopped updating (stale, which the API defines as lost connectivity): ${listOf('endpoint')}.`,
);

/** Who changed the region's configuration last, as the configuration watch and Resource Graph's resourcechanges say. */
export const LATEST_CHANGE = withQuery(
  `max by (resource_type, resource, author_state, changed_by, changed_by_type, client_type) (apim_network_config_change_timestamp_seconds{${SAME_REGION}})`,
  SAME_REGION_ARGS,
  ' Latest configuration change: {{ range . }}{{ .Labels.resource_type }} {{ .Labels.resource }} changed{{ if eq .Labels.author_state "found" }} by {{ .Labels.changed_by }} ({{ .Labels.changed_by_type }}{{ with .Labels.client_type }}, via {{ . }}{{ end }}){{ else if eq .Labels.author_state "ambiguous" }} by one of: {{ .Labels.changed_by }} (their recorded writes cannot tell which made it){{ else if eq .Labels.author_state "pending" }} (who made it is not recorded yet: Resource Graph records changes within about five minutes; the status page shows it when it arrives){{ else }} (Resource Graph has no record of who made it){{ end }} at {{ .Value | humanizeTimestamp }}{{ end }}.',
);

// target_up carries the primary region as location: match the instance only.
export const MONITOR_BLIND = withQuery(
  'min(apim_netwatch_target_up{subscription_id="%s",resource_group="%s",apim_service="%s"}) == 0',
  '$labels.subscription_id $labels.resource_group $labels.apim_service',
  ' Note: the monitor could not read this instance in its last poll (ApimNetwatchTargetDown), so the staleness may be on the monitor\'s side.',
);
