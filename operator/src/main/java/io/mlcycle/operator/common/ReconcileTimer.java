package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * One DEBUG line per reconcile with its duration, status write included ({@code reconciled <kind>
 * <namespace>/<name> in <ms> ms}): what {@code benchmarks/run operator} reads its latencies from.
 * Costs nothing while the category is not at DEBUG.
 */
@Singleton
public class ReconcileTimer implements Metrics {

    private static final Logger LOG = Logger.getLogger(ReconcileTimer.class);

    // JOSDK starts and finishes a reconcile on the same executor thread.
    private final ThreadLocal<Long> started = new ThreadLocal<>();

    @Override
    public void reconciliationStarted(HasMetadata resource, Map<String, Object> metadata) {
        if (LOG.isDebugEnabled()) {
            started.set(System.nanoTime());
        }
    }

    @Override
    public void reconciliationFinished(
            HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
        Long start = started.get();
        if (start == null) {
            return;
        }
        started.remove();
        LOG.debugf(
                "reconciled %s %s/%s in %.3f ms",
                resource.getKind(),
                resource.getMetadata().getNamespace(),
                resource.getMetadata().getName(),
                (System.nanoTime() - start) / 1e6);
    }
}
