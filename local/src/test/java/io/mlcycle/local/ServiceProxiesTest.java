package io.mlcycle.local;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ServiceProxiesTest {

    @Test
    void aChampionsShadowUrlPointsAtTheChallengerServicesLocalProxyAsClusterDnsWould() {
        try (ServiceProxies proxies = new ServiceProxies(null, null, s -> {})) {
            Map<String, String> env = new HashMap<>();
            env.put("MLCYCLE_SHADOW_URL", "http://churn-shadow.ml.svc");
            env.put("OTHER", "http://churn-shadow.ml.svc");
            proxies.rewrite("ModelDeployment churn", null, env);
            // opened before the Service is seen, the same proxy once it is
            String local = proxies.url("ml", "churn-shadow").orElseThrow();
            assertThat(env)
                    .containsEntry("MLCYCLE_SHADOW_URL", local)
                    .containsEntry("OTHER", "http://churn-shadow.ml.svc");
            assertThat(local).matches("http://127\\.0\\.0\\.1:\\d+");
            assertThat(proxies.localUrl("http://churn-shadow.ml.svc.cluster.local:80/v2"))
                    .isEqualTo(local + "/v2");
            assertThat(proxies.localUrl("http://example.com:8080"))
                    .isEqualTo("http://example.com:8080");
        }
    }
}
