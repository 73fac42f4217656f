package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.TaskJson;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

import static io.mlcycle.operator.testing.Cluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

/** Builders and fake controllers for ModelDeployment tests on the mock API server. */
public final class ModelDeployments {

    private ModelDeployments() {}

    /** Registers {@code <model>-v<n>} with an approval status, as training would. */
    public static ModelVersion version(
            KubernetesClient client, String model, int n, boolean approved) {
        return version(client, model, n, approved, null);
    }

    /** {@link #version(KubernetesClient, String, int, boolean)} trained on {@code schema}. */
    public static ModelVersion version(
            KubernetesClient client, String model, int n, boolean approved, FeatureSchema schema) {
        ModelVersionSpec spec = new ModelVersionSpec();
        spec.featureSchema = schema;
        spec.model = model;
        spec.version = n;
        spec.artifactUri = "file:///data/models/" + model + "/v" + n + "/";
        spec.algorithm = "logistic";
        spec.metrics = Map.of("auc", 0.7 + n / 100.0);
        // A person's approval, so the ModelVersion reconciler keeps the verdict the test wants.
        spec.approval =
                approved ? ModelVersionSpec.Approval.Approved : ModelVersionSpec.Approval.Rejected;
        ModelVersion mv = new ModelVersion();
        mv.setMetadata(
                new ObjectMetaBuilder()
                        .withName(model + "-v" + n)
                        .withNamespace(NS)
                        .withLabels(Map.of(ModelVersion.MODEL_LABEL, model))
                        .build());
        mv.setSpec(spec);
        ModelVersion created = client.resource(mv).create();
        ModelVersionStatus status = new ModelVersionStatus();
        status.approved = approved;
        status.phase =
                approved ? ModelVersionStatus.Phase.Approved : ModelVersionStatus.Phase.Rejected;
        created.setStatus(status);
        return client.resource(created).updateStatus();
    }

    /**
     * A feature schema of features from {@code view} (trained at generation 1), each with its SHAP
     * share, in the order given.
     */
    public static FeatureSchema schema(String view, Map<String, Double> shares) {
        FeatureSchema schema = new FeatureSchema();
        shares.forEach(
                (name, share) -> schema.features.add(new FeatureSchema.Feature(name, share)));
        schema.views.add(new FeatureSchema.View(view, 1L, "2026-11-20"));
        return schema;
    }

    /** Feature names and SHAP shares, in the order given: {@code shares("a", 0.7, "b", 0.3)}. */
    public static Map<String, Double> shares(Object... nameShare) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameShare.length; i += 2) {
            m.put((String) nameShare[i], (Double) nameShare[i + 1]);
        }
        return m;
    }

    /** {@code <model>-v<n>} in memory (not on the API server), with an approval and a schema. */
    public static ModelVersion trained(
            String model, int n, boolean approved, FeatureSchema schema) {
        ModelVersion mv = new ModelVersion();
        mv.setMetadata(
                new ObjectMetaBuilder().withName(model + "-v" + n).withNamespace(NS).build());
        mv.setSpec(new ModelVersionSpec());
        mv.getSpec().model = model;
        mv.getSpec().version = n;
        mv.getSpec().featureSchema = schema;
        mv.setStatus(new ModelVersionStatus());
        mv.getStatus().approved = approved;
        return mv;
    }

    static ModelDeployment deployment(String name, String model) {
        ModelDeploymentSpec spec = new ModelDeploymentSpec();
        spec.model = model;
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        md.setSpec(spec);
        return md;
    }

    /**
     * Analysis of online precision over the last 10 s of {@code {{version}}}'s feedback, min 0.5,
     * against {@code prometheusUrl}.
     */
    static ModelDeploymentSpec.Rollback precisionAnalysis(
            String prometheusUrl, String interval, int failureThreshold) {
        ModelDeploymentSpec.Rollback rb = new ModelDeploymentSpec.Rollback();
        rb.prometheus = new ModelDeploymentSpec.Prometheus();
        rb.prometheus.url = prometheusUrl;
        rb.interval = interval;
        rb.failureThreshold = failureThreshold;
        ModelDeploymentSpec.Metric precision = new ModelDeploymentSpec.Metric();
        precision.name = "online-precision";
        precision.query =
                "sum(rate(mlcycle_feedback_total{deployment=\"{{name}}\",version=\"{{version}}\","
                        + "predicted=\"1\",actual=\"1\"}[10s])) / sum(rate(mlcycle_feedback_total"
                        + "{deployment=\"{{name}}\",version=\"{{version}}\",predicted=\"1\"}[10s]))";
        precision.min = 0.5;
        rb.metrics = List.of(precision);
        return rb;
    }

    /**
     * A canary of {@code weight} % in mode sequential (margin 0.05) judged on precision and its
     * label count, both since each version started (no range), at least 20 labels a side.
     */
    static ModelDeploymentSpec sequentialCanary(
            ModelDeploymentSpec spec, String prometheusUrl, int weight, Duration step) {
        spec.rollback = precisionAnalysis(prometheusUrl, "1h", 1);
        String positive =
                "mlcycle_feedback_total{deployment=\"{{name}}\",version=\"{{version}}\","
                        + "predicted=\"1\"";
        ModelDeploymentSpec.Metric precision = spec.rollback.metrics.get(0);
        precision.query = "sum(" + positive + ",actual=\"1\"}) / sum(" + positive + "})";
        precision.minSamples = new ModelDeploymentSpec.MinSamples();
        precision.minSamples.count = 20L;
        precision.minSamples.query = "sum(" + positive + "})";
        spec.rollout = new ModelDeploymentSpec.Rollout();
        spec.rollout.canary = new ModelDeploymentSpec.Canary();
        spec.rollout.canary.weight = weight;
        spec.rollout.canary.stepInterval = step.toSeconds() + "s";
        spec.rollout.canary.mode = ModelDeploymentSpec.JudgeMode.sequential;
        spec.rollout.canary.tolerance = 0.05;
        return spec;
    }

    /** The built-in skew metric, failing above PSI 0.2, over a window of 10 s. */
    static ModelDeploymentSpec.Metric skewMetric() {
        ModelDeploymentSpec.Metric skew = new ModelDeploymentSpec.Metric();
        skew.name = "skew";
        skew.builtin = ModelDeploymentSpec.Metric.SKEW;
        skew.window = "10s";
        skew.max = 0.2;
        return skew;
    }

    /** Serves version 1 of {@code md}'s model from a ready stable Deployment (until Available). */
    static void serveVersionOne(KubernetesClient client, ModelDeployment md, Duration wait) {
        version(client, md.getSpec().model, 1, true);
        client.resource(md).create();
        String name = md.getMetadata().getName();
        Cluster.awaitResource(
                client, Deployment.class, name, wait, d -> serveTask(d).version() == 1);
        markReady(client, name);
        awaitStatus(client, name, wait, s -> s.phase == ModelDeploymentStatus.Phase.Available);
    }

    /** Waits until the serving Deployment {@code name} serves {@code version}, and returns it. */
    static Deployment awaitServes(KubernetesClient client, String name, int version) {
        return Cluster.awaitResource(
                client, Deployment.class, name, d -> serveTask(d).version() == version);
    }

    /** Waits until the ModelDeployment's status satisfies {@code until}, and returns it. */
    static ModelDeployment awaitStatus(
            KubernetesClient client,
            String name,
            Duration atMost,
            Predicate<ModelDeploymentStatus> until) {
        return Cluster.awaitResource(
                client,
                ModelDeployment.class,
                name,
                atMost,
                m -> m.getStatus() != null && until.test(m.getStatus()));
    }

    /** Waits until an analysis round of {@code name} has run at or after {@code at}. */
    static ModelDeploymentStatus awaitAnalysisAfter(
            KubernetesClient client, String name, Instant at, Duration atMost) {
        return awaitStatus(
                        client,
                        name,
                        atMost,
                        s ->
                                s.analysis != null
                                        && s.analysis.lastRun != null
                                        && !Instant.parse(s.analysis.lastRun).isBefore(at))
                .getStatus();
    }

    static Deployment servingDeployment(KubernetesClient client, String name) {
        return client.apps().deployments().inNamespace(NS).withName(name).get();
    }

    static ServeTask serveTask(Deployment d) {
        return (ServeTask)
                TaskJson.readTask(
                        d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                                .filter(e -> TaskJson.TASK_ENV.equals(e.getName()))
                                .findFirst()
                                .orElseThrow()
                                .getValue());
    }

    /** Plays the Deployment controller: every wanted pod updated and ready. */
    static void markReady(KubernetesClient client, String name) {
        Cluster.edit(
                client,
                Deployment.class,
                name,
                d -> {
                    int n = d.getSpec().getReplicas();
                    d.setStatus(
                            new DeploymentStatusBuilder()
                                    .withObservedGeneration(d.getMetadata().getGeneration())
                                    .withReplicas(n)
                                    .withUpdatedReplicas(n)
                                    .withReadyReplicas(n)
                                    .withAvailableReplicas(n)
                                    .build());
                    return d;
                });
    }

    static String container(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getName();
    }

    static final String SERVER = RuntimeJobs.Runtime.server.name();

    /**
     * Every 100 ms on {@code ticker}: {@code name} as the API has it then, to {@code look} (a tick
     * the API server is too busy for is skipped).
     */
    private static void everyTick(
            ScheduledExecutorService ticker,
            KubernetesClient client,
            String name,
            Consumer<ModelDeployment> look) {
        ticker.scheduleWithFixedDelay(
                () -> {
                    try {
                        ModelDeployment m =
                                client.resources(ModelDeployment.class)
                                        .inNamespace(NS)
                                        .withName(name)
                                        .get();
                        if (m != null && m.getStatus() != null) {
                            look.accept(m);
                        }
                    } catch (RuntimeException e) {
                        // the API server is busy; the next tick looks again
                    }
                },
                0,
                100,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Plays time for {@code name}'s rollback analysis on {@code ticker}: after each round the
     * operator's clock moves one {@code interval} on, so rounds are exactly one interval apart
     * however slow this machine is.
     */
    static void tickAnalysis(
            ScheduledExecutorService ticker,
            KubernetesClient client,
            TestClock clock,
            String name,
            Duration interval) {
        everyTick(
                ticker,
                client,
                name,
                m -> {
                    if (m.getStatus().analysis != null
                            && !Instant.parse(m.getStatus().analysis.lastRun)
                                    .isBefore(clock.instant())) {
                        clock.advance(interval);
                    }
                });
    }

    /**
     * Plays time for {@code name}'s canary on {@code ticker}: once its current step (or its latest
     * analysis) has started at the operator's clock, the clock moves one {@code step} on, so
     * analyses come one step interval apart; it stands still from step {@code holdAtStep} on.
     */
    static void tickCanary(
            ScheduledExecutorService ticker,
            KubernetesClient client,
            TestClock clock,
            String name,
            Duration step,
            IntSupplier holdAtStep) {
        everyTick(
                ticker,
                client,
                name,
                m -> {
                    var c = m.getStatus().canary;
                    if (c == null || c.step >= holdAtStep.getAsInt()) {
                        return;
                    }
                    Instant last = Instant.parse(c.stepStartTime);
                    if (c.analysis != null && c.analysis.lastRun != null) {
                        Instant run = Instant.parse(c.analysis.lastRun);
                        last = run.isAfter(last) ? run : last;
                    }
                    if (!last.isBefore(clock.instant())) {
                        clock.advance(step);
                    }
                });
    }

    /**
     * The status after a canary of version 2 was aborted on online-precision: version 1 serves, the
     * rollback is recorded and RolledBack says why.
     */
    static void assertCanaryOfTwoAborted(ModelDeploymentStatus status) {
        assertThat(status.currentVersion).isEqualTo(1);
        assertThat(status.rollbacks)
                .first()
                .satisfies(
                        r -> {
                            assertThat(r.fromVersion).isEqualTo(2);
                            assertThat(r.toVersion).isEqualTo(1);
                            assertThat(r.metric).isEqualTo("online-precision");
                        });
        Cluster.assertCondition(status, "RolledBack", "True", "CanaryAborted");
    }
}
