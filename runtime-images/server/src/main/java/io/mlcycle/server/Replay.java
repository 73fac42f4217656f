package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.ReplaySummary;
import io.mlcycle.task.ReplayTask;
import io.mlcycle.task.Summary;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Runs a {@link ReplayTask}: the labelled rows of a request log ({@link RequestLogReader}) scored
 * by the served version and the new one, loaded as the server loads them ({@link ModelSlot}:
 * digest, features, threshold, warm-up); each model sees a row's features by name (a feature the
 * log lacks reads as zero), classifies at its own threshold, and the pair of outcomes is counted.
 * The counts go into the summary for the operator's paired judge; the per-row results are published
 * under {@code outputUri/asOf=<day>/} with {@code _SUCCESS}, so a failed run leaves the last good
 * one as it was.
 */
final class Replay {

    private static final JsonFactory JSON = new JsonFactory();

    private Replay() {}

    /** The counts of a replay: paired outcomes and the read's totals. */
    record Counts(long bothRight, long championOnly, long challengerOnly, long bothWrong) {
        long samples() {
            return bothRight + championOnly + challengerOnly + bothWrong;
        }
    }

    static Summary run(ReplayTask task) {
        long t0 = System.nanoTime();
        check(task);
        ServingModel champion = load(task, task.champion(), "champion");
        ServingModel challenger = load(task, task.challenger(), "challenger");
        RequestLogReader.Read read = RequestLogReader.read(task.requestLogUri());
        List<RequestLogReader.Labelled> rows = read.labelled();
        float[] pChampion = champion.predict(matrix(rows, champion.featureNames()));
        float[] pChallenger = challenger.predict(matrix(rows, challenger.featureNames()));
        long[] n = new long[4];
        for (int i = 0; i < rows.size(); i++) {
            int actual = rows.get(i).actual();
            boolean a = (pChampion[i] >= champion.threshold() ? 1 : 0) == actual;
            boolean b = (pChallenger[i] >= challenger.threshold() ? 1 : 0) == actual;
            n[a ? (b ? 0 : 1) : (b ? 2 : 3)]++;
        }
        Counts counts = new Counts(n[0], n[1], n[2], n[3]);
        String uri = publish(task, rows, pChampion, pChallenger);
        return Summary.succeeded(uri, figures(counts, read, t0), null);
    }

    private static void check(ReplayTask task) {
        if (task.champion() == null || task.challenger() == null) {
            throw TaskFailure.invalid(
                    "MissingField",
                    (task.champion() == null ? "champion" : "challenger") + " is missing");
        }
        if (task.requestLogUri() == null || task.requestLogUri().isBlank()) {
            throw TaskFailure.invalid("MissingField", "requestLogUri is missing");
        }
        if (task.outputUri() == null || task.outputUri().isBlank()) {
            throw TaskFailure.invalid("MissingField", "outputUri is missing");
        }
        if (task.asOf() == null || !task.asOf().matches("\\d{4}-\\d{2}-\\d{2}")) {
            throw TaskFailure.invalid(
                    "InvalidTask", "asOf '" + task.asOf() + "' is not a date yyyy-MM-dd");
        }
    }

    /**
     * Loads one side as {@code serve} would ({@link ModelSlot}: digest, features, threshold,
     * warm-up); a model a server would never serve is refused, naming the side and the cause.
     */
    private static ServingModel load(ReplayTask task, ReplayTask.Side side, String which) {
        Path dir = Uris.toPath(side.artifactUri(), which + ".artifactUri");
        ModelSlot slot = new ModelSlot();
        if (!slot.load(
                () ->
                        ArtifactModel.load(
                                dir,
                                side.artifactDigest(),
                                task.model() + " v" + side.version()))) {
            throw TaskFailure.invalid(
                    "ModelNotServable",
                    which + " (version " + side.version() + ") cannot be served: " + slot.error());
        }
        return slot.loaded().model();
    }

    /** The rows in a model's feature space, by feature name. */
    static SparseMatrix matrix(List<RequestLogReader.Labelled> rows, List<String> names) {
        Map<String, Integer> index = new HashMap<>();
        for (int j = 0; j < names.size(); j++) {
            index.put(names.get(j), j);
        }
        String[] ids = new String[rows.size()];
        int[] rowPtr = new int[rows.size() + 1];
        List<int[]> cols = new ArrayList<>();
        List<float[]> vals = new ArrayList<>();
        int nnz = 0;
        for (int r = 0; r < rows.size(); r++) {
            ids[r] = rows.get(r).id();
            Map<String, Float> f = rows.get(r).features();
            int[] c =
                    f.keySet().stream()
                            .filter(index::containsKey)
                            .mapToInt(index::get)
                            .sorted()
                            .toArray();
            float[] v = new float[c.length];
            for (int k = 0; k < c.length; k++) {
                v[k] = f.get(names.get(c[k]));
            }
            cols.add(c);
            vals.add(v);
            nnz += c.length;
            rowPtr[r + 1] = nnz;
        }
        int[] allCols = new int[nnz];
        float[] allVals = new float[nnz];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(cols.get(r), 0, allCols, rowPtr[r], cols.get(r).length);
            System.arraycopy(vals.get(r), 0, allVals, rowPtr[r], vals.get(r).length);
        }
        return new SparseMatrix(ids, rowPtr, allCols, allVals, names.size());
    }

    /** Writes the per-row results and publishes them; returns the published version's URI. */
    private static String publish(
            ReplayTask task,
            List<RequestLogReader.Labelled> rows,
            float[] pChampion,
            float[] pChallenger) {
        VersionedStore store = VersionedStore.open(task.outputUri(), "outputUri");
        Path staging = null;
        boolean published = false;
        try {
            staging = store.stage(task.asOf());
            try (OutputStream out =
                            new GZIPOutputStream(
                                    new BufferedOutputStream(
                                            Files.newOutputStream(
                                                    staging.resolve(ReplaySummary.ROWS_FILE))));
                    JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                g.setRootValueSeparator(null);
                for (int i = 0; i < rows.size(); i++) {
                    g.writeStartObject();
                    g.writeStringField("id", rows.get(i).id());
                    g.writeNumberField("actual", rows.get(i).actual());
                    g.writeNumberField("champion", pChampion[i]);
                    g.writeNumberField("challenger", pChallenger[i]);
                    g.writeEndObject();
                    g.writeRaw('\n');
                }
            }
            store.publish(staging, task.asOf());
            published = true;
            return store.versionUri(task.asOf());
        } catch (IOException | RuntimeException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "WriteFailed",
                    "cannot write the replay to outputUri '" + task.outputUri() + "': " + e);
        } finally {
            if (!published && staging != null) {
                VersionedStore.discard(staging);
            }
        }
    }

    private static Map<String, Double> figures(Counts c, RequestLogReader.Read read, long t0) {
        Map<String, Double> f = new LinkedHashMap<>();
        long n = c.samples();
        f.put(ReplaySummary.SAMPLES, (double) n);
        f.put(ReplaySummary.BOTH_RIGHT, (double) c.bothRight());
        f.put(ReplaySummary.CHAMPION_ONLY, (double) c.championOnly());
        f.put(ReplaySummary.CHALLENGER_ONLY, (double) c.challengerOnly());
        f.put(ReplaySummary.BOTH_WRONG, (double) c.bothWrong());
        if (n > 0) {
            f.put(
                    ReplaySummary.CHAMPION_ACCURACY,
                    round((double) (c.bothRight() + c.championOnly()) / n));
            f.put(
                    ReplaySummary.CHALLENGER_ACCURACY,
                    round((double) (c.bothRight() + c.challengerOnly()) / n));
        }
        f.put(ReplaySummary.LOGGED, (double) read.logged());
        f.put(ReplaySummary.FILES, (double) read.files());
        f.put(ReplaySummary.SECONDS, round((System.nanoTime() - t0) / 1e9));
        return f;
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }
}
