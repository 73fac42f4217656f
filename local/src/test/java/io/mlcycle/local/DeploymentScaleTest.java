package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.MockApiTier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Local mode honours a scale change the way a cluster does: scaling a Deployment through its scale
 * subresource (what {@code kubectl scale} and an autoscaler write) starts server processes up to
 * the new count, each ready on its own loopback port, and stops the extra ones when it scales down.
 */
@MockApiTier
class DeploymentScaleTest {

    @TempDir static Path work;

    static MockApi api;
    static KubernetesClient client;
    static Kubelet kubelet;

    @BeforeAll
    static void start() {
        api = MockApi.start();
        client = api.client();
        List<String> fake = FakeRuntime.command();
        kubelet = new Kubelet(client, runtime -> fake, work.resolve("data"), work, s -> {}).start();
    }

    @AfterAll
    static void stop() {
        kubelet.close();
        api.close();
    }

    private static Deployment serving(String name, int replicas) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .withMatchLabels(Map.of("app", name))
                .endSelector()
                .withTemplate(
                        new PodTemplateSpecBuilder()
                                .withNewMetadata()
                                .withLabels(Map.of(Kubelet.RUNTIME_LABEL, "server", "app", name))
                                .endMetadata()
                                .withNewSpec()
                                .withRestartPolicy("Always")
                                .withContainers(
                                        new ContainerBuilder()
                                                .withName("main")
                                                .withImage("local/server")
                                                .withEnv(
                                                        new EnvVarBuilder()
                                                                .withName("MLCYCLE_TASK")
                                                                .withValue(
                                                                        "{\"kind\":\"serve\",\"port\":8080}")
                                                                .build(),
                                                        new EnvVarBuilder()
                                                                .withName("VERSION")
                                                                .withValue("v1")
                                                                .build())
                                                .build())
                                .endSpec()
                                .build())
                .endSpec()
                .build();
    }

    private static Set<Integer> readyPorts(String app) {
        return kubelet.endpoints().stream()
                .filter(e -> e.ready() && app.equals(e.labels().get("app")))
                .map(Kubelet.Endpoint::port)
                .collect(Collectors.toSet());
    }

    private static String describe(String name) {
        Deployment d = client.apps().deployments().inNamespace("default").withName(name).get();
        return "spec.replicas "
                + d.getSpec().getReplicas()
                + ", status "
                + d.getStatus()
                + ", endpoints "
                + kubelet.endpoints();
    }

    private static void awaitReady(String name, int n) {
        try {
            await().alias(name + " with " + n + " ready server processes")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> {
                                var d =
                                        client.apps()
                                                .deployments()
                                                .inNamespace("default")
                                                .withName(name)
                                                .get();
                                long all =
                                        kubelet.endpoints().stream()
                                                .filter(e -> name.equals(e.labels().get("app")))
                                                .count();
                                return readyPorts(name).size() == n
                                        && all == n
                                        && d.getStatus() != null
                                        && Integer.valueOf(n)
                                                .equals(d.getStatus().getReadyReplicas());
                            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; " + describe(name), e);
        }
    }

    @Test
    void scalingUpStartsServerProcessesAndScalingDownStopsTheExtraOnes() {
        client.apps().deployments().inNamespace("default").resource(serving("scaled", 1)).create();
        awaitReady("scaled", 1);
        Set<Integer> first = readyPorts("scaled");

        client.apps().deployments().inNamespace("default").withName("scaled").scale(3);
        awaitReady("scaled", 3);
        assertThat(readyPorts("scaled")).as("the first process keeps serving").containsAll(first);

        client.apps().deployments().inNamespace("default").withName("scaled").scale(1);
        awaitReady("scaled", 1);

        client.apps().deployments().inNamespace("default").withName("scaled").delete();
        await().alias("no endpoints of scaled after its deletion")
                .atMost(Duration.ofSeconds(30))
                .until(() -> readyPorts("scaled").isEmpty());
    }
}
