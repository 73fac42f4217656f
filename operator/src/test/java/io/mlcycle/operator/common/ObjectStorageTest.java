package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Fixtures.operatorConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** A resource's spec.storage.s3 over the operator's mlcycle.storage.s3.*, as the pods' env. */
@UnitTier
class ObjectStorageTest {

    private static final OperatorConfig OPERATOR =
            operatorConfig(
                    Map.of(
                            "mlcycle.storage.s3.endpoint", "http://minio.shared:9000",
                            "mlcycle.storage.s3.region", "eu-west-1",
                            "mlcycle.storage.s3.path-style", "false",
                            "mlcycle.storage.s3.credentials-secret", "shared-keys",
                            "mlcycle.storage.s3.access-key-id-key", "id",
                            "mlcycle.storage.s3.secret-access-key-key", "key"));

    private static StorageSpec.S3 s3(String endpoint, String secret) {
        StorageSpec.S3 s3 = new StorageSpec.S3();
        s3.endpoint = endpoint;
        if (secret != null) {
            s3.credentialsSecret = new StorageSpec.CredentialsSecret();
            s3.credentialsSecret.name = secret;
        }
        return s3;
    }

    private static Map<String, EnvVar> byName(List<EnvVar> env) {
        Map<String, EnvVar> m = new HashMap<>();
        env.forEach(e -> m.put(e.getName(), e));
        return m;
    }

    @Test
    void eachFieldTheResourceSetsOverridesTheOperatorsAndTheRestFallsBack() {
        var operatorOnly = ObjectStorage.merge(null, OPERATOR.storage().s3());
        assertThat(operatorOnly)
                .isEqualTo(
                        new ObjectStorage.Settings(
                                "http://minio.shared:9000",
                                "eu-west-1",
                                false,
                                new ObjectStorage.Credentials("shared-keys", "id", "key", false)));

        // only the endpoint and the Secret's name: region, path style and key names are the
        // operator's
        var some =
                ObjectStorage.merge(
                        s3("https://lake.team-a:9443", "team-a"), OPERATOR.storage().s3());
        assertThat(some)
                .isEqualTo(
                        new ObjectStorage.Settings(
                                "https://lake.team-a:9443",
                                "eu-west-1",
                                false,
                                new ObjectStorage.Credentials("team-a", "id", "key", true)));

        StorageSpec.S3 all = s3("http://ceph.team-b", "team-b");
        all.region = "us-west-2";
        all.pathStyle = true;
        all.credentialsSecret.accessKeyIdKey = "access";
        var every = ObjectStorage.merge(all, OPERATOR.storage().s3());
        assertThat(every)
                .isEqualTo(
                        new ObjectStorage.Settings(
                                "http://ceph.team-b",
                                "us-west-2",
                                true,
                                new ObjectStorage.Credentials("team-b", "access", "key", true)));

        // without operator settings an unset field stays unset: the SDK's default applies
        var none = ObjectStorage.merge(s3(null, null), operatorConfig(Map.of()).storage().s3());
        assertThat(none).isEqualTo(new ObjectStorage.Settings(null, null, null, null));
        assertThat(ObjectStorage.env(none)).isEmpty();
        var keysDefault =
                ObjectStorage.merge(s3(null, "k"), operatorConfig(Map.of()).storage().s3());
        assertThat(keysDefault.credentials())
                .isEqualTo(
                        new ObjectStorage.Credentials(
                                "k", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", true));
    }

    @Test
    void thePodEnvCarriesTheMergedSettingsAndTheKeysOnlyAsSecretReferences() {
        FeatureView fv = Fixtures.featureView("fv-storage");
        fv.getSpec().storage = new StorageSpec();
        fv.getSpec().storage.s3 = s3("http://lake.team-a:9000", "team-a");
        fv.getSpec().storage.s3.credentialsSecret.secretAccessKeyKey = "secret";

        Map<String, EnvVar> env = byName(new RuntimeJobs(OPERATOR).storageEnv(fv));
        assertThat(env.get("MLCYCLE_S3_ENDPOINT").getValue()).isEqualTo("http://lake.team-a:9000");
        assertThat(env.get("MLCYCLE_S3_REGION").getValue()).isEqualTo("eu-west-1");
        assertThat(env.get("MLCYCLE_S3_PATH_STYLE").getValue()).isEqualTo("false");
        assertThat(env.get("MLCYCLE_S3_CREDENTIALS_SECRET").getValue()).isEqualTo("team-a");
        for (var name : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")) {
            assertThat(env.get(name).getValue()).as(name + " has no value").isNull();
            var ref = env.get(name).getValueFrom().getSecretKeyRef();
            assertThat(ref.getName()).isEqualTo("team-a");
            assertThat(ref.getOptional()).isTrue();
        }
        assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("id");
        assertThat(env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("secret");

        // podTemplate, which every Job and Deployment is built from, puts it into the container
        var container =
                new RuntimeJobs(OPERATOR)
                        .podTemplate(
                                fv,
                                RuntimeJobs.Runtime.pivot,
                                io.mlcycle.operator.featureview.PivotTasks.task(
                                        fv, java.time.LocalDate.parse("2026-11-18")),
                                List.of(),
                                null)
                        .getSpec()
                        .getContainers()
                        .get(0);
        assertThat(byName(container.getEnv()).get("MLCYCLE_S3_ENDPOINT").getValue())
                .isEqualTo("http://lake.team-a:9000");
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlIsRefusedNamingTheField() {
        assertThat(ObjectStorage.httpUrl("http://minio.data:9000")).isTrue();
        assertThat(ObjectStorage.httpUrl("https://s3.eu-west-1.amazonaws.com/")).isTrue();
        assertThat(ObjectStorage.httpUrl("minio.data:9000")).isFalse();
        assertThat(ObjectStorage.httpUrl("s3://bucket")).isFalse();
        assertThat(ObjectStorage.httpUrl("http://")).isFalse();

        FeatureView fv = Fixtures.featureView("fv-bad-endpoint");
        fv.getSpec().storage = new StorageSpec();
        fv.getSpec().storage.s3 = s3("minio.data:9000", null);
        // refused before any API call: no client needed
        var problem = new ObjectStorage(null, OPERATOR).problem(fv);
        assertThat(problem)
                .hasValueSatisfying(
                        p -> {
                            assertThat(p.reason()).isEqualTo(ObjectStorage.INVALID_STORAGE);
                            assertThat(p.message())
                                    .contains("spec.storage.s3.endpoint")
                                    .contains("minio.data:9000");
                        });
        assertThat(new ObjectStorage(null, OPERATOR).problem(Fixtures.featureView("plain")))
                .isEmpty();
    }
}
