package io.mlcycle.server;

import io.mlcycle.online.OnlineMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/** Online-store lookups as Prometheus metrics, in the server's registry. */
final class OnlineServerMetrics implements OnlineMetrics {

    private final Histogram lookup;
    private final Counter entities;
    private final Counter misses;
    private final Counter errors;

    OnlineServerMetrics(PrometheusRegistry registry, Labels constant) {
        lookup =
                Histogram.builder()
                        .name("mlcycle_online_lookup_seconds")
                        .help("Time of one online-store lookup (one MGET for all entities)")
                        .unit(Unit.SECONDS)
                        .classicOnly()
                        .classicUpperBounds(
                                0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.01, 0.025, 0.1, 0.5,
                                1)
                        .constLabels(constant)
                        .withoutExemplars()
                        .register(registry);
        entities =
                Counter.builder()
                        .name("mlcycle_online_entities_total")
                        .help("Entities looked up in the online store")
                        .constLabels(constant)
                        .register(registry);
        misses =
                Counter.builder()
                        .name("mlcycle_online_misses_total")
                        .help("Entities a FeatureView had no online row for, by FeatureView")
                        .labelNames("featureView")
                        .constLabels(constant)
                        .register(registry);
        errors =
                Counter.builder()
                        .name("mlcycle_online_errors_total")
                        .help("Failed online-store lookups, by reason")
                        .labelNames("reason")
                        .constLabels(constant)
                        .register(registry);
    }

    @Override
    public void onLookup(long nanos, int n) {
        lookup.observe(nanos / 1e9);
        entities.inc(n);
    }

    @Override
    public void onMiss(String view, int n) {
        misses.labelValues(view).inc(n);
    }

    @Override
    public void onFailure(String reason) {
        errors.labelValues(reason).inc();
    }
}
