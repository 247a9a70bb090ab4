{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "gitopsd.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart's. */}}
{{- define "gitopsd.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "gitopsd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitopsd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gitopsd.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "gitopsd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gitopsd
{{- end }}

{{- define "gitopsd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gitopsd.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The namespace holding Application resources. */}}
{{- define "gitopsd.appNamespace" -}}
{{- default .Release.Namespace .Values.controller.namespace }}
{{- end }}

{{/* "true" when an applicationNamespaces entry is a glob or /regex/ (a cluster-wide watch). */}}
{{- define "gitopsd.appNamespacePatterns" -}}
{{- range .Values.controller.applicationNamespaces }}
{{- if regexMatch "[*?\\[\\]{}]|^/.*/$" . }}true{{- end }}
{{- end }}
{{- end }}

{{/* What the controller does to Applications outside its own namespace. */}}
{{- define "gitopsd.applicationRules" -}}
- apiGroups: ["gitopsd.io"]
  resources: ["applications"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["gitopsd.io"]
  resources: ["applications/status"]
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{- define "gitopsd.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "gitopsd.serverSelectorLabels" -}}
{{ include "gitopsd.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "gitopsd.serverServiceAccountName" -}}
{{- default (printf "%s-server" (include "gitopsd.fullname" .)) .Values.server.serviceAccount.name }}
{{- end }}

{{- /* "true" when the controller runs sharded: more than one replica, or asked for. */}}
{{- define "gitopsd.sharded" -}}
{{- if or .Values.sharding.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end }}

{{/*
The ConfigManagementPlugin documents of plugins.sidecars, as a YAML list: gitopsd-cm
declares them for the controller and each sidecar reads its own.
*/}}
{{- define "gitopsd.pluginDocuments" -}}
{{- $plugins := list }}
{{- range .Values.plugins.sidecars }}
{{- $plugins = append $plugins (dict "apiVersion" "argoproj.io/v1alpha1" "kind" "ConfigManagementPlugin" "metadata" (dict "name" .name) "spec" .spec) }}
{{- end }}
{{- toYaml $plugins }}
{{- end }}
