package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Prometheus Operator objects: off by default; when on, a PodMonitor for the serving pods and a
 * ServiceMonitor for the operator whose fields the Prometheus Operator's types know, alert rules
 * that promtool checks and unit-tests, and a Grafana dashboard whose queries name only metrics
 * mlcycle publishes.
 */
@UnitTier
class MonitoringChartTest {

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Map<String, Object> ALL_ON =
            Map.of(
                    "monitoring.podMonitor.enabled", true,
                    "monitoring.serviceMonitor.enabled", true,
                    "monitoring.prometheusRule.enabled", true,
                    "monitoring.dashboard.enabled", true,
                    "monitoring.labels.release", "kube-prometheus-stack");

    /** Every metric name mlcycle publishes: serving pods' and the operator's. */
    static final Set<String> PUBLISHED =
            Set.of(
                    "mlcycle_requests_total",
                    "mlcycle_errors_total",
                    "mlcycle_request_duration_seconds_bucket",
                    "mlcycle_score_bucket",
                    "mlcycle_predictions_total",
                    "mlcycle_feedback_total",
                    "mlcycle_model_ready",
                    "mlcycle_model_info",
                    "mlcycle_featureview_phase",
                    "mlcycle_featureview_latest_asof_timestamp_seconds",
                    "mlcycle_featureview_latest_materialized_timestamp_seconds",
                    "mlcycle_featureview_latest_entities",
                    "mlcycle_featureview_latest_features",
                    "mlcycle_featureview_waiting_dates",
                    "mlcycle_trainingrun_phase",
                    "mlcycle_trainingrun_last_duration_seconds",
                    "mlcycle_modelversion_phase",
                    "mlcycle_modelversion_metric",
                    "mlcycle_modeldeployment_phase",
                    "mlcycle_modeldeployment_served_version",
                    "mlcycle_modeldeployment_ready_replicas",
                    "mlcycle_modeldeployment_rollbacks",
                    "mlcycle_modeldeployment_canary_weight",
                    "mlcycle_modeldeployment_canary_step",
                    "mlcycle_modeldeployment_analysis_value",
                    "mlcycle_modeldeployment_analysis_verdict",
                    "mlcycle_modeldeployment_analysis_estimate",
                    "mlcycle_modeldeployment_analysis_lower",
                    "mlcycle_modeldeployment_analysis_upper",
                    "operator_sdk_controllers_execution_reconcile_seconds_count");

    @Test
    void nothingOfThePrometheusOperatorIsRenderedByDefault() {
        Chart.Rendered defaults = Chart.template(Map.of());
        assertThat(defaults.ofKind("PodMonitor")).isEmpty();
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
        assertThat(defaults.ofKind("PrometheusRule")).isEmpty();
        assertThat(defaults.find("ConfigMap", "mlcycle-dashboard")).isEmpty();
    }

    @Test
    void podAndServiceMonitorsSelectTheServingPodsAndTheOperatorsMetricsService() throws Exception {
        Chart.Rendered r = Chart.template(ALL_ON);
        JsonNode pm = r.get("PodMonitor", "mlcycle-serving");
        assertKnownFields(pm, PodMonitor.class);
        assertThat(pm.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(pm.at("/spec/selector/matchLabels/mlcycle.io~1runtime").asText())
                .isEqualTo("server");
        assertThat(pm.at("/spec/selector/matchLabels/app.kubernetes.io~1managed-by").asText())
                .isEqualTo("mlcycle");
        assertThat(pm.at("/spec/namespaceSelector/any").asBoolean()).isTrue();
        // the serving container's port name (ServingResources.PORT_NAME) and its metrics path
        assertThat(pm.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("http");
        assertThat(pm.at("/spec/podMetricsEndpoints/0/path").asText()).isEqualTo("/metrics");

        JsonNode sm = r.get("ServiceMonitor", "mlcycle-operator");
        assertKnownFields(sm, ServiceMonitor.class);
        JsonNode service = r.get("Service", "mlcycle-metrics");
        sm.at("/spec/selector/matchLabels")
                .fields()
                .forEachRemaining(
                        e ->
                                assertThat(service.at("/metadata/labels").path(e.getKey()).asText())
                                        .as("metrics Service label " + e.getKey())
                                        .isEqualTo(e.getValue().asText()));
        assertThat(sm.at("/spec/endpoints/0/port").asText())
                .isEqualTo(service.at("/spec/ports/0/name").asText());
        assertThat(sm.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");

        Chart.Rendered scoped =
                Chart.template(
                        Map.of(
                                "monitoring.podMonitor.enabled",
                                true,
                                "watchNamespaces",
                                "team-a,team-b"));
        assertThat(
                        scoped.get("PodMonitor", "mlcycle-serving")
                                .at("/spec/namespaceSelector/matchNames"))
                .extracting(JsonNode::asText)
                .containsExactly("team-a", "team-b");
    }

    @Test
    void alertRulesPassPromtoolsCheckAndItsUnitTests(@TempDir Path dir) throws Exception {
        assumeTrue(
                Files.isExecutable(PROMTOOL) || System.getenv("CI") != null,
                "promtool (Debian package prometheus) is not installed");
        JsonNode rule = Chart.template(ALL_ON).get("PrometheusRule", "mlcycle");
        assertKnownFields(rule, PrometheusRule.class);
        Path rules = dir.resolve("mlcycle-rules.yaml");
        Chart.YAML.writeValue(rules.toFile(), rule.get("spec"));
        Files.copy(Resources.path("rules/mlcycle-rules-test.yaml"), dir.resolve("test.yaml"));

        assertThat(promtool(dir, "check", "rules", rules.toString())).contains("SUCCESS: 7 rules");
        String tested = promtool(dir, "test", "rules", "test.yaml");
        assertThat(tested).contains("SUCCESS");
        for (JsonNode r : rule.at("/spec/groups/0/rules")) {
            assertThat(Files.readString(dir.resolve("test.yaml")))
                    .as("a promtool test case for " + r.get("alert").asText())
                    .contains("alertname: " + r.get("alert").asText());
        }
    }

    @Test
    void theDashboardIsASidecarConfigMapWhosePanelsQueryOnlyPublishedMetricsInEveryTarget()
            throws Exception {
        JsonNode cm = Chart.template(ALL_ON).get("ConfigMap", "mlcycle-dashboard");
        assertThat(cm.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        JsonNode dashboard = new ObjectMapper().readTree(cm.at("/data/mlcycle.json").asText());
        assertThat(dashboard.get("uid").asText()).isEqualTo("mlcycle");
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach(panels::add);
        assertThat(panels).hasSizeGreaterThanOrEqualTo(12);
        Pattern metric = Pattern.compile("\\b((?:mlcycle|operator_sdk)_[a-z_]+)");
        for (JsonNode p : panels) {
            String title = p.get("title").asText();
            assertThat(p.path("targets")).as("targets of panel '" + title + "'").isNotEmpty();
            for (JsonNode target : p.path("targets")) {
                String query = "panel '" + title + "' target " + target.path("refId").asText();
                String expr = target.path("expr").asText();
                assertThat(expr).as(query).isNotBlank();
                Matcher m = metric.matcher(expr);
                boolean any = false;
                while (m.find()) {
                    any = true;
                    assertThat(PUBLISHED).as("metric of " + query).contains(m.group(1));
                }
                assertThat(any).as(query + " names a metric").isTrue();
            }
        }
    }

    static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PROMTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", List.of(args), out).isZero();
        return out;
    }

    /**
     * The rendered object read as the Prometheus Operator's type leaves no field over: every field
     * the chart writes is one the CRD defines.
     */
    static void assertKnownFields(JsonNode rendered, Class<? extends KubernetesResource> type)
            throws Exception {
        Object typed = Chart.JSON.treeToValue(rendered, type);
        List<String> unknown = new ArrayList<>();
        collectUnknown(typed, type.getSimpleName(), unknown, new IdentityHashMap<>());
        assertThat(unknown).as("fields the %s type does not know", type.getSimpleName()).isEmpty();
    }

    private static void collectUnknown(
            Object o, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen)
            throws Exception {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                collectUnknown(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get")) {
                continue;
            }
            Object v = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else if (!m.getName().equals("getClass")) {
                collectUnknown(v, path + "." + m.getName().substring(3), unknown, seen);
            }
        }
    }
}
