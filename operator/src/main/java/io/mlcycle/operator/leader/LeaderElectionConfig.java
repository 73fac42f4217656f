package io.mlcycle.operator.leader;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * Leader election settings ({@code mlcycle.leader-election.*}; the chart sets them through
 * MLCYCLE_LEADER_ELECTION_* env vars): replicas compete for one Lease; only its holder reconciles.
 */
@ConfigMapping(prefix = "mlcycle.leader-election")
public interface LeaderElectionConfig {

    /** Off (one operator process): every controller starts reconciling at once. */
    @WithDefault("false")
    boolean enabled();

    @WithDefault("mlcycle-operator-lease")
    String leaseName();

    /** Namespace of the Lease (the chart: the release namespace, from the downward API). */
    Optional<String> leaseNamespace();

    /** This replica's name in the Lease (the chart: the pod name); default host and pid. */
    Optional<String> identity();

    /** How long a Lease holds without renewal: the longest a standby waits to take over. */
    @WithDefault("PT15S")
    Duration leaseDuration();

    /** How long the leader keeps trying to renew before it gives the Lease up (and exits). */
    @WithDefault("PT10S")
    Duration renewDeadline();

    /** How often a standby tries to acquire, and the leader to renew. */
    @WithDefault("PT2S")
    Duration retryPeriod();
}
