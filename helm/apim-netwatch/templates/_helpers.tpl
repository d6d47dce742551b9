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
The paging policy, from the one place the service reads it (config.paging.dependencies: a list, each
dependency with its default scope, graph "any" and the rest "required"; or a map of dependency to
"required" or "any"), as the two regexes the alert rules take: {"required": "keyvault|sql|storage", "any": "graph"}.
*/}}
{{- define "apim-netwatch.pagingRegexes" -}}
{{- if hasKey (.Values.alerts | default dict) "pagingDependencies" }}
{{- fail "alerts.pagingDependencies is gone: the alert rules now follow config.paging.dependencies (one policy for check, the status page and the alerts); move the list there and remove alerts.pagingDependencies" }}
{{- end }}
{{- $paging := dig "paging" "dependencies" (list "storage" "sql" "keyvault" "graph") (.Values.config | default dict) }}
{{- $required := list }}
{{- $any := list }}
{{- if kindIs "map" $paging }}
{{- range $dependency, $scope := $paging }}
{{- if eq (toString $scope) "any" }}{{ $any = append $any $dependency }}{{ else }}{{ $required = append $required $dependency }}{{ end }}
{{- end }}
{{- else }}
{{- range $paging }}
{{- if eq (toString .) "graph" }}{{ $any = append $any . }}{{ else }}{{ $required = append $required . }}{{ end }}
{{- end }}
{{- end }}
{{- dict "required" (join "|" (sortAlpha $required)) "any" (join "|" (sortAlpha $any)) | toJson }}
{{- end }}

{{/* Where the state file lives when persistence is on (the volume's mount path). */}}
{{- define "apim-netwatch.stateDir" -}}
/var/lib/apim-netwatch
{{- end }}

{{/* The state file (APIM_NETWATCH_STATE_FILE) when persistence is on. */}}
{{- define "apim-netwatch.stateFile" -}}
{{ include "apim-netwatch.stateDir" . }}/snapshot.json
{{- end }}

{{/* Pods of the workload: sharding.replicas for the StatefulSet, replicaCount for the Deployment. */}}
{{- define "apim-netwatch.replicas" -}}
{{- if .Values.sharding.enabled }}{{ .Values.sharding.replicas | int }}{{ else }}{{ .Values.replicaCount | int }}{{ end }}
{{- end }}

{{/* The headless Service governing the StatefulSet (stable pod DNS names). */}}
{{- define "apim-netwatch.headlessServiceName" -}}
{{- printf "%s-headless" (include "apim-netwatch.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
Combinations values.schema.json cannot express well, refused with a message that says what to do.
Included by the workload templates (deployment.yaml, statefulset.yaml).
*/}}
{{- define "apim-netwatch.validate" -}}
{{- $name := include "apim-netwatch.fullname" . }}
{{- if .Values.sharding.enabled }}
{{- if gt (len $name) 52 }}
{{- fail (printf "sharding.enabled: the StatefulSet name %q is longer than 52 characters (its pods' controller-revision-hash label would exceed 63); set fullnameOverride to a shorter name" $name) }}
{{- end }}
{{- if semverCompare "<1.28.0-0" .Capabilities.KubeVersion.Version }}
{{- fail (printf "sharding.enabled needs Kubernetes 1.28 or later (this cluster: %s): the shard index comes from the pod label apps.kubernetes.io/pod-index, which older StatefulSets do not set, and every pod would then watch shard 0" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- else if .Values.persistence.enabled }}
{{- if not .Values.persistence.existingClaim }}
{{- fail "persistence.enabled without sharding.enabled needs persistence.existingClaim (a PVC you created for this one pod); or set sharding.enabled=true, where the StatefulSet creates one claim per replica" }}
{{- end }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail (printf "persistence.enabled with persistence.existingClaim needs replicaCount 1 (it is %d): one claim shared by several replicas would hold one state file written by all of them; use sharding.enabled=true for one claim per replica" (int .Values.replicaCount)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The pod template shared by the Deployment and the StatefulSet (`template:` of either), so the two kinds
never drift apart: the same container, security contexts, probes and volumes.
*/}}
{{- define "apim-netwatch.podTemplate" -}}
metadata:
  annotations:
    # Roll the pods when the config changes (the service reads it at start-up only).
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "apim-netwatch.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if .Values.azure.workloadIdentity.enabled }}
    azure.workload.identity/use: "true"
    {{- end }}
spec:
  serviceAccountName: {{ include "apim-netwatch.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: apim-netwatch
      image: {{ include "apim-netwatch.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - serve
        - --config
        - {{ include "apim-netwatch.configDir" . }}/config.yaml
      ports:
        - name: http-metrics
          containerPort: {{ include "apim-netwatch.port" . }}
          protocol: TCP
      {{- $nodeOptions := include "apim-netwatch.nodeOptions" . }}
      {{- if or .Values.sharding.enabled .Values.persistence.enabled .Values.extraEnv $nodeOptions }}
      env:
        {{- with $nodeOptions }}
        # V8 grows its heap lazily, far past what the service keeps alive; limits well inside the
        # container's memory limit make it collect instead (README, "Sizing").
        - name: NODE_OPTIONS
          value: {{ . | quote }}
        {{- end }}
        {{- if .Values.sharding.enabled }}
        # One shard per replica: the StatefulSet's pod index (0..replicas-1) out of sharding.replicas.
        - name: APIM_NETWATCH_SHARD_COUNT
          value: {{ .Values.sharding.replicas | int | quote }}
        - name: APIM_NETWATCH_SHARD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- if .Values.persistence.enabled }}
        - name: APIM_NETWATCH_STATE_FILE
          value: {{ include "apim-netwatch.stateFile" . }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: {{ include "apim-netwatch.configDir" . }}
          readOnly: true
        - name: tmp
          mountPath: /tmp
        {{- if .Values.persistence.enabled }}
        - name: state
          mountPath: {{ include "apim-netwatch.stateDir" . }}
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "apim-netwatch.fullname" . }}
    - name: tmp
      emptyDir:
        {{- with .Values.tmpVolume.sizeLimit }}
        sizeLimit: {{ . }}
        {{- else }} {}
        {{- end }}
    {{- if and .Values.persistence.enabled (not .Values.sharding.enabled) }}
    # The StatefulSet brings its own claim per pod (volumeClaimTemplates); the Deployment an existing one.
    - name: state
      persistentVolumeClaim:
        claimName: {{ .Values.persistence.existingClaim }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* V8's heap limits for NODE_OPTIONS, from nodeHeapLimitMegabytes and nodeSemiSpaceMegabytes; empty when both are null. */}}
{{- define "apim-netwatch.nodeOptions" -}}
{{- $flags := list -}}
{{- with .Values.nodeHeapLimitMegabytes }}{{ $flags = append $flags (printf "--max-old-space-size=%d" (int .)) }}{{ end -}}
{{- with .Values.nodeSemiSpaceMegabytes }}{{ $flags = append $flags (printf "--max-semi-space-size=%d" (int .)) }}{{ end -}}
{{- join " " $flags -}}
{{- end }}
