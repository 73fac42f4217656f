{{/* The alerting rules (the PrometheusRule's spec; promtool checks and tests them in the chart tests). */}}
{{- define "mlcycle.alertRules" -}}
{{- $a := .Values.monitoring.prometheusRule -}}
groups:
  - name: mlcycle
    rules:
      - alert: MlcycleFeatureViewStale
        expr: time() - mlcycle_featureview_latest_materialized_timestamp_seconds > {{ $a.featureViewStaleSeconds }}
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: 'FeatureView {{ "{{ $labels.namespace }}/{{ $labels.featureview }}" }} has no new table for {{ "{{ $value | humanizeDuration }}" }}'
      - alert: MlcycleFeatureViewFailed
        expr: mlcycle_featureview_phase{phase="Failed"} == 1
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: 'FeatureView {{ "{{ $labels.namespace }}/{{ $labels.featureview }}" }} failed (kubectl describe fv)'
      - alert: MlcycleTrainingFailing
        expr: mlcycle_trainingrun_phase{phase="Failed"} == 1
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: 'TrainingRun {{ "{{ $labels.namespace }}/{{ $labels.trainingrun }}" }} failed its last training'
      - alert: MlcycleModelRolledBack
        expr: delta(mlcycle_modeldeployment_rollbacks[30m]) > 0
        labels:
          severity: critical
        annotations:
          summary: 'ModelDeployment {{ "{{ $labels.namespace }}/{{ $labels.modeldeployment }}" }} rolled back (status.rollbacks)'
      - alert: MlcycleAnalysisInconclusive
        expr: mlcycle_modeldeployment_analysis_verdict{verdict="Inconclusive"} == 1
        for: {{ $a.inconclusiveFor }}
        labels:
          severity: warning
        annotations:
          summary: 'Analysis metric {{ "{{ $labels.metric }}" }} of {{ "{{ $labels.namespace }}/{{ $labels.modeldeployment }}" }} has had no verdict for {{ $a.inconclusiveFor }}: rollback cannot fire'
      - alert: MlcycleServingErrors
        expr: |-
          sum by (namespace, deployment) (rate(mlcycle_requests_total{code=~"5.."}[5m]))
            / sum by (namespace, deployment) (rate(mlcycle_requests_total[5m])) > {{ $a.servingErrorRatio }}
        for: 10m
        labels:
          severity: critical
        annotations:
          summary: 'ModelDeployment {{ "{{ $labels.namespace }}/{{ $labels.deployment }}" }} answers {{ "{{ $value | humanizePercentage }}" }} of requests with 5xx'
      - alert: MlcycleServingDegraded
        expr: mlcycle_modeldeployment_phase{phase=~"Degraded|Failed"} == 1
        for: 15m
        labels:
          severity: critical
        annotations:
          summary: 'ModelDeployment {{ "{{ $labels.namespace }}/{{ $labels.modeldeployment }}" }} is {{ "{{ $labels.phase }}" }}'
{{- end }}
