package io.mlcycle.model;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionSink;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Layout;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What every batch scoring engine (the server image's single pod, scorer-spark) shares: the task's
 * checks, the verified model, {@code scores.parquet} (entity, score, rank; rank 1 = highest score,
 * ties in feature-table order) published as a dated version with {@code _SUCCESS}, and the summary.
 * A failed run leaves the previous output as it was.
 */
public final class BatchScores {

    public static final String FILE = "scores.parquet";
    private static final Pattern AS_OF_DIR = Pattern.compile(Layout.AS_OF_PREFIX + "([^/]+)/?$");

    private BatchScores() {}

    /** Where one run publishes: the {@code asOf} directory under {@code parentUri}. */
    public record Target(String parentUri, String asOf) {}

    /** One scored entity; {@code ord} orders ties (its position in the joined feature tables). */
    public record Scored(String entity, float score, long ord) {}

    /** The run's times, for the summary. */
    public record Timings(long startNanos, long readNanos, long scoredNanos) {}

    /**
     * The single-pod engine (the server image's {@code BatchScore}): joins the FeatureView versions
     * in memory, scores every row and publishes.
     */
    public static Summary runInOnePod(ScoreTask task) {
        return runInOnePod(task, task.features(), FeatureAssembler::readDirectory);
    }

    /**
     * {@link #runInOnePod(ScoreTask)} reading {@code inputs} (the task's, Iceberg ones pinned to
     * their snapshot) with {@code reader}.
     */
    public static Summary runInOnePod(
            ScoreTask task, List<FeatureInput> inputs, FeatureAssembler.VersionReader reader) {
        return runInOnePod(task, inputs, reader, directory(target(task)));
    }

    /**
     * {@link #runInOnePod(ScoreTask, List, FeatureAssembler.VersionReader)} publishing to {@code
     * sink}.
     */
    public static Summary runInOnePod(
            ScoreTask task,
            List<FeatureInput> inputs,
            FeatureAssembler.VersionReader reader,
            VersionSink sink) {
        long t0 = System.nanoTime();
        Target target = target(task);
        ModelArtifact artifact = model(task);
        FeatureAssembler.Assembled assembled;
        try {
            assembled = FeatureAssembler.assemble(inputs, reader);
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "ReadFailed",
                    "cannot read features: " + e.getMessage());
        }
        long matched = matched(artifact, assembled.names(), task.features());
        SparseMatrix rows = FeatureAssembler.project(assembled, artifact.featureNames());
        if (rows.rows() == 0) {
            throw TaskFailure.invalid("NoEntities", "the feature tables hold no entities");
        }
        long tRead = System.nanoTime();
        float[] scores = artifact.predict(rows);
        long tScore = System.nanoTime();
        String[] entities = rows.entities();
        Iterator<Scored> inOrder =
                new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < entities.length;
                    }

                    @Override
                    public Scored next() {
                        if (i >= entities.length) {
                            throw new NoSuchElementException();
                        }
                        Scored s = new Scored(entities[i], scores[i], i);
                        i++;
                        return s;
                    }
                };
        return publish(
                task, target, artifact, matched, inOrder, new Timings(t0, tRead, tScore), sink);
    }

    /** The target's dated directories, each counting once its {@code _SUCCESS} exists. */
    public static VersionSink directory(Target target) {
        return VersionSink.of(VersionedStore.open(target.parentUri(), "outputUri"));
    }

    /** Checks the task's features and output URI (an {@code asOf=<date>/} matching its asOf). */
    public static Target target(ScoreTask task) {
        if (task.features() == null || task.features().isEmpty()) {
            throw TaskFailure.invalid("NoFeatures", "features is empty: nothing to score");
        }
        if (task.outputUri() == null || task.outputUri().isBlank()) {
            throw TaskFailure.invalid("MissingUri", "outputUri is empty");
        }
        String outUri = task.outputUri().replaceAll("/+$", "");
        String parentUri = outUri.substring(0, Math.max(0, outUri.lastIndexOf('/')));
        String dirName = outUri.substring(outUri.lastIndexOf('/') + 1);
        var m = AS_OF_DIR.matcher(dirName);
        if (!m.matches()) {
            throw TaskFailure.invalid(
                    "InvalidOutputUri",
                    "outputUri '" + task.outputUri() + "' must end in an asOf=<date>/ directory");
        }
        String asOf = m.group(1);
        if (task.asOf() != null && !task.asOf().isBlank() && !task.asOf().equals(asOf)) {
            throw TaskFailure.invalid(
                    "InvalidOutputUri",
                    "outputUri '"
                            + task.outputUri()
                            + "' is for asOf "
                            + asOf
                            + " but the task's asOf is "
                            + task.asOf());
        }
        return new Target(parentUri, asOf);
    }

    /** The task's model, its digest verified and its name checked. */
    public static ModelArtifact model(ScoreTask task) {
        Path artifactDir = Uris.toPath(task.artifactUri(), "artifactUri");
        ArtifactDigest.verify(
                artifactDir, task.artifactDigest(), task.model() + " v" + task.version());
        ModelArtifact artifact = ModelArtifact.load(artifactDir);
        if (task.model() != null
                && artifact.spec().model() != null
                && !task.model().equals(artifact.spec().model())) {
            throw TaskFailure.invalid(
                    "ModelMismatch",
                    "artifactUri holds model '"
                            + artifact.spec().model()
                            + "', the task asks for '"
                            + task.model()
                            + "'");
        }
        return artifact;
    }

    /**
     * How many of the model's features the tables have; none is refused (every row would score as
     * all-zero: a wrong FeatureView, not a result).
     */
    public static long matched(
            ModelArtifact artifact, Collection<String> available, List<FeatureInput> inputs) {
        Set<String> have = new HashSet<>(available);
        long matched = artifact.featureNames().stream().filter(have::contains).count();
        if (matched == 0) {
            throw TaskFailure.invalid(
                    "NoMatchingFeatures",
                    "none of the model's "
                            + artifact.featureNames().size()
                            + " features (e.g. '"
                            + artifact.featureNames().get(0)
                            + "') is in the given FeatureViews "
                            + inputs.stream().map(FeatureInput::featureView).toList());
        }
        return matched;
    }

    /**
     * Writes {@code scored} as {@code scores.parquet}, publishes it to {@code sink} (the target's
     * dated directories, {@link #directory}, or a table) and returns the run's summary (rows,
     * positives, threshold, feature counts, seconds; a table commit named in the {@link
     * ScoreSummary#COMMITTED} detail); a failure discards the staged copy and leaves the previous
     * version as it was.
     */
    public static Summary publish(
            ScoreTask task,
            Target target,
            ModelArtifact artifact,
            long matched,
            Iterator<Scored> scored,
            Timings timings,
            VersionSink sink) {
        Path staging = null;
        long[] counts;
        VersionSink.Published published = null;
        try {
            staging = sink.stage(target.asOf());
            counts = write(staging.resolve(FILE), scored, artifact.threshold());
            published = sink.publish(staging, target.asOf());
        } catch (IOException | RuntimeException e) {
            if (e instanceof TaskFailure f) {
                throw f;
            }
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "WriteFailed",
                    "cannot write scores to " + task.outputUri() + ": " + e.getMessage());
        } finally {
            // also when the scores' source failed (Spark throws checked exceptions unchecked)
            if (published == null && staging != null) {
                sink.discard(staging);
            }
        }
        long t0 = timings.startNanos();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put(ScoreSummary.ROWS, (double) counts[0]);
        figures.put(ScoreSummary.POSITIVES, (double) counts[1]);
        figures.put(ScoreSummary.THRESHOLD, artifact.threshold());
        figures.put(ScoreSummary.MODEL_FEATURES, (double) artifact.featureNames().size());
        figures.put(ScoreSummary.MATCHED_FEATURES, (double) matched);
        figures.put(ScoreSummary.SECONDS, Math.round(seconds * 1000) / 1000.0);
        figures.put(
                ScoreSummary.READ_SECONDS, Math.round((timings.readNanos() - t0) / 1e6) / 1000.0);
        figures.put(
                ScoreSummary.SCORE_SECONDS,
                Math.round((timings.scoredNanos() - timings.readNanos()) / 1e6) / 1000.0);
        Map<String, Object> details = null;
        if (published.snapshotId() != null) {
            details = new LinkedHashMap<>();
            details.put(
                    ScoreSummary.COMMITTED,
                    new ScoreSummary.Committed(
                                    published.table(), published.snapshotId(), target.asOf())
                            .detail());
        }
        return Summary.succeeded(published.uri(), figures, details);
    }

    /** Rows and positives written; no row at all is refused (NoEntities). */
    private static long[] write(Path file, Iterator<Scored> scored, double threshold)
            throws IOException {
        long rows = 0;
        long positives = 0;
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE s(entity VARCHAR, score FLOAT, ord BIGINT)");
            try (var app = ((DuckDBConnection) c).createAppender("main", "s")) {
                while (scored.hasNext()) {
                    Scored s = scored.next();
                    app.beginRow();
                    app.append(s.entity());
                    app.append(s.score());
                    app.append(s.ord());
                    app.endRow();
                    rows++;
                    if (s.score() >= threshold) {
                        positives++;
                    }
                }
            }
            if (rows == 0) {
                throw TaskFailure.invalid("NoEntities", "the feature tables hold no entities");
            }
            // ties share no rank: the earlier row of the feature table ranks first
            st.execute(
                    "COPY (SELECT entity, score,"
                            + " row_number() OVER (ORDER BY score DESC, ord) AS rank"
                            + " FROM s ORDER BY rank) TO "
                            + SparseTables.literal(file.toString())
                            + " (FORMAT parquet)");
        } catch (SQLException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new long[] {rows, positives};
    }
}
