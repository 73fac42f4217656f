package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.mlcycle.task.ServeTask;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol v2 REST endpoints, plus feedback and {@code /metrics}, over {@link
 * HttpTransport}: small requests are answered on the event loop, big batches and lookups by entity
 * on a bounded pool of worker threads.
 */
public final class InferenceServer implements AutoCloseable {

    /**
     * What the server needs to know besides the model.
     *
     * @param grpcPort the port of the gRPC service (0: a free one; -1: none)
     */
    public record Config(
            String deployment,
            String model,
            int version,
            String bindAddress,
            int port,
            int grpcPort,
            int maxBodyBytes,
            int maxRowsPerRequest,
            int feedbackWindow,
            int threads) {}

    private static final int MAX_FEEDBACK_ENTRIES = 10_000;

    private final Config config;
    private final ModelSlot slot;
    private final ServerMetrics metrics;
    private final FeedbackWindow window;
    private final ModelAddress address;
    private final ModelMetadata metadata;
    private final String version;
    private HttpTransport http;
    private volatile GrpcEndpoint grpc;
    private volatile boolean stopping;
    private final OnlineFeatures online;
    private final OnlineServerMetrics onlineMetrics;

    /** Where a sample of the scored rows is logged (null: no request log). */
    private final RequestLog requestLog;

    /** Where a share of the requests is mirrored to (null: no shadow challenger). */
    private final ShadowMirror mirror;

    /** Where accepted feedback goes: metrics, the shadow challenger, the request log. */
    private final FeedbackIntake intake;

    /** Who may post feedback. */
    private final FeedbackAuth auth;

    private final Scorer scorer;

    public InferenceServer(Config config, ModelSlot slot) {
        this(config, slot, null, Map.of());
    }

    /**
     * @param online where rows are read by entity id (null: only feature values are accepted)
     * @param env the process environment (the Redis password variable)
     */
    public InferenceServer(
            Config config, ModelSlot slot, ServeTask.Online online, Map<String, String> env) {
        this(config, slot, online, null, env);
    }

    /**
     * @param online where rows are read by entity id (null: only feature values are accepted)
     * @param requestLog the sampled log of scored rows (null: none)
     * @param env the process environment (the Redis password variable)
     */
    public InferenceServer(
            Config config,
            ModelSlot slot,
            ServeTask.Online online,
            ServeTask.RequestLog requestLog,
            Map<String, String> env) {
        this.config = config;
        this.slot = slot;
        slot.onSettled(this::readinessChanged);
        this.metrics = new ServerMetrics(config.deployment(), config.model(), config.version());
        metrics.features(
                () -> {
                    ModelSlot.Loaded m = slot.loaded();
                    return m == null ? null : m.drift();
                });
        this.onlineMetrics = online == null ? null : metrics.online();
        this.online = online == null ? null : OnlineFeatures.open(online, env, onlineMetrics);
        this.window = new FeedbackWindow(config.feedbackWindow());
        this.auth = FeedbackAuth.fromEnv(env);
        this.mirror =
                ShadowMirror.fromEnv(
                        env, config.model(), config.feedbackWindow(), metrics, auth.token());
        this.version = String.valueOf(config.version());
        this.address = new ModelAddress(config.model(), config.version());
        this.metadata = new ModelMetadata(config, slot, online != null);
        this.requestLog = RequestLog.open(requestLog, config, metrics);
        this.scorer =
                new Scorer(config, metrics, window, this.online, onlineMetrics, this.requestLog);
        this.intake = new FeedbackIntake(window, scorer, metrics, mirror, this.requestLog);
    }

    /** Binds and starts serving; live at once, ready once the model slot is. */
    public InferenceServer start() throws IOException {
        http = new HttpTransport(config.maxBodyBytes(), this::handle, this::slow);
        http.start(
                config.bindAddress(),
                config.port(),
                Runtime.getRuntime().availableProcessors(),
                config.threads());
        if (config.grpcPort() >= 0) {
            grpc = new GrpcEndpoint(this, config, metrics);
            slot.warmUpGrpc();
            try {
                grpc.start(http);
            } catch (IOException | RuntimeException e) {
                http.stop(0);
                throw e;
            }
            readinessChanged();
        }
        if (online != null) {
            online.warmInBackground();
        }
        return this;
    }

    public int port() {
        return http.port();
    }

    /** The port of the gRPC service, or -1 without one. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    /** Requests answered on a worker thread: big bodies, and lookups by entity (a Redis trip). */
    private boolean slow(Exchange ex) {
        return ModelAddress.slow(
                ex.body().length, online != null && EntityRequest.mentionsEntity(ex.body()));
    }

    /** Scores a parsed request (gRPC). */
    Scorer.Answer infer(ModelSlot.Loaded m, ParsedRequest parsed) {
        return scorer.infer(m, parsed, new Scorer.Recording(false, null));
    }

    ModelMetadata metadata() {
        return metadata;
    }

    ModelAddress address() {
        return address;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    /**
     * Reports not ready from now on while still serving: Kubernetes takes a terminating pod out of
     * the Service endpoints only some time after SIGTERM, and requests sent meanwhile must work.
     */
    public void drain() {
        stopping = true;
        metrics.ready(false);
        readinessChanged();
    }

    /**
     * Tells the gRPC health service what {@link #ready()} says now; synchronized so that the last
     * answer set is the last one computed.
     */
    private synchronized void readinessChanged() {
        GrpcEndpoint g = grpc;
        if (g != null) {
            g.readiness(ready());
        }
    }

    /** Stops accepting connections, lets running requests finish (up to the grace), then stops. */
    public void stop(int graceSeconds) {
        drain();
        if (grpc != null) {
            grpc.stop(graceSeconds);
        }
        if (http != null) {
            http.stop(graceSeconds);
        }
        if (online != null) {
            online.close();
        }
        if (mirror != null) {
            mirror.close();
        }
        if (requestLog != null) {
            requestLog.close();
        }
    }

    @Override
    public void close() {
        stop(0);
    }

    /** Model loaded, not draining, and the gRPC service (if any) taking calls. */
    boolean ready() {
        return !stopping
                && slot.state() == ModelSlot.State.READY
                && (grpc == null || grpc.serving());
    }

    /** Answers one request; never throws (the transport writes what it recorded). */
    private void handle(Exchange ex) {
        String path = ex.path;
        String method = ex.method;
        String endpoint = "other";
        int code;
        try {
            if (path == null) {
                throw BadRequest.of("the request target is not a valid URI");
            } else if (path.equals("/v2/health/live")) {
                endpoint = "live";
                code = get(ex, method, () -> json(ex, 200, "{\"live\":true}"));
            } else if (path.equals("/v2/health/ready")) {
                endpoint = "ready";
                code = get(ex, method, () -> readiness(ex, "ready"));
            } else if (path.equals("/metrics")) {
                endpoint = "metrics";
                code = get(ex, method, () -> metricsText(ex));
            } else if (path.equals("/v2")) {
                endpoint = "server";
                code = get(ex, method, () -> serverMetadata(ex));
            } else if (path.startsWith(ModelAddress.MODELS)) {
                String rest = address.rest(path);
                switch (rest) {
                    case "" -> {
                        endpoint = "metadata";
                        code = get(ex, method, () -> modelMetadata(ex));
                    }
                    case "/ready" -> {
                        endpoint = "model_ready";
                        code = get(ex, method, () -> modelReadiness(ex));
                    }
                    case "/infer" -> {
                        endpoint = "infer";
                        code = post(ex, method, () -> infer(ex));
                    }
                    case "/feedback" -> {
                        endpoint = "feedback";
                        code = post(ex, method, () -> authenticated(ex, () -> feedback(ex)));
                    }
                    default -> throw new BadRequest(404, "no endpoint " + path);
                }
            } else {
                throw new BadRequest(404, "no endpoint " + path);
            }
        } catch (BadRequest e) {
            code = e.status();
            metrics.error(endpoint, reason(code));
            error(ex, code, e.getMessage());
        } catch (IOException e) {
            // a body the JSON reader could not read at all
            code = 400;
            metrics.error(endpoint, "io");
            ex.close = true;
            error(ex, code, "cannot read the request body: " + e.getMessage());
        } catch (RuntimeException e) {
            code = 500;
            metrics.error(endpoint, "internal");
            System.err.println("mlcycle-server: " + method + " " + path + " failed: " + e);
            e.printStackTrace();
            error(ex, 500, "internal error: " + e);
        }
        metrics.request(endpoint, code, ex.startNanos);
    }

    static String reason(int code) {
        return switch (code) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 401 -> "unauthorized";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 503 -> "not_ready";
            default -> "http_" + code;
        };
    }

    /** A response handler: sends the response and returns its status code. */
    private interface Responder {
        int respond() throws IOException;
    }

    private static int get(Exchange ex, String method, Responder r) throws IOException {
        return allow(ex, method, "GET", r);
    }

    private static int post(Exchange ex, String method, Responder r) throws IOException {
        return allow(ex, method, "POST", r);
    }

    private static int allow(Exchange ex, String method, String allowed, Responder r)
            throws IOException {
        if (method.equals(allowed) || (allowed.equals("GET") && method.equals("HEAD"))) {
            return r.respond();
        }
        ex.responseHeaders.set("Allow", allowed);
        throw new BadRequest(405, "method " + method + " not allowed here; use " + allowed);
    }

    private int readiness(Exchange ex, String field) throws IOException {
        boolean r = ready();
        return json(ex, r ? 200 : 503, "{\"" + field + "\":" + r + "}");
    }

    /** {@code {"name": …, "ready": …}}, as the protocol's model ready response. */
    private int modelReadiness(Exchange ex) throws IOException {
        boolean r = ready();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        try (JsonGenerator g = InferenceCodec.JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("name", config.model());
            g.writeBooleanField("ready", r);
            g.writeEndObject();
        }
        return send(ex, r ? 200 : 503, "application/json", buf.toByteArray());
    }

    private int serverMetadata(Exchange ex) throws IOException {
        return json(
                ex,
                200,
                "{\"name\":\"mlcycle-server\",\"version\":\"1\",\"extensions\":[\"feedback\"]}");
    }

    private int modelMetadata(Exchange ex) throws IOException {
        ModelMetadata.Document d = metadata.document();
        return send(ex, d.ready() ? 200 : 503, "application/json", d.json());
    }

    ModelSlot.Loaded requireReady() {
        ModelSlot.Loaded m = slot.loaded();
        if (m == null) {
            String why =
                    slot.state() == ModelSlot.State.FAILED
                            ? "the model failed to load: " + slot.error()
                            : "the model is still loading";
            throw new BadRequest(503, "model '" + config.model() + "' is not ready: " + why);
        }
        return m;
    }

    private int infer(Exchange ex) throws IOException {
        ModelSlot.Loaded m = requireReady();
        if (ex.tooLarge) {
            throw tooLarge();
        }
        byte[] body = ex.body();
        int header =
                JsonInferRequestReader.headerLength(
                        ex.requestHeaders.get(InferenceCodec.HEADER_LENGTH), body.length);
        String mirrorOf = ex.requestHeaders.get(ShadowMirror.MIRROR_OF_HEADER);
        Scorer.Recording rec =
                new Scorer.Recording(
                        mirrorOf == null && mirror != null && mirror.sample(), mirrorOf);
        Scorer.Answer a = scorer.infer(m, JsonInferRequestReader.parse(body, header), rec);
        if (rec.mirrored && rec.firstId != null) {
            mirror.infer(
                    body,
                    ex.requestHeaders.get(InferenceCodec.HEADER_LENGTH),
                    rec.firstId,
                    a.rows());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256 + a.rows() * 48);
        int json =
                JsonInferResponseWriter.writeResponse(
                        buf,
                        config.model(),
                        version,
                        a.id(),
                        a.tensors(),
                        a.outputs(),
                        a.parameters());
        if (json < 0) {
            return send(ex, 200, "application/json", buf.toByteArray());
        }
        ex.responseHeaders.setInt(InferenceCodec.HEADER_LENGTH, json);
        return send(ex, 200, "application/octet-stream", buf.toByteArray());
    }

    /** Runs the handler only for a request with the feedback token; 401 (counted) otherwise. */
    private int authenticated(Exchange ex, Responder handler) throws IOException {
        FeedbackAuth.Rejection rejected =
                auth.check(ex.requestHeaders.get(HttpHeaderNames.AUTHORIZATION));
        if (rejected == null) {
            return handler.respond();
        }
        metrics.feedbackRejected(rejected.reason);
        ex.responseHeaders.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        throw new BadRequest(
                401,
                rejected == FeedbackAuth.Rejection.MISSING
                        ? "feedback needs an 'Authorization: Bearer <token>' header"
                        : "the feedback token is not valid");
    }

    private int feedback(Exchange ex) throws IOException {
        List<FeedbackEntry> entries = FeedbackReader.readFeedback(body(ex), MAX_FEEDBACK_ENTRIES);
        return send(ex, 200, "application/json", intake.take(entries));
    }

    private int metricsText(Exchange ex) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        metrics.ready(ready());
        metrics.write(buf);
        return send(ex, 200, ServerMetrics.CONTENT_TYPE, buf.toByteArray());
    }

    /** The request body, refused with 413 beyond {@code maxBodyBytes}. */
    private InputStream body(Exchange ex) {
        if (ex.tooLarge) {
            throw tooLarge();
        }
        return new ByteArrayInputStream(ex.body());
    }

    private BadRequest tooLarge() {
        return new BadRequest(
                413, "request body larger than the limit of " + config.maxBodyBytes() + " bytes");
    }

    private void error(Exchange ex, int code, String message) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator g = InferenceCodec.JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        send(ex, code, "application/json", buf.toByteArray());
    }

    private static int json(Exchange ex, int code, String body) throws IOException {
        return send(ex, code, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static int send(Exchange ex, int code, String contentType, byte[] body) {
        return ex.respond(code, contentType, body);
    }
}
