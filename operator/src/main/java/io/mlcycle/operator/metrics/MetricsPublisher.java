package io.mlcycle.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Publishes {@link ResourceMetrics} at {@code /q/metrics} (beside the JOSDK and JVM metrics),
 * refreshed every few seconds from the controllers' informer caches: no API request of its own.
 */
@ApplicationScoped
public class MetricsPublisher {

    static final long REFRESH_SECONDS = 5;

    @Inject MeterRegistry registry;
    @Inject Operator operator;

    private final Map<String, MultiGauge> gauges = new HashMap<>();
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent e) {
        ResourceMetrics.HELP.forEach(
                (name, help) ->
                        gauges.put(
                                name,
                                MultiGauge.builder(ResourceMetrics.PREFIX + name)
                                        .description(help)
                                        .register(registry)));
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "mlcycle-metrics");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(this::refresh, 1, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Replaces every gauge's rows with what the caches hold now. */
    synchronized void refresh() {
        try {
            List<ResourceMetrics.Sample> samples =
                    ResourceMetrics.samples(
                            cached("featureview", FeatureView.class),
                            cached("trainingrun", TrainingRun.class),
                            cached("modelversion", ModelVersion.class),
                            cached("modeldeployment", ModelDeployment.class));
            Map<String, List<MultiGauge.Row<?>>> rows = new HashMap<>();
            for (ResourceMetrics.Sample s : samples) {
                List<String> kv = new ArrayList<>();
                s.labels().forEach((k, v) -> kv.addAll(List.of(k, v)));
                rows.computeIfAbsent(s.name(), n -> new ArrayList<>())
                        .add(MultiGauge.Row.of(Tags.of(kv.toArray(String[]::new)), s.value()));
            }
            gauges.forEach(
                    (name, gauge) -> gauge.register(rows.getOrDefault(name, List.of()), true));
        } catch (RuntimeException ex) {
            // a controller not started yet (or stopping): the next refresh catches up
        }
    }

    /** The primary resources a controller's informer holds (none before it started). */
    private <R extends HasMetadata> List<R> cached(String controller, Class<R> type) {
        Optional<Controller<?>> c =
                operator.getRegisteredController(controller)
                        .filter(Controller.class::isInstance)
                        .map(r -> (Controller<?>) r);
        if (c.isEmpty()) {
            return List.of();
        }
        Stream<? extends HasMetadata> cached =
                c.get().getEventSourceManager().getControllerEventSource().list(r -> true);
        return cached.filter(type::isInstance).map(type::cast).toList();
    }
}
