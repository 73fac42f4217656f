package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.operator.testing.MockKubernetesServer;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In a cluster without the Kubeflow Spark Operator (no SparkApplication CRD), the operator — with
 * the Spark engine enabled by config — still starts, runs the duckdb engine, and tells a
 * FeatureView with engine spark why it cannot run. A plain JOSDK operator on its own mock API
 * server, since the shared Quarkus test server has the CRD.
 */
@MockApiTier
class OperatorWithoutSparkCrdTest {

    KubernetesMockServer server;
    KubernetesClient client;
    Operator operator;

    /** Operator settings with Spark enabled, as the Helm chart's spark.enabled=true sets them. */
    static OperatorConfig sparkEnabled() {
        return new OperatorConfig() {
            public Images images() {
                return new Images() {
                    public String pivot() {
                        return "mlcycle/pivot:test";
                    }

                    public String trainer() {
                        return "mlcycle/trainer:test";
                    }

                    public String server() {
                        return "mlcycle/server:test";
                    }

                    public String pivotSpark() {
                        return "mlcycle/pivot-spark:test";
                    }

                    public String trainerSpark() {
                        return "mlcycle/trainer-spark:test";
                    }

                    public String scorerSpark() {
                        return "mlcycle/scorer-spark:test";
                    }
                };
            }

            public Runtime runtime() {
                return new Runtime() {
                    public Optional<String> serviceAccount() {
                        return Optional.of("mlcycle-runtime");
                    }

                    public Optional<String> securityContext() {
                        return Optional.empty();
                    }

                    public long jobTtlSeconds() {
                        return 86400;
                    }

                    public java.time.Duration progressPoll() {
                        return java.time.Duration.ofSeconds(15);
                    }

                    public String scratchSizeLimit() {
                        return "20Gi";
                    }
                };
            }

            public Data data() {
                return new Data() {
                    public Optional<String> claim() {
                        return Optional.of("mlcycle-data");
                    }

                    public String mountPath() {
                        return "/data";
                    }
                };
            }

            public Spark spark() {
                return new Spark() {
                    public boolean enabled() {
                        return true;
                    }

                    public Optional<String> serviceAccount() {
                        return Optional.of("mlcycle-spark");
                    }
                };
            }

            public String modelsUri() {
                return "file:///data/models/";
            }

            public Storage storage() {
                return noS3();
            }
        };
    }

    /** No object storage settings: runtime pods use the SDK's defaults. */
    static OperatorConfig.Storage noS3() {
        return () ->
                new OperatorConfig.S3() {
                    public Optional<String> endpoint() {
                        return Optional.empty();
                    }

                    public Optional<String> region() {
                        return Optional.empty();
                    }

                    public Optional<Boolean> pathStyle() {
                        return Optional.empty();
                    }

                    public Optional<String> credentialsSecret() {
                        return Optional.empty();
                    }

                    public String accessKeyIdKey() {
                        return "AWS_ACCESS_KEY_ID";
                    }

                    public String secretAccessKeyKey() {
                        return "AWS_SECRET_ACCESS_KEY";
                    }
                };
    }

    @BeforeEach
    void startWithoutTheSparkCrd() throws IOException {
        server = MockKubernetesServer.startCrud();
        client = server.createClient();
        try (InputStream in =
                Files.newInputStream(
                        ProjectRoot.get().resolve("crds/featureviews.mlcycle.io-v1.yml"))) {
            MockKubernetesServer.createCrd(client, in);
        }
        OperatorConfig config = sparkEnabled();
        FeatureViewReconciler reconciler = new FeatureViewReconciler();
        reconciler.client = client;
        reconciler.clock = Clock.systemUTC();
        reconciler.runtimeJobs = new RuntimeJobs(config);
        reconciler.jobResults = new JobResults(client);
        reconciler.events = new EventRecorder(client, reconciler.clock);
        reconciler.objectStorage = new ObjectStorage(client, config);
        reconciler.sparkApplications =
                new SparkApplications(config, client, reconciler.runtimeJobs);
        operator =
                new Operator(
                        o ->
                                o.withKubernetesClient(client)
                                        .withCloseClientOnStop(false)
                                        .withUseSSAToPatchPrimaryResource(false));
        operator.register(reconciler);
        operator.start();
    }

    @AfterEach
    void stop() {
        if (operator != null) {
            operator.stop();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    FeatureView awaitView(String name, java.util.function.Predicate<FeatureView> until) {
        return Cluster.awaitResource(client, FeatureView.class, name, until);
    }

    @Test
    void duckdbEngineMaterializesAndSparkEngineIsToldWhyItCannotRun() {
        FeatureView duckdb = Fixtures.featureView("plain");
        duckdb.getSpec().asOf = "2026-11-18";
        client.resource(duckdb).create();
        Job job =
                await().atMost(Cluster.TIMEOUT)
                        .until(
                                () ->
                                        client.batch()
                                                .v1()
                                                .jobs()
                                                .inNamespace(Cluster.NS)
                                                .withName("plain-pivot-20261118-1")
                                                .get(),
                                j -> j != null);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("mlcycle/pivot:test");

        FeatureView spark = Fixtures.featureView("on-spark");
        spark.getSpec().asOf = "2026-11-18";
        spark.getSpec().engine = FeatureViewSpec.Engine.spark;
        client.resource(spark).create();
        FeatureView told =
                awaitView("on-spark", f -> Cluster.conditionIs(f.getStatus(), "Degraded", "True"));
        Cluster.assertCondition(
                        told.getStatus(),
                        "Degraded",
                        "True",
                        FeatureViewReconciler.SPARK_UNAVAILABLE)
                .contains("sparkapplications.sparkoperator.k8s.io")
                .contains("not installed");
        assertThat(Cluster.conditionIs(told.getStatus(), "Ready", "False")).isTrue();
        assertThat(
                        client.batch()
                                .v1()
                                .jobs()
                                .inNamespace(Cluster.NS)
                                .withLabel("mlcycle.io/featureview", "on-spark")
                                .list()
                                .getItems())
                .isEmpty();
    }

    @Test
    void sparkDisabledByConfigIsNamedAsTheReason() {
        OperatorConfig enabled = sparkEnabled();
        OperatorConfig disabled =
                new OperatorConfig() {
                    public Images images() {
                        return enabled.images();
                    }

                    public Storage storage() {
                        return enabled.storage();
                    }

                    public Runtime runtime() {
                        return enabled.runtime();
                    }

                    public Data data() {
                        return enabled.data();
                    }

                    public Spark spark() {
                        return new Spark() {
                            public boolean enabled() {
                                return false;
                            }

                            public Optional<String> serviceAccount() {
                                return Optional.empty();
                            }
                        };
                    }

                    public String modelsUri() {
                        return enabled.modelsUri();
                    }
                };
        SparkApplications spark =
                new SparkApplications(disabled, client, new RuntimeJobs(disabled));
        assertThat(spark.available()).isFalse();
        assertThat(spark.unavailable())
                .hasValueSatisfying(m -> assertThat(m).contains("spark.enabled"));
    }
}
