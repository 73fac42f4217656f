package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes posted feedback: joins each label to its prediction (this server's window, or a prediction
 * of a request a champion mirrored here), counts it, forwards labels of mirrored predictions to the
 * shadow challenger with the champion's class, counts a challenger's paired outcomes and logs it.
 */
final class FeedbackIntake {

    private final FeedbackWindow window;
    private final Scorer scorer;
    private final ServerMetrics metrics;
    private final ShadowMirror mirror;
    private final RequestLog requestLog;

    FeedbackIntake(
            FeedbackWindow window,
            Scorer scorer,
            ServerMetrics metrics,
            ShadowMirror mirror,
            RequestLog requestLog) {
        this.window = window;
        this.scorer = scorer;
        this.metrics = metrics;
        this.mirror = mirror;
        this.requestLog = requestLog;
    }

    /** Takes the entries; the response body: accepted, unknown (or expired) and duplicate ids. */
    byte[] take(List<FeedbackEntry> entries) throws IOException {
        int accepted = 0;
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        try (JsonGenerator g = InferenceCodec.JSON.createGenerator(buf)) {
            IdList unknown = new IdList();
            IdList duplicate = new IdList();
            List<FeedbackEntry> forward = new ArrayList<>();
            MirroredPredictions here = scorer.mirroredHere();
            for (FeedbackEntry f : entries) {
                FeedbackWindow.Match match = window.take(f.predictionId());
                // a challenger's own prediction for a request its champion mirrored
                boolean ofMirror = false;
                if (match.status() == FeedbackWindow.Status.UNKNOWN && here != null) {
                    match = here.take(f.predictionId());
                    ofMirror = true;
                }
                switch (match.status()) {
                    case ACCEPTED -> {
                        metrics.feedback(match.predicted(), f.actual());
                        if (requestLog != null) {
                            requestLog.feedback(f.predictionId(), f.actual());
                        }
                        if (match.mirrored()) {
                            metrics.mirroredFeedback(match.predicted(), f.actual());
                            forward.add(
                                    new FeedbackEntry(
                                            f.predictionId(), f.actual(), match.predicted()));
                        }
                        if (ofMirror && f.championPredicted() >= 0) {
                            metrics.shadowPair(
                                    f.championPredicted() == f.actual(),
                                    match.predicted() == f.actual());
                        }
                        accepted++;
                    }
                    case UNKNOWN -> unknown.add(f.predictionId());
                    case DUPLICATE -> duplicate.add(f.predictionId());
                }
            }
            if (mirror != null && !forward.isEmpty()) {
                mirror.feedback(forward);
            }
            g.writeStartObject();
            g.writeNumberField("accepted", accepted);
            unknown.write(g, "unknown");
            duplicate.write(g, "duplicate");
            g.writeEndObject();
        }
        return buf.toByteArray();
    }

    /** Ids named in a feedback response (unknown/expired, or already counted). */
    private static final class IdList extends ArrayList<String> {
        void write(JsonGenerator g, String field) throws IOException {
            g.writeArrayFieldStart(field);
            for (String s : this) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
    }
}
