{{- /* The `helm test` pod; a named template so the chart tests can render it (helm-java
     returns the manifest without hooks). */ -}}
{{- define "mlcycle.testOperatorAnswers" -}}
{{- if and .Values.helmTest.enabled .Values.metrics.enabled }}
# `helm test <release>`: the operator answers its readiness endpoint through the metrics Service
# (only ready replicas are behind it).
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "mlcycle.fullname" . }}-test-operator-answers
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "mlcycle.labels" . | nindent 4 }}
    app.kubernetes.io/component: helm-test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: health
      image: {{ .Values.helmTest.image | quote }}
      command:
        - wget
        - -q
        - -O-
        - -T
        - "10"
        - http://{{ include "mlcycle.fullname" . }}-metrics.{{ .Release.Namespace }}.svc:{{ .Values.metrics.port }}/q/health/ready
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          memory: 32Mi
{{- end }}
{{- end }}
