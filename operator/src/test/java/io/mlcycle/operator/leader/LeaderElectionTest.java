package io.mlcycle.operator.leader;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mlcycle.testing.UnitTier;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator SDK's leader election as the chart configures it, and the leader gauge. */
@UnitTier
class LeaderElectionTest {

    static LeaderElection election(Map<String, String> props) {
        return new LeaderElection(
                new SmallRyeConfigBuilder()
                        .withMapping(LeaderElectionConfig.class)
                        .withSources(new PropertiesConfigSource(props, "test", 500))
                        .build()
                        .getConfigMapping(LeaderElectionConfig.class));
    }

    static double gauge(SimpleMeterRegistry registry) {
        return registry.get(LeaderElection.GAUGE).gauge().value();
    }

    @Test
    void disabledElectionGivesTheSdkNoConfigurationAndTheOnlyReplicaLeads() {
        LeaderElection election = election(Map.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        election.register(registry);

        assertThat(election.configuration()).isNull();
        assertThat(gauge(registry)).isEqualTo(1.0);
    }

    @Test
    void enabledElectionUsesTheLeaseInTheGivenNamespaceWithThePodAsIdentity() {
        LeaderElectionConfiguration config =
                election(
                                Map.of(
                                        "mlcycle.leader-election.enabled", "true",
                                        "mlcycle.leader-election.lease-namespace", "mlcycle-system",
                                        "mlcycle.leader-election.identity", "mlcycle-7d9f-abcde",
                                        "mlcycle.leader-election.lease-duration", "PT3S",
                                        "mlcycle.leader-election.renew-deadline", "PT2S",
                                        "mlcycle.leader-election.retry-period", "PT0.5S"))
                        .configuration();

        assertThat(config.getLeaseNamespace()).contains("mlcycle-system");
        assertThat(config.getLeaseName()).isEqualTo("mlcycle-operator-lease");
        assertThat(config.getIdentity()).contains("mlcycle-7d9f-abcde");
        assertThat(config.getLeaseDuration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.getRenewDeadline()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.getRetryPeriod()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.isExitOnStopLeading()).isTrue();
    }

    @Test
    void productionDefaultsAreTheKubernetesControllerManagersLeaseTimes() {
        LeaderElectionConfiguration config =
                election(Map.of("mlcycle.leader-election.enabled", "true")).configuration();

        assertThat(config.getLeaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.getRenewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.getRetryPeriod()).isEqualTo(Duration.ofSeconds(2));
        // Two processes on one host (local mode) must not share an identity.
        assertThat(config.getIdentity().orElseThrow())
                .endsWith("-" + ProcessHandle.current().pid());
    }

    @Test
    void gaugeFollowsTheElectorFromStandbyToLeaderAndBack() {
        LeaderElection election =
                election(
                        Map.of(
                                "mlcycle.leader-election.enabled", "true",
                                "mlcycle.leader-election.identity", "pod-a"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        election.register(registry);
        LeaderCallbacks callbacks = election.configuration().getLeaderCallbacks().orElseThrow();

        assertThat(gauge(registry)).as("standby before the first election").isEqualTo(0.0);
        callbacks.onNewLeader("pod-b");
        assertThat(gauge(registry)).as("another replica leads").isEqualTo(0.0);
        callbacks.onStartLeading();
        callbacks.onNewLeader("pod-a");
        assertThat(gauge(registry)).isEqualTo(1.0);
        assertThat(election.isLeader()).isTrue();
        callbacks.onStopLeading();
        assertThat(gauge(registry)).isEqualTo(0.0);
    }
}
