{{/* Chart name, overridable with nameOverride. */}}
{{- define "apim-netwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name (63 characters at most, a DNS label). The release name is used alone when it
already contains the chart name.
*/}}
{{- define "apim-netwatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "apim-netwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "apim-netwatch.labels" -}}
helm.sh/chart: {{ include "apim-netwatch.chart" . }}
{{ include "apim-netwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: apim-netwatch
{{- end }}

{{/* Selector labels (immutable on a Deployment: never add to them). */}}
{{- define "apim-netwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apim-netwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount's name. */}}
{{- define "apim-netwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "apim-netwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image tag: image.tag, else the chart's appVersion. */}}
{{- define "apim-netwatch.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* The image reference. */}}
{{- define "apim-netwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "apim-netwatch.imageTag" .) }}
{{- end }}

{{/* The HTTP port the service listens on: config.server.port (9464). */}}
{{- define "apim-netwatch.port" -}}
{{- dig "server" "port" 9464 (.Values.config | default dict) | int }}
{{- end }}

{{/* Where the config file is mounted in the container. */}}
{{- define "apim-netwatch.configDir" -}}
/etc/apim-netwatch
{{- end }}

{{/* The service's config file (YAML), rendered from .Values.config. */}}
{{- define "apim-netwatch.config" -}}
{{- toYaml (.Values.config | default dict) }}
{{- end }}

{{/*
The alert rules (a Prometheus `groups:` document, files/alert-rules.yaml) with the placeholders
__PAGING_DEPENDENCIES_REGEX__ (alerts.pagingDependencies joined with "|") and __RUNBOOK_BASE_URL__
(alerts.runbookBaseUrl) substituted; parsed first, so a broken file fails the render instead of the PrometheusRule.
The rules' own $labels templates are data here: .Files.Get does not evaluate them.
*/}}
{{- define "apim-netwatch.alertRules" -}}
{{- $rules := .Files.Get "files/alert-rules.yaml" }}
{{- if not $rules }}
{{- fail "prometheusRule.enabled is true but the chart has no files/alert-rules.yaml" }}
{{- end }}
{{- $regex := join "|" .Values.alerts.pagingDependencies }}
{{- $runbooks := .Values.alerts.runbookBaseUrl }}
{{- $text := $rules | replace "__PAGING_DEPENDENCIES_REGEX__" $regex | replace "__RUNBOOK_BASE_URL__" $runbooks }}
{{- $doc := fromYaml $text }}
{{- if hasKey $doc "Error" }}
{{- fail (printf "files/alert-rules.yaml is not valid YAML after substitution: %s" $doc.Error) }}
{{- end }}
{{- if not $doc.groups }}
{{- fail "files/alert-rules.yaml has no `groups:`" }}
{{- end }}
{{- /* Emitted as written (comments and line breaks kept), minus document markers. */}}
{{- regexReplaceAll "(?m)^(---|\\.\\.\\.)[ \t]*$" $text "" | trim }}
{{- end }}
