package io.mlcycle.operator.leader;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Unremovable;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Leader election among operator replicas, through the operator SDK's own support: the SDK starts
 * every controller's informers on each replica but reconciles only on the Lease holder; a leader
 * that loses its Lease exits (its pod restarts as a standby). Publishes {@code
 * mlcycle_operator_leader} (1 leader, 0 standby).
 */
@ApplicationScoped
public class LeaderElection {

    static final String GAUGE = "mlcycle_operator_leader";
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    private final LeaderElectionConfig config;
    private final AtomicInteger leader;
    private final String identity;

    @Inject
    public LeaderElection(LeaderElectionConfig config) {
        this.config = config;
        this.identity = config.identity().orElseGet(LeaderElection::hostAndPid);
        // Without election this process is the only operator: it leads from the start.
        this.leader = new AtomicInteger(this.config.enabled() ? 0 : 1);
    }

    /**
     * The SDK's configuration, or null (no election) when disabled. The extension looks this bean
     * up by type when it builds the operator.
     */
    @Produces
    @Dependent
    @Unremovable
    LeaderElectionConfiguration configuration() {
        if (!config.enabled()) {
            return null;
        }
        // The constructor, not the builder: the builder of SDK 5.3.2 sets exitOnStopLeading to
        // false,
        // and a leader that lost its Lease and kept reconciling would be a second writer.
        LeaderElectionConfiguration election =
                new LeaderElectionConfiguration(
                        config.leaseName(),
                        config.leaseNamespace().filter(ns -> !ns.isBlank()).orElse(null),
                        config.leaseDuration(),
                        config.renewDeadline(),
                        config.retryPeriod(),
                        identity,
                        callbacks(),
                        true);
        LOG.infof(
                "Leader election on: Lease %s/%s, identity %s",
                config.leaseNamespace().orElse("<client namespace>"), config.leaseName(), identity);
        return election;
    }

    /** Keeps the gauge in step with what the elector reports. */
    LeaderCallbacks callbacks() {
        return new LeaderCallbacks(
                () -> leader.set(1),
                () -> leader.set(0),
                newLeader -> leader.set(identity.equals(newLeader) ? 1 : 0));
    }

    void registerGauge(@Observes StartupEvent e, MeterRegistry registry) {
        register(registry);
    }

    void register(MeterRegistry registry) {
        Gauge.builder(GAUGE, leader, AtomicInteger::get)
                .description("1 while this operator replica holds the leader Lease, 0 on a standby")
                .register(registry);
    }

    /** Whether this replica leads (always, without election). */
    public boolean isLeader() {
        return leader.get() == 1;
    }

    String identity() {
        return identity;
    }

    static String hostAndPid() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "operator";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
