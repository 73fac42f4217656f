package io.mlcycle.operator.modeldeployment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.analysis.MetricsEndpoint;
import io.mlcycle.operator.analysis.PrometheusProcess;
import io.mlcycle.operator.analysis.WebhookReceiver;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.RollbackRecord;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.testing.RealServersTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.awaitAnalysisAfter;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.awaitServes;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.awaitStatus;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.precisionAnalysis;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.closeAll;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.events;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rollback end to end: a real Prometheus scrapes a serving-metrics endpoint whose feedback counters
 * the test drives; the operator analyses the served version and rolls back.
 */
@RealServersTier
@QuarkusTest
class ModelDeploymentRollbackIT {

    private static final String NAME = "md-rb";
    private static final String MODEL = "m-rb";
    private static final String LOW = "md-low";
    private static final String LOW_MODEL = "m-low";
    private static final String SEQ = "md-seq";
    private static final String SEQ_MODEL = "m-seq";
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    private MetricsEndpoint metrics;
    private PrometheusProcess prometheus;
    private WebhookReceiver hook;
    private ScheduledExecutorService ticker;

    @AfterEach
    void stopAll() throws Exception {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        closeAll(prometheus, metrics, hook);
    }

    private ModelDeployment md() {
        return md(NAME);
    }

    private ModelDeployment md(String name) {
        return client.resources(ModelDeployment.class).inNamespace(NS).withName(name).get();
    }

    private static boolean anyMetric(
            ModelDeploymentStatus s, Predicate<ModelDeploymentStatus.MetricResult> test) {
        return s.analysis != null && s.analysis.metrics.stream().anyMatch(test);
    }

    private void startTicker(String name) {
        ticker = Executors.newScheduledThreadPool(2);
        ModelDeployments.tickAnalysis(ticker, client, clock, name, INTERVAL);
    }

    @Test
    void lowTrafficIsInconclusiveNeverARollbackUntilMinSamplesAreThere() throws Exception {
        metrics = MetricsEndpoint.start();
        for (int actual = 0; actual <= 1; actual++) {
            metrics.set(MetricsEndpoint.feedback(LOW, 2, 1, actual), 0);
        }
        prometheus = PrometheusProcess.start(List.of(metrics.target()));

        version(client, LOW_MODEL, 1, true);
        version(client, LOW_MODEL, 2, true);
        ModelDeployment md = deployment(LOW, LOW_MODEL);
        // Strict on purpose: one failed round rolls back and inconclusive counts as failure; too
        // few samples still must not.
        ModelDeploymentSpec.Rollback rb =
                precisionAnalysis(prometheus.url(), INTERVAL.toSeconds() + "s", 1);
        rb.inconclusiveIsFailure = true;
        ModelDeploymentSpec.MinSamples minSamples = new ModelDeploymentSpec.MinSamples();
        minSamples.count = 100L;
        minSamples.query =
                "sum(increase(mlcycle_feedback_total{deployment=\"{{name}}\","
                        + "version=\"{{version}}\",predicted=\"1\"}[10s]))";
        rb.metrics.get(0).minSamples = minSamples;
        md.getSpec().rollback = rb;
        client.resource(md).create();
        awaitServes(client, LOW, 2);
        markReady(client, LOW);

        // Low traffic: 5 labelled predictions every 2 s (about 25 in the 10 s window), precision
        // 0.2 — far below min 0.5, but too few samples to judge.
        startTicker(LOW);
        var low =
                ticker.scheduleAtFixedRate(
                        () -> {
                            metrics.add(MetricsEndpoint.feedback(LOW, 2, 1, 1), 1);
                            metrics.add(MetricsEndpoint.feedback(LOW, 2, 1, 0), 4);
                        },
                        0,
                        2000,
                        TimeUnit.MILLISECONDS);
        ModelDeployment gated =
                awaitStatus(
                        client,
                        LOW,
                        Duration.ofSeconds(60),
                        s ->
                                anyMetric(
                                        s,
                                        r ->
                                                r.samples != null
                                                        && r.samples > 0
                                                        && r.missingSamples != null));
        Instant since = Instant.parse(gated.getStatus().analysis.lastRun);
        awaitAnalysisAfter(
                client, LOW, since.plus(INTERVAL.multipliedBy(4)), Duration.ofSeconds(60));
        ModelDeploymentStatus status = md(LOW).getStatus();
        assertThat(status.rollbacks).isEmpty();
        assertThat(status.currentVersion).isEqualTo(2);
        assertThat(status.analysis.verdict).isEqualTo("Inconclusive");
        assertThat(status.analysis.consecutiveFailures).isZero();
        ModelDeploymentStatus.MetricResult precision = status.analysis.metrics.get(0);
        assertThat(precision.samples).isLessThan(100);
        assertThat(precision.missingSamples).isEqualTo(100 - precision.samples);
        assertThat(precision.message).contains("missing before it is judged");
        Condition inconclusive = condition(status, "AnalysisInconclusive").orElseThrow();
        assertThat(inconclusive.getStatus()).isEqualTo("True");
        assertThat(inconclusive.getReason()).isEqualTo("TooFewSamples");
        assertThat(inconclusive.getMessage()).contains("of 100 samples");
        assertThat(serveTask(servingDeployment(client, LOW)).version()).isEqualTo(2);

        // The same precision with enough traffic is judged, and rolls back.
        low.cancel(false);
        ticker.scheduleAtFixedRate(
                () -> {
                    metrics.add(MetricsEndpoint.feedback(LOW, 2, 1, 1), 1);
                    metrics.add(MetricsEndpoint.feedback(LOW, 2, 1, 0), 4);
                },
                0,
                200,
                TimeUnit.MILLISECONDS);
        ModelDeployment rolled =
                awaitStatus(client, LOW, Duration.ofSeconds(60), s -> !s.rollbacks.isEmpty());
        RollbackRecord record = rolled.getStatus().rollbacks.get(0);
        assertThat(record.metric).isEqualTo("online-precision");
        assertThat(record.value).isBetween(0.15, 0.25);
    }

    /** Sets the cumulative precision feedback of {@link #SEQ}'s version 2: right of n. */
    private void seqFeedback(int right, int n) {
        metrics.set(MetricsEndpoint.feedback(SEQ, 2, 1, 1), right);
        metrics.set(MetricsEndpoint.feedback(SEQ, 2, 1, 0), n - right);
    }

    @Test
    void sequentialModeKeepsAVersionOnAFewBadLabelsAndRollsBackOnceBelowMinWithConfidence()
            throws Exception {
        metrics = MetricsEndpoint.start();
        seqFeedback(0, 0);
        prometheus = PrometheusProcess.start(List.of(metrics.target()));
        version(client, SEQ_MODEL, 1, true);
        version(client, SEQ_MODEL, 2, true);
        ModelDeployment md = deployment(SEQ, SEQ_MODEL);
        ModelDeploymentSpec.Rollback rb =
                precisionAnalysis(prometheus.url(), INTERVAL.toSeconds() + "s", 1);
        rb.mode = ModelDeploymentSpec.JudgeMode.sequential;
        String predictedPositive =
                "mlcycle_feedback_total{deployment=\"{{name}}\",version=\"{{version}}\","
                        + "predicted=\"1\"";
        // counted since the version started: the sequence's samples only ever grow
        rb.metrics.get(0).query =
                "sum(" + predictedPositive + ",actual=\"1\"}) / sum(" + predictedPositive + "})";
        ModelDeploymentSpec.MinSamples minSamples = new ModelDeploymentSpec.MinSamples();
        minSamples.count = 20L;
        minSamples.query = "sum(" + predictedPositive + "})";
        rb.metrics.get(0).minSamples = minSamples;
        md.getSpec().rollback = rb;
        client.resource(md).create();
        awaitServes(client, SEQ, 2);
        markReady(client, SEQ);

        // precision 0.4 on 30 labels, below min 0.5, but the interval still holds 0.5
        seqFeedback(12, 30);
        startTicker(SEQ);
        ModelDeployment judged =
                awaitStatus(
                        client,
                        SEQ,
                        Duration.ofSeconds(60),
                        s -> anyMetric(s, r -> "Continue".equals(r.decision)));
        Instant since = Instant.parse(judged.getStatus().analysis.lastRun);
        awaitAnalysisAfter(
                client, SEQ, since.plus(INTERVAL.multipliedBy(4)), Duration.ofSeconds(60));
        ModelDeploymentStatus status = md(SEQ).getStatus();
        assertThat(status.rollbacks).isEmpty();
        assertThat(status.currentVersion).isEqualTo(2);
        ModelDeploymentStatus.MetricResult precision = status.analysis.metrics.get(0);
        assertThat(precision.value).isEqualTo(0.4);
        assertThat(precision.samples).isEqualTo(30);
        assertThat(precision.lower).isLessThan(0.4);
        assertThat(precision.upper).isGreaterThan(0.5);
        assertThat(precision.rule).contains("alpha 0.05");
        assertThat(serveTask(servingDeployment(client, SEQ)).version()).isEqualTo(2);

        // the same precision on 300 labels lies below min with confidence: rolled back at once
        seqFeedback(120, 300);
        ModelDeployment rolled =
                awaitStatus(client, SEQ, Duration.ofSeconds(60), s -> !s.rollbacks.isEmpty());
        RollbackRecord record = rolled.getStatus().rollbacks.get(0);
        assertThat(record.metric).isEqualTo("online-precision");
        assertThat(record.value).isEqualTo(0.4);
        assertThat(record.message).contains("below min 0.5").contains("on 300 samples");
        assertThat(record.toVersion).isEqualTo(1);
    }

    /**
     * Version 2 of {@code model} served by {@code name}, analysed by {@code rollback}, its pods
     * exporting feature bins where e1 and e2 are served as in training, e0 always in the top bin
     * and e3 never.
     */
    private void serveDriftedFeatures(
            String name,
            String model,
            ModelDeploymentSpec.Rollback rollback,
            ModelDeploymentSpec.Retrain retrain)
            throws Exception {
        metrics = MetricsEndpoint.start();
        DriftedFeatures.export(metrics, name, 2);
        prometheus = PrometheusProcess.start(List.of(metrics.target()));

        version(client, model, 1, true);
        version(client, model, 2, true);
        Cluster.edit(
                client,
                ModelVersion.class,
                model + "-v2",
                mv -> {
                    mv.getSpec().lineage = new ModelVersionSpec.Lineage();
                    mv.getSpec().lineage.trainingRun = "tr-" + model;
                    return mv;
                });
        ModelDeployment md = deployment(name, model);
        rollback.prometheus.url = prometheus.url();
        md.getSpec().rollback = rollback;
        md.getSpec().retrain = retrain;
        client.resource(md).create();
        awaitServes(client, name, 2);
        markReady(client, name);

        startTicker(name);
        ticker.scheduleAtFixedRate(
                () -> DriftedFeatures.tick(metrics, name, 2), 0, 250, TimeUnit.MILLISECONDS);
    }

    @Test
    void servedFeaturesDriftingFromTrainingFireSkewAndRollBackNamingThem() throws Exception {
        String name = "md-skew";
        ModelDeploymentSpec.Rollback rb =
                precisionAnalysis("http://x", INTERVAL.toSeconds() + "s", 2);
        ModelDeploymentSpec.Metric skew = ModelDeployments.skewMetric();
        rb.metrics = List.of(skew);
        serveDriftedFeatures(name, "m-skew", rb, null);

        ModelDeployment rolled =
                awaitStatus(client, name, Duration.ofSeconds(60), s -> !s.rollbacks.isEmpty());
        RollbackRecord record = rolled.getStatus().rollbacks.get(0);
        assertThat(record.fromVersion).isEqualTo(2);
        assertThat(record.toVersion).isEqualTo(1);
        assertThat(record.metric).isEqualTo("skew");
        assertThat(record.value).isGreaterThan(0.2);
        // the two drifted features are named first, the steady ones after them if at all
        String why = record.message;
        assertThat(why).contains("skew = ").contains("above max 0.2").contains("most drifted: ");
        String named = why.substring(why.indexOf("most drifted: "));
        assertThat(named).contains("events/e0").contains("events/e3");
        int lastDrifted = Math.max(named.indexOf("events/e0"), named.indexOf("events/e3"));
        for (String steady : List.of("events/e1", "events/e2")) {
            int at = named.indexOf(steady);
            assertThat(at == -1 || at > lastDrifted)
                    .as("%s after the drifted: %s", steady, named)
                    .isTrue();
        }
        assertThat(events(client, name))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("RolledBack");
                            assertThat(e.getMessage()).contains("events/e0").contains("events/e3");
                        });
        awaitServes(client, name, 1);
    }

    @Test
    void driftAboveTheThresholdStartsOneTrainingRunCopiedFromTheServedVersionsRun()
            throws Exception {
        String name = "md-drift";
        TrainingRunSpec trSpec = new TrainingRunSpec();
        trSpec.model = "m-drift";
        TrainingRunSpec.FeatureRef fv = new TrainingRunSpec.FeatureRef();
        fv.featureView = "fv-drift-missing";
        trSpec.features = List.of(fv);
        trSpec.labels = new TrainingRunSpec.Labels();
        trSpec.labels.uri = "file:///data/labels/dt={date}/";
        trSpec.labels.column = "y";
        trSpec.retrain.schedule = "0 3 * * *";
        TrainingRun original = new TrainingRun();
        original.setMetadata(
                new ObjectMetaBuilder().withName("tr-m-drift").withNamespace(NS).build());
        original.setSpec(trSpec);
        client.resource(original).create();

        // the rollback metric passes (precision has no data, inconclusive): only drift acts
        ModelDeploymentSpec.Rollback rb =
                precisionAnalysis("http://x", INTERVAL.toSeconds() + "s", 2);
        ModelDeploymentSpec.Retrain retrain = new ModelDeploymentSpec.Retrain();
        retrain.onDrift = new ModelDeploymentSpec.OnDrift();
        retrain.onDrift.threshold = 0.5;
        retrain.onDrift.window = "10s";
        serveDriftedFeatures(name, "m-drift", rb, retrain);

        TrainingRun started =
                Cluster.awaitResource(
                        client,
                        TrainingRun.class,
                        "tr-m-drift-drift-v2",
                        Duration.ofSeconds(60),
                        tr -> true);
        assertThat(started.getSpec().model).isEqualTo("m-drift");
        assertThat(started.getSpec().features.get(0).featureView).isEqualTo("fv-drift-missing");
        assertThat(started.getSpec().retrain.onFeatureViewUpdate).isFalse();
        assertThat(started.getSpec().retrain.schedule).isNull();
        assertThat(started.getMetadata().getLabels())
                .containsEntry(DriftRetrain.DRIFT_OF_LABEL, name);
        assertThat(started.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo(name));

        ModelDeploymentStatus.RetrainStatus retrained =
                awaitStatus(
                                client,
                                name,
                                Cluster.TIMEOUT,
                                s -> s.retrain != null && s.retrain.trainingRun != null)
                        .getStatus()
                        .retrain;
        assertThat(retrained.trainingRun).isEqualTo("tr-m-drift-drift-v2");
        assertThat(retrained.version).isEqualTo(2);
        assertThat(retrained.skew).isGreaterThan(0.5);
        assertThat(retrained.message).contains("events/e0").contains("events/e3");
        assertThat(events(client, name))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("RetrainOnDrift");
                            assertThat(e.getMessage())
                                    .contains("above threshold 0.5 on version 2")
                                    .contains("events/e0")
                                    .contains("started TrainingRun tr-m-drift-drift-v2");
                        });

        // once per served version: later rounds measure again but start nothing more
        Instant since = Instant.parse(md(name).getStatus().analysis.lastRun);
        awaitAnalysisAfter(
                client, name, since.plus(INTERVAL.multipliedBy(3)), Duration.ofSeconds(30));
        assertThat(
                        client.resources(TrainingRun.class)
                                .inNamespace(NS)
                                .withLabel(DriftRetrain.DRIFT_OF_LABEL, name)
                                .list()
                                .getItems())
                .hasSize(1);
        assertThat(md(name).getStatus().rollbacks).isEmpty();
        assertThat(events(client, name))
                .filteredOn(e -> "RetrainOnDrift".equals(e.getReason()))
                .hasSize(1);
    }

    @Test
    void rollsBackWhenOnlinePrecisionFallsAndNeverOnMissingData() throws Exception {
        metrics = MetricsEndpoint.start();
        for (int v = 1; v <= 2; v++) {
            for (int actual = 0; actual <= 1; actual++) {
                metrics.set(MetricsEndpoint.feedback(NAME, v, 1, actual), 0);
            }
        }
        prometheus = PrometheusProcess.start(List.of(metrics.target()));
        hook = WebhookReceiver.start();
        List<String> posts = hook.posts();

        version(client, MODEL, 1, true);
        version(client, MODEL, 2, true);
        ModelDeployment md = deployment(NAME, MODEL);
        ModelDeploymentSpec.Rollback rb =
                precisionAnalysis(prometheus.url(), INTERVAL.toSeconds() + "s", 2);
        rb.webhook = new ModelDeploymentSpec.Webhook();
        rb.webhook.url = hook.url();
        md.getSpec().rollback = rb;
        client.resource(md).create();

        awaitServes(client, NAME, 2);
        markReady(client, NAME);

        // Feedback: 1 in 5 positive predictions of version 2 turn out right.
        startTicker(NAME);
        ticker.scheduleAtFixedRate(
                () -> {
                    metrics.add(MetricsEndpoint.feedback(NAME, 2, 1, 1), 1);
                    metrics.add(MetricsEndpoint.feedback(NAME, 2, 1, 0), 4);
                },
                0,
                250,
                TimeUnit.MILLISECONDS);

        Instant[] firstFailed = new Instant[1];
        ModelDeployment rolled =
                awaitStatus(
                        client,
                        NAME,
                        Duration.ofSeconds(60),
                        s -> {
                            if (s.analysis != null
                                    && "Failed".equals(s.analysis.verdict)
                                    && firstFailed[0] == null) {
                                firstFailed[0] = Instant.parse(s.analysis.lastRun);
                            }
                            return !s.rollbacks.isEmpty();
                        });

        ModelDeploymentStatus status = rolled.getStatus();
        RollbackRecord record = status.rollbacks.get(0);
        assertThat(record.fromVersion).isEqualTo(2);
        assertThat(record.toVersion).isEqualTo(1);
        assertThat(record.metric).isEqualTo("online-precision");
        assertThat(record.value).isBetween(0.15, 0.25);
        // Threshold 2: the first failed analysis and the next one, one interval later.
        assertThat(firstFailed[0]).as("a failed analysis was seen before the rollback").isNotNull();
        assertThat(Duration.between(firstFailed[0], Instant.parse(record.at)))
                .isLessThanOrEqualTo(INTERVAL.multipliedBy(2))
                .isEqualTo(INTERVAL);
        Condition rolledBack = condition(status, "RolledBack").orElseThrow();
        assertThat(rolledBack.getStatus()).isEqualTo("True");
        assertThat(rolledBack.getMessage()).contains("online-precision").contains("below min 0.5");

        awaitServes(client, NAME, 1);
        ModelDeploymentStatus rolledBackStatus =
                awaitStatus(
                                client,
                                NAME,
                                Cluster.TIMEOUT,
                                s -> s.phase == ModelDeploymentStatus.Phase.RolledBack)
                        .getStatus();
        assertThat(rolledBackStatus.currentVersion).isEqualTo(1);
        assertThat(rolledBackStatus.previousVersion).isEqualTo(2);
        ModelVersion bad =
                client.resources(ModelVersion.class).inNamespace(NS).withName(MODEL + "-v2").get();
        assertThat(bad.getMetadata().getAnnotations())
                .hasEntrySatisfying(
                        ModelVersion.ROLLED_BACK_ANNOTATION,
                        v -> assertThat(v).contains("online-precision"));
        assertThat(events(client, NAME))
                .anySatisfy(
                        e -> {
                            assertThat(e.getReason()).isEqualTo("RolledBack");
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage()).contains("from version 2 to 1");
                        });
        assertThat(posts).hasSize(1);
        assertThat(new ObjectMapper().readTree(posts.get(0)).get("text").asText())
                .contains(NAME)
                .contains("rolled back from version 2 to 1");

        // Version 1's pods come up (the analysis judges a version once its rollout is done).
        markReady(client, NAME);
        // Prometheus gone: the analysis of version 1 is inconclusive, never a rollback.
        prometheus.stop();
        ModelDeployment inconclusive =
                awaitStatus(
                        client,
                        NAME,
                        Cluster.TIMEOUT,
                        s ->
                                condition(s, "AnalysisInconclusive")
                                        .filter(c -> "True".equals(c.getStatus()))
                                        .filter(c -> c.getMessage().contains("unreachable"))
                                        .isPresent());
        Instant since = Instant.parse(inconclusive.getStatus().analysis.lastRun);
        awaitAnalysisAfter(client, NAME, since.plus(INTERVAL.multipliedBy(3)), Cluster.TIMEOUT);
        ModelDeploymentStatus after = md().getStatus();
        assertThat(after.rollbacks).hasSize(1);
        assertThat(after.currentVersion).isEqualTo(1);
        assertThat(after.analysis.verdict).isEqualTo("Inconclusive");
        assertThat(after.analysis.version).isEqualTo(1);
        assertThat(serveTask(servingDeployment(client, NAME)).version()).isEqualTo(1);
        assertThat(
                        client.resources(ModelVersion.class)
                                .inNamespace(NS)
                                .withName(MODEL + "-v1")
                                .get()
                                .getMetadata()
                                .getAnnotations())
                .doesNotContainKey(ModelVersion.ROLLED_BACK_ANNOTATION);
        assertThat(posts).hasSize(1);
    }
}
