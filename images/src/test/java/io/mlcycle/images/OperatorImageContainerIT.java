package io.mlcycle.images;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mlcycle.local.MockApi;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator image, started as a container against the mock API server (host network, as the
 * image would reach a real API server), reconciles a FeatureView to its pivot Job.
 */
@RealServersTier
class OperatorImageContainerIT {

    static MockApi api;
    static KubernetesClient client;

    @BeforeAll
    static void startApi() {
        Podman.tag();
        api = MockApi.start();
        api.createCrds(Podman.ROOT.resolve("crds"));
        client = api.client();
    }

    @AfterAll
    static void stopApi() {
        Podman.remove("operator");
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theOperatorImageReconcilesAFeatureViewToAPivotJob() throws Exception {
        String url = api.url();
        List<String> cmd =
                List.of(
                        "podman",
                        "run",
                        "-d",
                        "--name",
                        "operator",
                        "--read-only",
                        "--tmpfs",
                        "/tmp",
                        "--user",
                        Podman.USER,
                        "--network",
                        "host",
                        "-e",
                        "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL=" + url,
                        "-e",
                        "QUARKUS_KUBERNETES_CLIENT_NAMESPACE=test",
                        "-e",
                        "QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS=true",
                        "-e",
                        "QUARKUS_OPERATOR_SDK_ENABLE_SSA=false",
                        "-e",
                        "QUARKUS_HTTP_HOST=127.0.0.1",
                        "-e",
                        "QUARKUS_HTTP_PORT=0",
                        Podman.image("operator"));
        Podman.Result started = Podman.run(Duration.ofMinutes(1), cmd);
        assertThat(started.exit()).as(started.output()).isZero();

        GenericKubernetesResource fv =
                Serialization.unmarshal(
                        """
                        apiVersion: mlcycle.io/v1alpha1
                        kind: FeatureView
                        metadata:
                          name: items
                          namespace: test
                        spec:
                          entity: user_id
                          source:
                            uri: "file:///data/raw/item-events/dt={date}/"
                          pivot:
                            key: event_id
                            value: cnt
                          window: 7d
                          asOf: "2026-11-20"
                          store:
                            uri: "file:///data/features/items/"
                        """,
                        GenericKubernetesResource.class);
        client.resource(fv).create();

        Job job =
                await("the pivot Job")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(
                                () ->
                                        client.batch()
                                                .v1()
                                                .jobs()
                                                .inNamespace("test")
                                                .withName("items-pivot-20261120-1")
                                                .get(),
                                j -> {
                                    if (j == null) {
                                        assertThat(running())
                                                .as("operator container running; logs:%n%s", logs())
                                                .isTrue();
                                    }
                                    return j != null;
                                });
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo(Podman.image("pivot"));
    }

    static boolean running() {
        Podman.Result r =
                Podman.run(
                        Duration.ofSeconds(30),
                        "podman",
                        "inspect",
                        "--format",
                        "{{.State.Running}}",
                        "operator");
        return r.output().trim().equals("true");
    }

    static String logs() {
        return Podman.run(Duration.ofSeconds(30), "podman", "logs", "operator").output();
    }
}
