package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.modeldeployment.FeedbackSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.TIMEOUT;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.assertControlledBy;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The feedback token's Secret, its env on the serving pods, and what a missing one does. */
@MockApiTier
@QuarkusTest
class ModelDeploymentFeedbackTokenTest {

    @Inject KubernetesClient client;

    private static Optional<EnvVar> env(Deployment d, String name) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> name.equals(e.getName()))
                .findFirst();
    }

    private Deployment awaitServing(String name, java.util.function.Predicate<Deployment> until) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> servingDeployment(client, name), d -> d != null && until.test(d));
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace(NS).withName(name).get();
    }

    @Test
    void byDefaultTheOperatorCreatesARandomTokenSecretOnceAndThePodsTakeItByReference() {
        version(client, "m-token", 1, true);
        client.resource(deployment("md-token", "m-token")).create();

        Deployment d = awaitServing("md-token", x -> true);
        EnvVar token = env(d, ServeTask.FEEDBACK_TOKEN_ENV).orElseThrow();
        assertThat(token.getValue()).as("never a value in the pod spec").isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("md-token-feedback-token");
        assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");

        Secret s = secret("md-token-feedback-token");
        ModelDeployment md =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-token",
                        m -> m.getStatus() != null && m.getStatus().feedback != null);
        assertControlledBy(s, md);
        String value = new String(Base64.getDecoder().decode(s.getData().get("token")));
        assertThat(value).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(io.mlcycle.task.TaskJson.write(d)).doesNotContain(value);
        assertThat(md.getStatus().feedback.tokenSecret).isEqualTo("md-token-feedback-token");
        assertThat(md.getStatus().feedback.tokenKey).isEqualTo("token");
        assertThat(md.getStatus().feedback.authentication).isTrue();

        // a reconcile after a spec change never rotates it
        edit(
                client,
                ModelDeployment.class,
                "md-token",
                m -> {
                    m.getSpec().replicas = 3;
                    return m;
                });
        awaitServing("md-token", x -> x.getSpec().getReplicas() == 3);
        assertThat(secret("md-token-feedback-token").getData()).isEqualTo(s.getData());
    }

    @Test
    void aNamedTokenSecretThatIsMissingOrEmptyHoldsTheDeploymentAsItWasNamingSecretAndKey() {
        version(client, "m-named", 1, true);
        client.resource(deployment("md-named", "m-named")).create();
        Deployment before =
                awaitServing("md-named", x -> env(x, ServeTask.FEEDBACK_TOKEN_ENV).isPresent());
        awaitResource(
                client,
                ModelDeployment.class,
                "md-named",
                m -> m.getStatus() != null && m.getStatus().feedback != null);

        client.resource(
                        new SecretBuilder()
                                .withNewMetadata()
                                .withName("team-token")
                                .withNamespace(NS)
                                .endMetadata()
                                .withData(Map.of("other", "eA=="))
                                .build())
                .create();
        edit(
                client,
                ModelDeployment.class,
                "md-named",
                m -> {
                    m.getSpec().feedback.tokenSecret = new FeedbackSpec.TokenSecret();
                    m.getSpec().feedback.tokenSecret.name = "team-token";
                    m.getSpec().feedback.tokenSecret.key = "feedback";
                    return m;
                });
        ModelDeployment held =
                awaitCondition(
                        client, ModelDeployment.class, "md-named", Conditions.DEGRADED, "True");
        assertCondition(held.getStatus(), Conditions.DEGRADED, "True", "FeedbackTokenMissing")
                .contains("Secret 'team-token' key 'feedback'")
                .contains("spec.feedback.tokenSecret")
                .doesNotContain("eA==");
        assertThat(servingDeployment(client, "md-named").getSpec().getTemplate())
                .as("serving goes on with the last good settings")
                .isEqualTo(before.getSpec().getTemplate());

        edit(
                client,
                io.fabric8.kubernetes.api.model.Secret.class,
                "team-token",
                s -> {
                    s.getData().put("feedback", "czNjcmV0");
                    return s;
                });
        // looked at again every minute, and at once on a spec change
        edit(
                client,
                ModelDeployment.class,
                "md-named",
                m -> {
                    m.getSpec().replicas = 2;
                    return m;
                });
        Deployment after =
                awaitServing(
                        "md-named",
                        x ->
                                env(x, ServeTask.FEEDBACK_TOKEN_ENV)
                                        .map(e -> e.getValueFrom().getSecretKeyRef().getName())
                                        .orElse("")
                                        .equals("team-token"));
        assertThat(
                        env(after, ServeTask.FEEDBACK_TOKEN_ENV)
                                .orElseThrow()
                                .getValueFrom()
                                .getSecretKeyRef()
                                .getKey())
                .isEqualTo("feedback");
        ModelDeployment md =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-named",
                        m -> "team-token".equals(m.getStatus().feedback.tokenSecret));
        assertThat(Conditions.find(md.getStatus().conditions, Conditions.DEGRADED))
                .map(c -> c.getReason())
                .isNotEqualTo(Optional.of("FeedbackTokenMissing"));
    }

    @Test
    void authenticationTurnedOffExplicitlyCreatesNoSecretAndSaysSoToThePods() {
        version(client, "m-open", 1, true);
        ModelDeployment md = deployment("md-open", "m-open");
        md.getSpec().feedback.authentication = false;
        client.resource(md).create();

        Deployment d = awaitServing("md-open", x -> true);
        assertThat(env(d, ServeTask.FEEDBACK_TOKEN_ENV)).isEmpty();
        assertThat(env(d, ServeTask.FEEDBACK_AUTH_ENV).orElseThrow().getValue())
                .isEqualTo(ServeTask.FEEDBACK_AUTH_OFF);
        ModelDeployment seen =
                awaitResource(
                        client,
                        ModelDeployment.class,
                        "md-open",
                        m -> m.getStatus() != null && m.getStatus().feedback != null);
        assertThat(seen.getStatus().feedback.authentication).isFalse();
        assertThat(secret("md-open-feedback-token")).isNull();
    }
}
