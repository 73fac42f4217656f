package io.mlcycle.local;

import java.nio.file.Path;
import java.util.List;

/**
 * The smallest chain the restart E2Es run: online-quickstart's data (3 000 players), one view, a
 * small resnet without SHAP, no online store.
 */
final class SmallChain {

    private SmallChain() {}

    /** Fresh options under {@code local/<workDir>} with the example data generated into them. */
    static LocalCluster.Options options(String workDir) {
        Path root = E2eSetup.projectRoot(E2eSetup.CHAIN_JARS);
        Path work = root.resolve(workDir);
        LocalCluster.Options o = E2eSetup.freshOptions(root, work, System.out);
        for (List<String> args :
                QuickstartData.generatorRuns(root.resolve("examples/online-quickstart"))) {
            QuickstartData.generate(root, o.dataRoot(), args, work.resolve("logs/generator.log"));
        }
        return o;
    }

    /** A FeatureView of the players' item events, materialized once as of {@code asOf}. */
    static String featureView(String name, String asOf) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: FeatureView
                metadata:
                  name: %1$s
                spec:
                  entity: user_id
                  source:
                    uri: "file:///data/raw/item-events/dt={date}/"
                    format: parquet
                    successMarker: _SUCCESS
                  pivot:
                    key: event_id
                    value: cnt
                    aggregate: sum
                    minEntities: 20
                  window: 7d
                  asOf: "%2$s"
                  store:
                    uri: "file:///data/features/%1$s/"
                """
                .formatted(name, asOf);
    }

    /** A small resnet's TrainingRun of {@code model} on that view, approved at AUC ≥ 0.6. */
    static String trainingRun(String name, String model, String view) {
        return trainingRun(
                name,
                model,
                view,
                """
                algorithm: resnet
                hyperparameters:
                  learningRate: [0.003]
                  epochs: [6]
                  batchSize: [256]
                  hiddenSize: [32]
                  blocks: [1]
                preprocessing:
                  scaling: minmax
                explain:
                  method: none
                """);
    }

    /**
     * A TrainingRun of {@code model} on the view's latest table and the players' returned labels,
     * held out 20 % (seed 42) and approved at AUC ≥ 0.6, with {@code learner} (YAML at the spec's
     * own level: algorithm, its settings, explain) added to its spec.
     */
    static String trainingRun(String name, String model, String view, String learner) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: TrainingRun
                metadata:
                  name: %s
                spec:
                  model: %s
                  features:
                    - featureView: %s
                  asOf: latest
                  labels:
                    uri: "file:///data/labels/returned/asOf={date}/"
                    column: returned
                    entity: user_id
                  validation:
                    method: holdout
                    testFraction: 0.2
                    seed: 42
                  gates:
                    - metric: auc
                      min: 0.6
                """
                        .formatted(name, model, view)
                + learner.indent(2);
    }

    /** A ModelDeployment of {@code model}'s latest approved version on one replica. */
    static String deployment(String name, String model, String extraSpec) {
        return deployment(name, model, "latestApproved", 1, extraSpec);
    }

    /**
     * A ModelDeployment of {@code model}'s {@code version} on {@code replicas} pods, with {@code
     * extraSpec} (YAML as if at the spec's own level) added to its spec.
     */
    static String deployment(
            String name, String model, String version, int replicas, String extraSpec) {
        return """
                apiVersion: mlcycle.io/v1alpha1
                kind: ModelDeployment
                metadata:
                  name: %s
                spec:
                  model: %s
                  version: "%s"
                  replicas: %d
                """
                        .formatted(name, model, version, replicas)
                + extraSpec.indent(2);
    }

    /**
     * A deployment's {@code rollback:} spec: analysis on {@code prometheusUrl} every {@code
     * interval}, rolling back after two failed analyses of {@code metric} (one YAML list item).
     */
    static String rollback(String prometheusUrl, String interval, String metric) {
        return """
                rollback:
                  prometheus:
                    url: "%s"
                  interval: %s
                  failureThreshold: 2
                  metrics:
                """
                        .formatted(prometheusUrl, interval)
                + metric.indent(4);
    }

    /**
     * Local mode under {@code local/<workDir>} serving v1 of {@code model} through ModelDeployment
     * {@code deployment} (its YAML, which may name {@link LocalCluster#DEFAULT_PROMETHEUS_URL}),
     * with v2's TrainingRun applied once v1 is Available.
     */
    static LocalCluster servingV1ThenTrainingV2(
            String workDir, String view, String model, String deployment, String deploymentYaml)
            throws java.io.IOException {
        LocalCluster cluster = servingV1(workDir, view, model, List.of(deployment), deploymentYaml);
        try {
            Path second = cluster.options().workDir().resolve(deployment + "-training-2.yaml");
            java.nio.file.Files.writeString(
                    second, trainingRun(deployment + "-training-2", model, view));
            cluster.apply(second);
            return cluster;
        } catch (RuntimeException | java.io.IOException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Local mode under {@code local/<workDir>} with v1 of {@code model} trained and served,
     * Available, through each of {@code deployments} (their YAML, {@code deploymentsYaml}).
     */
    static LocalCluster servingV1(
            String workDir,
            String view,
            String model,
            List<String> deployments,
            String deploymentsYaml)
            throws java.io.IOException {
        LocalCluster.Options o = options(workDir);
        LocalCluster cluster = LocalCluster.start(o);
        try {
            Path manifests = o.workDir().resolve(deployments.get(0) + "-chain.yaml");
            java.nio.file.Files.writeString(
                    manifests,
                    featureView(view, "2026-11-20")
                            + "---\n"
                            + trainingRun(deployments.get(0) + "-training", model, view)
                            + "---\n"
                            + deploymentsYaml);
            cluster.apply(manifests);
            for (String deployment : deployments) {
                E2eSetup.awaitState(
                        cluster,
                        "v1 served by " + deployment,
                        java.time.Duration.ofMinutes(4),
                        java.time.Duration.ofMillis(500),
                        () -> {
                            java.util.function.Function<String, Object> status =
                                    f ->
                                            E2eSetup.field(
                                                    cluster.client(),
                                                    "default",
                                                    "ModelDeployment",
                                                    deployment,
                                                    "status",
                                                    f);
                            return Integer.valueOf(1).equals(status.apply("currentVersion"))
                                    && "Available".equals(status.apply("phase"));
                        });
            }
            return cluster;
        } catch (RuntimeException | java.io.IOException | Error e) {
            cluster.close();
            throw e;
        }
    }
}
