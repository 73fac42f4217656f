{{/*
The operator's permissions in the namespaces it watches (least privilege).
*/}}
{{- define "mlcycle.rbac.operatorRules" -}}
# The four kinds: ModelVersions are created by trainings, TrainingRuns by retrain.onDrift.
- apiGroups: ["mlcycle.io"]
  resources:
    - featureviews
    - trainingruns
    - modelversions
    - modeldeployments
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["mlcycle.io"]
  resources:
    - featureviews/status
    - trainingruns/status
    - modelversions/status
    - modeldeployments/status
  verbs: ["get", "update", "patch"]
# Owner references with blockOwnerDeletion (Jobs, Deployments, ModelVersions) need update on the
# owner's finalizers where the OwnerReferencesPermissionEnforcement admission plugin runs.
- apiGroups: ["mlcycle.io"]
  resources:
    - featureviews/finalizers
    - trainingruns/finalizers
    - modelversions/finalizers
    - modeldeployments/finalizers
  verbs: ["update"]
# Pivot, training and batch-scoring Jobs: created once, never updated (a Job's pod template is
# immutable). patch only because JOSDK dependents create through server-side apply (a PATCH).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# Pods are only read, for the termination message a finished runtime leaves.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# The tail of a running runtime pod's log: its last progress report (status ... progress).
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
# The serving Deployment and Service of a ModelDeployment.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# The serving pods' HorizontalPodAutoscaler (spec.autoscaling) and PodDisruptionBudget
# (spec.disruption), dependents of a ModelDeployment like its Deployment.
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- if .Values.keda.enabled }}
# spec.autoscaling.autoscaler keda: the ScaledObject of a ModelDeployment, read by name (KEDA is
# optional, so the operator neither lists nor watches them), created, edited, deleted.
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: ["get", "create", "patch", "delete"]
{{- end }}
# spec.networkPolicy: the serving pods' NetworkPolicies (<name>, <name>-shadow).
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- if .Values.spark.enabled }}
# FeatureView engine spark: SparkApplications are created once and never updated, like the Jobs;
# the driver pod's termination message is read through the pods rule above.
- apiGroups: ["sparkoperator.k8s.io"]
  resources: ["sparkapplications"]
  verbs: ["get", "list", "watch", "create", "delete"]
{{- end }}
# Secrets are read, by name, for rollback.prometheus.authSecret, rollback.webhook.urlSecret, the
# spec.storage.s3.credentialsSecret and spec.feedback.tokenSecret a resource names (does it exist
# with its keys?), and created once per ModelDeployment (<name>-feedback-token, the feedback token
# its serving pods take by secretKeyRef; never updated, never listed or watched). RBAC cannot
# restrict create by name; this rule is as narrow as the watch mode: a Role per watched namespace.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create"]
# Core v1 Events only; get: the operator bumps the count of an Event it already recorded.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "create", "patch"]
{{- end }}

{{/*
Renders the operator's rules as one ClusterRole + ClusterRoleBinding when watchNamespaces is
empty (all namespaces), else as a Role + RoleBinding in each watched namespace.
*/}}
{{- define "mlcycle.rbac.operator" -}}
{{- $fullname := include "mlcycle.fullname" . }}
{{- $serviceAccount := include "mlcycle.serviceAccountName" . }}
{{- $watched := include "mlcycle.watchNamespaces" . | fromJsonArray }}
{{- if not $watched }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ $fullname }}-operator
  labels:
    {{- include "mlcycle.labels" . | nindent 4 }}
rules:
  {{- include "mlcycle.rbac.operatorRules" . | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ $fullname }}-operator
  labels:
    {{- include "mlcycle.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $fullname }}-operator
subjects:
  - kind: ServiceAccount
    name: {{ $serviceAccount }}
    namespace: {{ .Release.Namespace }}
{{- else }}
{{- range $namespace := $watched }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $fullname }}-operator
  namespace: {{ $namespace }}
  labels:
    {{- include "mlcycle.labels" $ | nindent 4 }}
rules:
  {{- include "mlcycle.rbac.operatorRules" $ | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $fullname }}-operator
  namespace: {{ $namespace }}
  labels:
    {{- include "mlcycle.labels" $ | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $fullname }}-operator
subjects:
  - kind: ServiceAccount
    name: {{ $serviceAccount }}
    namespace: {{ $.Release.Namespace }}
{{- end }}
{{- end }}
{{- end }}
