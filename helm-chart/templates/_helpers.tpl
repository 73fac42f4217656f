{{/* Chart name. */}}
{{- define "mlcycle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name prefix of every object. */}}
{{- define "mlcycle.fullname" -}}
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

{{- define "mlcycle.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "mlcycle.labels" -}}
helm.sh/chart: {{ include "mlcycle.chart" . }}
{{ include "mlcycle.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mlcycle
{{- end }}

{{/* Labels that select the operator pod. */}}
{{- define "mlcycle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mlcycle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The operator's ServiceAccount. */}}
{{- define "mlcycle.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mlcycle.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The runtime pods' ServiceAccount. */}}
{{- define "mlcycle.runtimeServiceAccountName" -}}
{{- default (printf "%s-runtime" (include "mlcycle.fullname" .)) .Values.runtimeServiceAccount.name }}
{{- end }}

{{/* The Spark drivers' ServiceAccount (FeatureView engine spark). */}}
{{- define "mlcycle.sparkServiceAccountName" -}}
{{- default (printf "%s-spark" (include "mlcycle.fullname" .)) .Values.spark.driverServiceAccount.name }}
{{- end }}

{{/* The data claim every runtime pod mounts. */}}
{{- define "mlcycle.dataClaimName" -}}
{{- if .Values.data.existingClaim }}
{{- .Values.data.existingClaim }}
{{- else }}
{{- default (printf "%s-data" (include "mlcycle.fullname" .)) .Values.data.claimName }}
{{- end }}
{{- end }}

{{/* Full image reference "repository:tag", the tag defaulting to the chart appVersion. Call with (dict "image" .Values.x "root" $). */}}
{{- define "mlcycle.imageRef" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag | toString) }}
{{- end }}

{{/* The watched namespaces as a JSON list; a comma-separated string is accepted too. Empty: all. */}}
{{- define "mlcycle.watchNamespaces" -}}
{{- $value := .Values.watchNamespaces | default list }}
{{- if kindIs "string" $value }}
{{- $value = splitList "," $value }}
{{- end }}
{{- $namespaces := list }}
{{- range $value }}
{{- $namespace := toString . | trim }}
{{- if $namespace }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $namespace) }}
{{- fail (printf "watchNamespaces: %q is not a valid namespace name" $namespace) }}
{{- end }}
{{- $namespaces = append $namespaces $namespace }}
{{- end }}
{{- end }}
{{- toJson ($namespaces | uniq) }}
{{- end }}

{{/* Value of QUARKUS_OPERATOR_SDK_NAMESPACES: the watched namespaces, or every namespace. */}}
{{- define "mlcycle.watchedNamespacesEnv" -}}
{{- $watched := include "mlcycle.watchNamespaces" . | fromJsonArray }}
{{- if $watched }}
{{- join "," $watched }}
{{- else }}
{{- print "JOSDK_ALL_NAMESPACES" }}
{{- end }}
{{- end }}

{{/* Namespaces where runtime pods run: the watched ones (or the release namespace) plus runtimeNamespaces, as a JSON list. */}}
{{- define "mlcycle.runtimeNamespaces" -}}
{{- $namespaces := list }}
{{- $watched := include "mlcycle.watchNamespaces" . | fromJsonArray }}
{{- if $watched }}
{{- $namespaces = concat $namespaces $watched }}
{{- else }}
{{- $namespaces = append $namespaces .Release.Namespace }}
{{- end }}
{{- $namespaces = concat $namespaces .Values.runtimeNamespaces | uniq }}
{{- toJson $namespaces }}
{{- end }}

{{/* Container securityContext for the runtime pods. */}}
{{- define "mlcycle.runtimeSecurityContext" -}}
{{- if .Values.runtimeSecurityContext }}
{{- toJson .Values.runtimeSecurityContext }}
{{- else }}
{{- toJson .Values.securityContext }}
{{- end }}
{{- end }}
