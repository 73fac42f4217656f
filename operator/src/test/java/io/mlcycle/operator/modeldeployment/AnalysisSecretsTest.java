package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Credentials from Secrets become request headers; errors name the Secret, never a value. */
@MockApiTier
@EnableKubernetesMockClient(crud = true)
class AnalysisSecretsTest {

    KubernetesClient client;

    @Test
    void aTokenIsABearerUsernameAndPasswordAreBasicAuthAndHeaderKeysAreHeaders() {
        assertThat(AnalysisSecrets.headers("ml/p", Map.of("token", "abc\n")))
                .containsExactly(Map.entry("Authorization", "Bearer abc"));
        assertThat(
                        AnalysisSecrets.headers(
                                "ml/p",
                                Map.of(
                                        "username", "u",
                                        "password", "p",
                                        "header.X-Scope-OrgID", "team-a")))
                .containsEntry("Authorization", "Basic dTpw")
                .containsEntry("X-Scope-OrgID", "team-a");
    }

    @Test
    void anUnusableSecretIsNamedAndItsValuesAreNeverInTheMessage() {
        assertThatThrownBy(
                        () ->
                                AnalysisSecrets.headers(
                                        "ml/p", Map.of("token", "tok-123", "username", "u")))
                .isInstanceOf(AnalysisSecrets.Unusable.class)
                .hasMessageContaining("ml/p")
                .hasMessageNotContaining("tok-123");
        assertThatThrownBy(() -> AnalysisSecrets.headers("ml/p", Map.of("username", "u")))
                .hasMessageContaining("both username and password");
        assertThatThrownBy(() -> AnalysisSecrets.headers("ml/p", Map.of("other", "x")))
                .hasMessageContaining("none of the keys");
    }

    @Test
    void theWebhookUrlComesFromItsSecretAndAMissingOneIsNamed() {
        client.resource(
                        new SecretBuilder()
                                .withNewMetadata()
                                .withName("slack")
                                .withNamespace("ml")
                                .endMetadata()
                                .withStringData(Map.of("url", "https://hooks.example/T0/B0/xyz"))
                                .build())
                .create();
        AnalysisSecrets secrets = new AnalysisSecrets(client);
        ModelDeploymentSpec.Webhook webhook = new ModelDeploymentSpec.Webhook();
        webhook.urlSecret = new ModelDeploymentSpec.SecretKey();
        webhook.urlSecret.name = "slack";
        assertThat(secrets.webhookUrl("ml", webhook)).isEqualTo("https://hooks.example/T0/B0/xyz");

        webhook.urlSecret.name = "gone";
        assertThatThrownBy(() -> secrets.webhookUrl("ml", webhook))
                .isInstanceOf(AnalysisSecrets.Unusable.class)
                .hasMessage("Secret ml/gone not found");

        ModelDeploymentSpec.Prometheus prometheus = new ModelDeploymentSpec.Prometheus();
        prometheus.url = "http://prometheus:9090";
        assertThat(secrets.prometheusHeaders("ml", prometheus)).isEmpty();
        prometheus.authSecret = "gone";
        assertThatThrownBy(() -> secrets.prometheusHeaders("ml", prometheus))
                .hasMessage("Secret ml/gone not found");
    }
}
