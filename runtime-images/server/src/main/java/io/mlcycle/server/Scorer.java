package io.mlcycle.server;

import io.mlcycle.online.OnlineStoreException;
import io.mlcycle.online.OnlineStoreReader;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores parsed requests, whatever the transport: feature values, or entity ids read from the
 * online store; records each prediction for feedback and counts the scores.
 */
final class Scorer {

    private final InferenceServer.Config config;
    private final ServerMetrics metrics;
    private final FeedbackWindow window;
    private final OnlineFeatures online;
    private final OnlineServerMetrics onlineMetrics;
    private final RequestLog requestLog;

    /** Predictions of requests mirrored here by a champion, under its ids (created on first). */
    private volatile MirroredPredictions mirroredHere;

    Scorer(
            InferenceServer.Config config,
            ServerMetrics metrics,
            FeedbackWindow window,
            OnlineFeatures online,
            OnlineServerMetrics onlineMetrics,
            RequestLog requestLog) {
        this.config = config;
        this.requestLog = requestLog;
        this.metrics = metrics;
        this.window = window;
        this.online = online;
        this.onlineMetrics = onlineMetrics;
    }

    /** Predictions mirrored here by a champion (null: none yet). */
    MirroredPredictions mirroredHere() {
        return mirroredHere;
    }

    /**
     * The answer to an inference request, whatever the transport.
     *
     * @param parameters scalar response parameters (may be null)
     */
    record Answer(
            String id,
            List<Tensor> tensors,
            RequestedOutputs outputs,
            Map<String, Object> parameters) {
        int rows() {
            return tensors.get(0).size();
        }
    }

    /**
     * How a request's predictions are recorded for feedback: in this server's window ({@code
     * mirrored}: also sent to the shadow challenger), or, for a request a champion mirrored here,
     * under the champion's ids starting at {@code mirrorOf}.
     */
    static final class Recording {
        final boolean mirrored;
        final String mirrorOf;

        /** The first id recorded (null: no row scored). */
        String firstId;

        Recording(boolean mirrored, String mirrorOf) {
            this.mirrored = mirrored;
            this.mirrorOf = mirrorOf;
        }
    }

    private String[] record(float[] p, double threshold, Recording rec) {
        if (rec.mirrorOf != null) {
            String[] ids = FeedbackWindow.ids(rec.mirrorOf, p.length);
            if (ids == null) {
                throw BadRequest.of(
                        ShadowMirror.MIRROR_OF_HEADER
                                + " '"
                                + InferenceCodec.abbreviate(rec.mirrorOf)
                                + "' is not a prediction id");
            }
            MirroredPredictions store = mirroredHere;
            if (store == null) {
                synchronized (this) {
                    if (mirroredHere == null) {
                        mirroredHere = new MirroredPredictions(config.feedbackWindow());
                    }
                    store = mirroredHere;
                }
            }
            store.record(ids, p, threshold);
            return ids;
        }
        String[] ids = window.record(p, threshold, rec.mirrored);
        rec.firstId = ids.length == 0 ? null : ids[0];
        return ids;
    }

    /** Scores a parsed request: feature values, or entity ids when online features are set. */
    Answer infer(ModelSlot.Loaded m, ParsedRequest parsed, Recording rec) {
        if (online != null) {
            EntityRequest byEntity = EntityRequest.of(parsed, config.maxRowsPerRequest());
            if (byEntity != null) {
                return inferByEntity(m, byEntity, rec);
            }
        }
        InferRequest req =
                FeatureRows.rows(
                        parsed, m.featureIndex(), m.numFeatures(), config.maxRowsPerRequest());
        float[] p = m.model().predict(req.rows());
        if (p.length != req.rows().rows()) {
            throw new IllegalStateException(
                    "the model returned "
                            + p.length
                            + " values for "
                            + req.rows().rows()
                            + " rows");
        }
        if (m.drift() != null) {
            m.drift().observe(req.rows(), null);
        }
        double threshold = m.model().threshold();
        String[] ids = record(p, threshold, rec);
        metrics.scores(p, threshold);
        if (requestLog != null) {
            requestLog.offer(m.model().featureNames(), req.rows(), p, ids, false);
        }
        return new Answer(
                req.id(), JsonInferResponseWriter.outputs(p, threshold, ids), req.outputs(), null);
    }

    /**
     * Scores entities with their rows from the online store. An entity no FeatureView knows gets no
     * score (missing); the store failing is a 503 for the request, never a crash.
     */
    private Answer inferByEntity(ModelSlot.Loaded m, EntityRequest req, Recording rec) {
        OnlineStoreReader.Lookup lookup;
        try {
            lookup = online.lookup(m.model(), req.entities());
        } catch (OnlineStoreException e) {
            throw new BadRequest(
                    503, "online features unavailable (" + e.reason() + "): " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BadRequest(
                    503,
                    "online features unavailable from "
                            + online.describe()
                            + ": "
                            + e.getMessage());
        }
        int n = req.entities().size();
        float[] p = m.model().predict(lookup.rows());
        if (p.length != n) {
            throw new IllegalStateException(
                    "the model returned " + p.length + " values for " + n + " rows");
        }
        boolean[] missing = new boolean[n];
        int known = 0;
        for (int i = 0; i < n; i++) {
            missing[i] = lookup.unknown(i);
            if (!missing[i]) {
                known++;
            }
        }
        if (m.drift() != null) {
            m.drift().observe(lookup.rows(), missing);
        }
        float[] scored = new float[known];
        for (int i = 0, k = 0; i < n; i++) {
            if (!missing[i]) {
                scored[k++] = p[i];
            }
        }
        double threshold = m.model().threshold();
        String[] knownIds = record(scored, threshold, rec);
        metrics.scores(scored, threshold);
        String[] ids = new String[n];
        for (int i = 0, k = 0; i < n; i++) {
            ids[i] = missing[i] ? "" : knownIds[k++];
        }
        onlineMetrics.served(lookup.versions());
        if (requestLog != null) {
            requestLog.offer(m.model().featureNames(), lookup.rows(), p, ids, true);
        }
        Map<String, String> asOf = new TreeMap<>();
        lookup.versions().forEach((view, v) -> asOf.put(view, v.asOf()));
        return new Answer(
                req.id(),
                req.outputs(p, missing, threshold, ids),
                req.outputs(),
                EntityRequest.parameters(n - known, asOf));
    }
}
