package io.mlcycle.server;

import io.mlcycle.online.OnlineMetrics;
import io.mlcycle.online.OnlineVersion;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Online-store lookups as Prometheus metrics, in the server's registry. */
final class OnlineServerMetrics implements OnlineMetrics {

    private final Histogram lookup;
    private final Counter entities;
    private final Counter misses;
    private final Counter errors;
    private final Gauge asOf;

    /** The version tag last exported per view: the as-of is parsed again only when it changes. */
    private final Map<String, String> exported = new ConcurrentHashMap<>();

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
        asOf =
                Gauge.builder()
                        .name("mlcycle_online_features_as_of_seconds")
                        .help(
                                "As-of of the FeatureView version the last lookup read, in epoch"
                                        + " seconds (a date as-of: 00:00 UTC of that day)")
                        .unit(Unit.SECONDS)
                        .labelNames("featureView")
                        .constLabels(constant)
                        .register(registry);
    }

    /** Exports the as-of of each view a lookup read. */
    void served(Map<String, OnlineVersion> versions) {
        versions.forEach(
                (view, version) -> {
                    if (version.tag().equals(exported.get(view))) {
                        return;
                    }
                    double seconds = epochSeconds(version.asOf());
                    if (!Double.isNaN(seconds)) {
                        asOf.labelValues(view).set(seconds);
                    }
                    exported.put(view, version.tag());
                });
    }

    /** A date ({@code 2026-11-20}: its start, UTC) or an ISO instant; NaN when neither. */
    static double epochSeconds(String asOf) {
        if (asOf == null) {
            return Double.NaN;
        }
        try {
            return LocalDate.parse(asOf).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        } catch (DateTimeParseException e) {
            // not a plain date
        }
        try {
            return OffsetDateTime.parse(asOf).toEpochSecond();
        } catch (DateTimeParseException e) {
            // not an offset date-time
        }
        try {
            return Instant.parse(asOf).getEpochSecond();
        } catch (DateTimeParseException e) {
            return Double.NaN;
        }
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
