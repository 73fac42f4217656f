package io.mlcycle.operator.testing;

import io.quarkus.test.common.QuarkusTestResource;

/**
 * Registers {@link MockKubernetesServer} for all {@code @QuarkusTest} classes (a global test
 * resource), so they share one mock API server and one Quarkus start.
 */
@QuarkusTestResource(MockKubernetesServer.class)
public final class MockKubernetes {
    private MockKubernetes() {}
}
