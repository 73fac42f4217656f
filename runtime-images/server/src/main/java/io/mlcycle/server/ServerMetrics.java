package io.mlcycle.server;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The server's Prometheus metrics. Every series carries {@code deployment} and {@code version}, so
 * a rollback query can select the version under analysis.
 */
final class ServerMetrics {

    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter errors;
    private final Histogram latency;
    private final Histogram score;
    private final Histogram grpcStream;
    private final Histogram grpcMessageWait;
    private final Counter predictions;
    private final Counter feedback;
    private final Counter feedbackRejected;
    private final Gauge ready;
    private final Labels constant;
    private OnlineServerMetrics online;
    private Counter mirrored;

    ServerMetrics(String deployment, String model, int version) {
        Labels constant = Labels.of("deployment", deployment, "version", String.valueOf(version));
        this.constant = constant;
        requests =
                counter(
                        "mlcycle_requests_total",
                        "HTTP requests by endpoint and status code",
                        "endpoint",
                        "code");
        errors =
                counter(
                        "mlcycle_errors_total",
                        "Refused or failed requests by endpoint and reason",
                        "endpoint",
                        "reason");
        latency =
                Histogram.builder()
                        .name("mlcycle_request_duration_seconds")
                        .help("Time from request received to response sent, by endpoint")
                        .unit(Unit.SECONDS)
                        .labelNames("endpoint")
                        .classicOnly()
                        .classicUpperBounds(
                                0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                2.5, 10)
                        .constLabels(constant)
                        .withoutExemplars()
                        .register(registry);
        grpcStream =
                grpcHistogram(
                        "mlcycle_grpc_stream_duration_seconds",
                        "gRPC calls from the HEADERS frame decoded to the trailers written to the"
                                + " socket, by method");
        grpcMessageWait =
                grpcHistogram(
                        "mlcycle_grpc_message_wait_seconds",
                        "gRPC calls from the HEADERS frame decoded to the first bytes of the request"
                                + " message read, by method");
        score =
                Histogram.builder()
                        .name("mlcycle_score")
                        .help("Predicted probability of class 1, one observation per row")
                        .classicOnly()
                        .classicUpperBounds(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
                        .constLabels(constant)
                        .withoutExemplars()
                        .register(registry);
        predictions =
                counter("mlcycle_predictions_total", "Rows predicted, by predicted class", "class");
        feedback =
                counter(
                        "mlcycle_feedback_total",
                        "Feedback received for earlier predictions, by predicted and actual class",
                        "predicted",
                        "actual");
        feedbackRejected =
                counter(
                        "mlcycle_feedback_rejected",
                        "Feedback requests refused for want of the feedback token, by"
                                + " reason (missing_token, wrong_token)",
                        "reason");
        for (FeedbackAuth.Rejection r : FeedbackAuth.Rejection.values()) {
            feedbackRejected.labelValues(r.reason);
        }
        ready =
                Gauge.builder()
                        .name("mlcycle_model_ready")
                        .help("1 when the model is loaded and warmed up, else 0")
                        .constLabels(constant)
                        .register(registry);
        Gauge info =
                Gauge.builder()
                        .name("mlcycle_model_info")
                        .help("The model version this process serves")
                        .labelNames("model")
                        .constLabels(constant)
                        .register(registry);
        info.labelValues(model).set(1);
        for (String p : new String[] {"0", "1"}) {
            predictions.labelValues(p);
            for (String a : new String[] {"0", "1"}) {
                feedback.labelValues(p, a);
            }
        }
    }

    private Histogram grpcHistogram(String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .unit(Unit.SECONDS)
                .labelNames("method")
                .classicOnly()
                .classicUpperBounds(
                        0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1, 1)
                .constLabels(constant)
                .withoutExemplars()
                .register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labels)
                .constLabels(constant)
                .register(registry);
    }

    /** The per-feature served counts and training shares of {@link FeatureDrift}. */
    void features(java.util.function.Supplier<FeatureDrift> drift) {
        FeatureDrift.register(registry, constant, drift);
    }

    /** The online-store metrics (registered on first use). */
    synchronized OnlineServerMetrics online() {
        if (online == null) {
            online = new OnlineServerMetrics(registry, constant);
        }
        return online;
    }

    /**
     * The shadow mirror's counters (registered when a challenger is set): requests and feedback
     * sent, dropped or failed, and the feedback for mirrored predictions by class, labelled with
     * the {@code challenger} version (so a new challenger starts from its own series).
     */
    synchronized Counter mirror(String challenger) {
        Labels withChallenger = constant.merge(Labels.of("challenger", challenger));
        mirrored =
                Counter.builder()
                        .name("mlcycle_mirrored_feedback_total")
                        .help(
                                "Feedback for predictions also sent to the shadow challenger, by"
                                        + " predicted and actual class")
                        .labelNames("predicted", "actual")
                        .constLabels(withChallenger)
                        .register(registry);
        for (String p : new String[] {"0", "1"}) {
            for (String a : new String[] {"0", "1"}) {
                mirrored.labelValues(p, a);
            }
        }
        return counter(
                "mlcycle_mirror_total",
                "Messages for the shadow challenger by kind (infer, feedback), outcome (sent,"
                        + " dropped: not sent, failed: not answered 200) and reason (answered;"
                        + " queue_full, closing, prediction_not_sent; status, timeout,"
                        + " unreachable)",
                "kind",
                "outcome",
                "reason");
    }

    /** The request log's rows by outcome (logged, dropped: queue full, failed: not written). */
    Counter requestLog() {
        return counter(
                "mlcycle_request_log_rows_total",
                "Scored rows sampled for the request log, by outcome (logged: published, dropped:"
                        + " queue full, failed: could not be written or published)",
                "outcome");
    }

    void feedbackRejected(String reason) {
        feedbackRejected.labelValues(reason).inc();
    }

    /**
     * On a shadow challenger: one labelled request both it and its champion scored, by who was
     * right ({@code mlcycle_shadow_pairs_total{outcome}}: both_right, champion_only,
     * challenger_only, both_wrong), registered on the first pair.
     */
    synchronized void shadowPair(boolean championRight, boolean challengerRight) {
        if (pairs == null) {
            pairs =
                    Counter.builder()
                            .name("mlcycle_shadow_pairs_total")
                            .help(
                                    "Labelled requests scored by this shadow challenger and its"
                                            + " champion, by which of them was right")
                            .labelNames("outcome")
                            .constLabels(constant)
                            .register(registry);
            for (String o : PAIR_OUTCOMES) {
                pairs.labelValues(o);
            }
        }
        pairs.labelValues(PAIR_OUTCOMES[(championRight ? 0 : 2) + (challengerRight ? 0 : 1)]).inc();
    }

    /** Indexed by (champion wrong) * 2 + (challenger wrong). */
    private static final String[] PAIR_OUTCOMES = {
        "both_right", "champion_only", "challenger_only", "both_wrong"
    };

    private Counter pairs;

    void mirroredFeedback(int predicted, int actual) {
        mirrored.labelValues(String.valueOf(predicted), String.valueOf(actual)).inc();
    }

    void request(String endpoint, int code, long startNanos) {
        requests.labelValues(endpoint, String.valueOf(code)).inc();
        latency.labelValues(endpoint).observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** One gRPC call's time at the HTTP/2 codec's edge ({@link GrpcStreamTimer}). */
    void grpcStream(String method, long startNanos) {
        grpcStream.labelValues(method).observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** One gRPC call's wait for its request message after its HEADERS ({@link GrpcStreamTimer}). */
    void grpcMessageWait(String method, long startNanos) {
        grpcMessageWait.labelValues(method).observe((System.nanoTime() - startNanos) / 1e9);
    }

    void error(String endpoint, String reason) {
        errors.labelValues(endpoint, reason).inc();
    }

    void scores(float[] probability, double threshold) {
        DistributionDataPoint s = score;
        long ones = 0;
        for (float p : probability) {
            s.observe(p);
            if (p >= threshold) {
                ones++;
            }
        }
        predictions.labelValues("1").inc(ones);
        predictions.labelValues("0").inc(probability.length - ones);
    }

    void feedback(int predicted, int actual) {
        feedback.labelValues(String.valueOf(predicted), String.valueOf(actual)).inc();
    }

    void ready(boolean isReady) {
        ready.set(isReady ? 1 : 0);
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
