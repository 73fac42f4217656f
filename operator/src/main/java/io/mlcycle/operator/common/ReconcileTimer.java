package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * The operator SDK's metrics plus one DEBUG line per reconcile with its duration, status write
 * included ({@code reconciled <kind> <namespace>/<name> in <ms> ms}): what {@code benchmarks/run
 * operator} reads its latencies from. The line costs nothing while the category is not at DEBUG.
 */
@Singleton
public class ReconcileTimer implements Metrics {

    private static final Logger LOG = Logger.getLogger(ReconcileTimer.class);

    private final Metrics sdk;

    // JOSDK starts and finishes a reconcile on the same executor thread.
    private final ThreadLocal<Long> started = new ThreadLocal<>();

    @Inject
    ReconcileTimer(MeterRegistry registry) {
        // A Metrics bean replaces the operator SDK's default one: this is that default with
        // quarkus.operator-sdk.use-v1-metrics=true (application.properties), so /q/metrics keeps
        // the SDK's reconcile timers.
        this.sdk =
                MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry)
                        .build();
    }

    @Override
    public void controllerRegistered(Controller<? extends HasMetadata> controller) {
        sdk.controllerRegistered(controller);
    }

    @Override
    public void eventReceived(Event event, Map<String, Object> metadata) {
        sdk.eventReceived(event, metadata);
    }

    @Override
    public void reconciliationSubmitted(
            HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
        sdk.reconciliationSubmitted(resource, retryInfo, metadata);
    }

    @Override
    public void reconciliationStarted(HasMetadata resource, Map<String, Object> metadata) {
        if (LOG.isDebugEnabled()) {
            started.set(System.nanoTime());
        }
        sdk.reconciliationStarted(resource, metadata);
    }

    @Override
    public void reconciliationFailed(
            HasMetadata resource,
            RetryInfo retryInfo,
            Exception exception,
            Map<String, Object> metadata) {
        sdk.reconciliationFailed(resource, retryInfo, exception, metadata);
    }

    @Override
    public void reconciliationSucceeded(HasMetadata resource, Map<String, Object> metadata) {
        sdk.reconciliationSucceeded(resource, metadata);
    }

    @Override
    public void reconciliationFinished(
            HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
        sdk.reconciliationFinished(resource, retryInfo, metadata);
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

    @Override
    public void cleanupDone(ResourceID resourceID, Map<String, Object> metadata) {
        sdk.cleanupDone(resourceID, metadata);
    }

    @Override
    public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
        return sdk.timeControllerExecution(execution);
    }
}
