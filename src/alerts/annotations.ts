// Annotation templates. A description names the instance, the region and (where there is one) the
// dependency from the alert's own labels only: no `query` templates, so the text is the same on every ruler
// (Prometheus, Azure Monitor's managed rule groups, Grafana's). Facts that live on other series (failing
// endpoints, the likely cause, who changed the configuration) are on the instance page the text points to.

export const WHERE = 'APIM instance {{ $labels.apim_service }} (resource group {{ $labels.resource_group }}, subscription {{ $labels.subscription_id }}) in region {{ $labels.location }}';

/** The instance page's path on apim-netwatch (src/http/app.ts), from the alert's labels. */
export const INSTANCE_PAGE_PATH = '/instances/{{ $labels.subscription_id }}/{{ $labels.resource_group }}/{{ $labels.apim_service }}';

/** A sentence pointing at the instance page for `what`. */
export const onInstancePage = (what: string): string => ` apim-netwatch's instance page (${INSTANCE_PAGE_PATH}) shows ${what}.`;

/** The deciding NSG rule: `decided_by` is kept in the flow alerts' labels (a bounded value, cut at 256 characters). */
export const DECIDING_RULE = ' Deciding rule: {{ $labels.decided_by }}.';

/** Who made the latest change: Resource Graph records it within about five minutes, later than the page. */
export const WHO_CHANGED_IT = onInstancePage('who made the change (Resource Graph records it within about five minutes)');

export const MONITOR_MAY_BE_BLIND = ' If ApimNetwatchTargetDown fires for this instance too, the monitor cannot read it and the staleness may be on its side.';
