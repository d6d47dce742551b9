{{/*
Scraping (ServiceMonitor, PodMonitor) and the `job` label shared with the PrometheusRule.
*/}}

{{/* The `job` label of this release's series: scrapeJob, else <release namespace>/<full name> (unique per release). */}}
{{- define "apim-netwatch.scrapeJob" -}}
{{- .Values.scrapeJob | default (printf "%s/%s" .Release.Namespace (include "apim-netwatch.fullname" .)) }}
{{- end }}

{{/*
"true" when the rules select this release's job: the chart's own ServiceMonitor/PodMonitor sets it, or
scrapeJob names the job of the user's own scrape config. Otherwise the rules select every job, as before.
*/}}
{{- define "apim-netwatch.jobScoped" -}}
{{- if or .Values.serviceMonitor.enabled .Values.podMonitor.enabled .Values.scrapeJob }}true{{ end }}
{{- end }}

{{/*
The Azure Monitor managed Prometheus add-on's per-scrape label limits (its documented ServiceMonitor/PodMonitor
example, Azure/prometheus-collector internal/docs/Operator-CRD.md; spec-level fields of its CRDs). Only for
azmonitoring.coreos.com/v1: a Prometheus Operator monitor keeps the Prometheus defaults.
*/}}
{{- define "apim-netwatch.azureLabelLimits" -}}
{{- if eq . "azmonitoring.coreos.com/v1" }}
# The managed add-on's label limits: a series over them fails the whole scrape.
labelLimit: 63
labelNameLengthLimit: 511
labelValueLengthLimit: 1023
{{- end }}
{{- end }}

{{/*
One scrape endpoint (ServiceMonitor endpoints[] or PodMonitor podMetricsEndpoints[]) from a monitor's values.
Context: dict "root" $ "monitor" .Values.serviceMonitor|.Values.podMonitor.
*/}}
{{- define "apim-netwatch.scrapeEndpoint" -}}
port: http-metrics
path: /metrics
scheme: http
interval: {{ .monitor.interval }}
{{- with .monitor.scrapeTimeout }}
scrapeTimeout: {{ . }}
{{- end }}
# The exporter's labels win over the target's (`service` on apim_network_service_endpoint_enabled
# would otherwise become `exported_service`).
honorLabels: true
relabelings:
  # One job per release (scrapeJob), which the PrometheusRule selects: two releases never merge.
  - action: replace
    targetLabel: job
    replacement: {{ include "apim-netwatch.scrapeJob" .root | quote }}
  {{- with .monitor.relabelings }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .monitor.metricRelabelings }}
metricRelabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Refuses both monitors at once: every series would be scraped twice. */}}
{{- define "apim-netwatch.validateMonitors" -}}
{{- if and .Values.serviceMonitor.enabled .Values.podMonitor.enabled }}
{{- fail "serviceMonitor.enabled and podMonitor.enabled are both true: every pod would be scraped twice (duplicate series); keep one (podMonitor scrapes the pods directly, serviceMonitor through the Service)" }}
{{- end }}
{{- end }}
