{{/* The chart's name. */}}
{{- define "orderflow-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, prefixed with the chart's unless it contains it. */}}
{{- define "orderflow-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "orderflow-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator's pods; never change them, a Deployment's selector is immutable. */}}
{{- define "orderflow-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orderflow-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The recommended labels, on every object. */}}
{{- define "orderflow-operator.labels" -}}
helm.sh/chart: {{ include "orderflow-operator.chart" . }}
{{ include "orderflow-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: orderflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "orderflow-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orderflow-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orderflow-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The rules of rbac-contract.yaml with the given scope, as RBAC PolicyRules. */}}
{{- define "orderflow-operator.rules" -}}
{{- $scope := .scope }}
{{- range (.root.Files.Get "rbac-contract.yaml" | fromYaml).rules }}
{{- if eq .scope $scope }}
- apiGroups: [{{ .apiGroup | quote }}]
  resources: {{ toJson .resources }}
  verbs: {{ toJson .verbs }}
{{- end }}
{{- end }}
{{- end }}
