package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.common.ObjectStorage;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Cluster.poke;
import static io.mlcycle.operator.testing.Fixtures.featureView;
import static io.mlcycle.operator.testing.Fixtures.pivotSucceeded;
import static io.mlcycle.operator.testing.Fixtures.trainingRun;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * spec.storage.s3 of FeatureViews and TrainingRuns on the mock API server: their Jobs get the
 * resource's settings over the operator's ({@code %test.mlcycle.storage.s3.*}: an operator-wide
 * endpoint and region), and a credentials Secret that is missing or lacks a key holds the resource
 * with a condition naming it.
 */
@MockApiTier
@QuarkusTest
class StorageSettingsIT {

    private static final String OPERATOR_ENDPOINT = "http://operator-wide.s3:9000";
    private static final String KEY_VALUE = "AKIA-NEVER-SHOWN";

    @Inject KubernetesClient client;

    private static StorageSpec storage(String endpoint, String region, String secret) {
        StorageSpec storage = new StorageSpec();
        storage.s3 = new StorageSpec.S3();
        storage.s3.endpoint = endpoint;
        storage.s3.region = region;
        if (secret != null) {
            storage.s3.credentialsSecret = new StorageSpec.CredentialsSecret();
            storage.s3.credentialsSecret.name = secret;
        }
        return storage;
    }

    private void secret(String name, String... keys) {
        Map<String, String> data = new LinkedHashMap<>();
        for (String k : keys) {
            data.put(
                    k,
                    Base64.getEncoder().encodeToString(KEY_VALUE.getBytes(StandardCharsets.UTF_8)));
        }
        Secret s =
                new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(NS)
                        .endMetadata()
                        .withData(data)
                        .build();
        client.resource(s).createOr(r -> r.update());
    }

    private static Map<String, EnvVar> env(Job job) {
        Map<String, EnvVar> env = new HashMap<>();
        job.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .forEach(e -> env.put(e.getName(), e));
        return env;
    }

    private static String value(Map<String, EnvVar> env, String name) {
        return env.containsKey(name) ? env.get(name).getValue() : null;
    }

    private static void assertKeyRef(
            Map<String, EnvVar> env, String name, String secret, String key) {
        assertThat(env.get(name).getValue()).as(name + " carries no value").isNull();
        assertThat(env.get(name).getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret);
        assertThat(env.get(name).getValueFrom().getSecretKeyRef().getKey()).isEqualTo(key);
    }

    private FeatureView awaitDegraded(String name, Predicate<Condition> until) {
        return awaitResource(
                client,
                FeatureView.class,
                name,
                f -> condition(f.getStatus(), "Degraded").map(until::test).orElse(false));
    }

    @Test
    void pivotAndTrainingJobsGetTheResourcesStoreOverTheOperatorsFieldByField() {
        secret("team-a-lake", "access", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        FeatureView fv = featureView("st-events", "2026-11-18");
        fv.getSpec().storage = storage("http://lake.team-a:9000", null, "team-a-lake");
        fv.getSpec().storage.s3.credentialsSecret.accessKeyIdKey = "access";
        client.resource(fv).create();

        Job pivot = awaitJob(client, "st-events-pivot-20261118-1");
        Map<String, EnvVar> env = env(pivot);
        assertThat(value(env, "MLCYCLE_S3_ENDPOINT")).isEqualTo("http://lake.team-a:9000");
        assertThat(value(env, "MLCYCLE_S3_REGION")).as("the operator's").isEqualTo("us-east-1");
        assertThat(value(env, "MLCYCLE_S3_CREDENTIALS_SECRET")).isEqualTo("team-a-lake");
        assertKeyRef(env, "AWS_ACCESS_KEY_ID", "team-a-lake", "access");
        assertKeyRef(env, "AWS_SECRET_ACCESS_KEY", "team-a-lake", "AWS_SECRET_ACCESS_KEY");
        assertThat(env.values()).noneMatch(e -> KEY_VALUE.equals(e.getValue()));

        new Kubelet(client)
                .finish(
                        pivot,
                        pivotSucceeded(
                                "file:///data/features/st-events/asOf=2026-11-18/", 100, 20));
        awaitResource(
                client,
                FeatureView.class,
                "st-events",
                f -> f.getStatus() != null && f.getStatus().latest != null);

        TrainingRun tr = trainingRun("st-train", "st-model", "st-events");
        tr.getSpec().storage = storage(null, "eu-central-1", "team-a-lake");
        client.resource(tr).create();
        Job train = awaitJob(client, "st-train-train-v1-1");
        Map<String, EnvVar> trainEnv = env(train);
        assertThat(value(trainEnv, "MLCYCLE_S3_ENDPOINT"))
                .as("the operator's")
                .isEqualTo(OPERATOR_ENDPOINT);
        assertThat(value(trainEnv, "MLCYCLE_S3_REGION")).isEqualTo("eu-central-1");
        // the key names the resource leaves unset are the operator's (here the defaults)
        assertKeyRef(trainEnv, "AWS_ACCESS_KEY_ID", "team-a-lake", "AWS_ACCESS_KEY_ID");
    }

    @Test
    void aMissingCredentialsSecretOrKeyHoldsTheResourceWithAConditionNamingItNeverItsValue() {
        FeatureView fv = featureView("st-missing", "2026-11-18");
        fv.getSpec().storage = storage(null, null, "st-missing-keys");
        client.resource(fv).create();

        FeatureView held =
                awaitCondition(client, FeatureView.class, "st-missing", "Degraded", "True");
        assertCondition(held.getStatus(), "Degraded", "True", ObjectStorage.CREDENTIALS_MISSING)
                .contains("Secret 'st-missing-keys'")
                .contains("spec.storage.s3.credentialsSecret.name")
                .contains("does not exist");
        awaitEvent(client, "st-missing", ObjectStorage.CREDENTIALS_MISSING);
        assertThat(jobs(client, "mlcycle.io/featureview", "st-missing")).isEmpty();

        // the Secret appears without the secret access key: the condition names that key
        secret("st-missing-keys", "AWS_ACCESS_KEY_ID");
        poke(client, FeatureView.class, "st-missing");
        FeatureView lacking =
                awaitDegraded("st-missing", c -> c.getMessage().contains("AWS_SECRET_ACCESS_KEY"));
        assertCondition(lacking.getStatus(), "Degraded", "True", ObjectStorage.CREDENTIALS_MISSING)
                .contains("spec.storage.s3.credentialsSecret.secretAccessKeyKey")
                .doesNotContain(KEY_VALUE);
        assertThat(jobs(client, "mlcycle.io/featureview", "st-missing")).isEmpty();

        // complete: the materialization starts
        secret("st-missing-keys", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        poke(client, FeatureView.class, "st-missing");
        awaitJob(client, "st-missing-pivot-20261118-1");
        awaitDegraded("st-missing", c -> !ObjectStorage.CREDENTIALS_MISSING.equals(c.getReason()));

        TrainingRun tr = trainingRun("st-tr-missing", "st-missing-model", "st-events-none");
        tr.getSpec().storage = storage(null, null, "st-tr-keys");
        client.resource(tr).create();
        TrainingRun trHeld =
                awaitCondition(client, TrainingRun.class, "st-tr-missing", "Degraded", "True");
        assertCondition(trHeld.getStatus(), "Degraded", "True", ObjectStorage.CREDENTIALS_MISSING)
                .contains("Secret 'st-tr-keys'");
        assertThat(trHeld.getStatus().phase).isEqualTo(TrainingRunStatus.Phase.Failed);
        assertThat(jobs(client, "mlcycle.io/trainingrun", "st-tr-missing")).isEmpty();
    }
}
