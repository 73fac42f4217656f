package io.mlcycle.bench.server;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's own view of a leg's latency: its {@code
 * mlcycle_request_duration_seconds{endpoint="infer"}} buckets read from {@code /metrics} before and
 * after the leg (from the request received to the response sent, no client in it), and for gRPC
 * {@code mlcycle_grpc_stream_duration_seconds{method="ModelInfer"}} (from the HEADERS frame decoded
 * to the trailers written: the HTTP/2 codec's edge; {@code mlcycle_grpc_message_wait_seconds}: its
 * first part, up to the request message read). The legs run one after the other, so the difference
 * is the leg's requests alone.
 */
final class ServerLatency {

    /** The handler's span of inference requests, REST and gRPC. */
    static final ServerLatency HANDLER =
            new ServerLatency("mlcycle_request_duration_seconds", "endpoint=\"infer\"");

    /** gRPC inference calls at the HTTP/2 codec's edge. */
    static final ServerLatency CODEC_EDGE =
            new ServerLatency("mlcycle_grpc_stream_duration_seconds", "method=\"ModelInfer\"");

    /** gRPC inference calls from their HEADERS frame to their request message's first bytes. */
    static final ServerLatency MESSAGE_WAIT =
            new ServerLatency("mlcycle_grpc_message_wait_seconds", "method=\"ModelInfer\"");

    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");
    private final Pattern bucket;
    private final String label;

    private ServerLatency(String histogram, String label) {
        this.bucket =
                Pattern.compile(
                        "^" + histogram + "_bucket\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        this.label = label;
    }

    /**
     * Cumulative count of the histogram's requests per upper bound (seconds), as the server has it.
     */
    TreeMap<Double, Double> snapshot(int port) throws IOException, InterruptedException {
        TreeMap<Double, Double> out = new TreeMap<>();
        Matcher m = bucket.matcher(MirrorBench.metrics(port));
        while (m.find()) {
            if (!m.group(1).contains(label)) {
                continue;
            }
            Matcher le = LE.matcher(m.group(1));
            if (le.find()) {
                double bound =
                        "+Inf".equals(le.group(1))
                                ? Double.POSITIVE_INFINITY
                                : Double.parseDouble(le.group(1));
                out.merge(bound, Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return out;
    }

    /** The requests between two snapshots, by upper bound (cumulative). */
    record Window(TreeMap<Double, Double> cumulative) {

        static Window between(Map<Double, Double> before, Map<Double, Double> after) {
            TreeMap<Double, Double> diff = new TreeMap<>();
            after.forEach((le, n) -> diff.put(le, n - before.getOrDefault(le, 0.0)));
            return new Window(diff);
        }

        double total() {
            return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
        }

        /** The smallest bucket bound (ms) that holds at least {@code q} of the requests. */
        double quantileBoundMs(double q) {
            double need = q * total();
            for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
                if (e.getValue() >= need) {
                    return e.getKey() * 1000;
                }
            }
            return Double.NaN;
        }

        /** The share of requests that took longer than {@code ms} in the server. */
        double shareOver(double ms) {
            Double within = cumulative.get(ms / 1000);
            return within == null || total() == 0 ? Double.NaN : 1 - within / total();
        }

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "%.0f requests, p50 <= %.2f ms, p99 <= %.2f ms, p99.9 <= %.2f ms, over 1 ms"
                            + " %.2f %%, over 5 ms %.2f %%",
                    total(),
                    quantileBoundMs(0.5),
                    quantileBoundMs(0.99),
                    quantileBoundMs(0.999),
                    100 * shareOver(1),
                    100 * shareOver(5));
        }
    }
}
