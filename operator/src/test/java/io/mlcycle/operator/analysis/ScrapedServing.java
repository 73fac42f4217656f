package io.mlcycle.operator.analysis;

import io.mlcycle.operator.testing.Cluster;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * What the real-Prometheus ITs of the analysis start: a serving-metrics endpoint the test drives, a
 * real Prometheus scraping it and a ticker for the test's clock and counters; {@link #close} stops
 * all three.
 */
public final class ScrapedServing implements AutoCloseable {

    private final MetricsEndpoint metrics;
    private final PrometheusProcess prometheus;
    private final ScheduledExecutorService ticker;

    private ScrapedServing(
            MetricsEndpoint metrics,
            PrometheusProcess prometheus,
            ScheduledExecutorService ticker) {
        this.metrics = metrics;
        this.prometheus = prometheus;
        this.ticker = ticker;
    }

    /** Starts the endpoint with {@code seed}'s series (there from the first scrape), Prometheus. */
    public static ScrapedServing start(Consumer<MetricsEndpoint> seed) throws IOException {
        MetricsEndpoint metrics = MetricsEndpoint.start();
        seed.accept(metrics);
        try {
            PrometheusProcess prometheus = PrometheusProcess.start(List.of(metrics.target()));
            return new ScrapedServing(metrics, prometheus, Executors.newScheduledThreadPool(2));
        } catch (IOException | RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    public MetricsEndpoint metrics() {
        return metrics;
    }

    public String prometheusUrl() {
        return prometheus.url();
    }

    public ScheduledExecutorService ticker() {
        return ticker;
    }

    @Override
    public void close() throws Exception {
        ticker.shutdownNow();
        Cluster.closeAll(prometheus, metrics);
    }
}
