package io.mlcycle.server;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.model.ModelArtifact;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs a {@link ScoreTask}: joins the FeatureView versions into the model's feature space, scores
 * every entity and publishes {@code scores.parquet} (entity, score, rank; rank 1 = highest score)
 * as a dated version with {@code _SUCCESS}. A failed run leaves the previous output as it was.
 */
final class BatchScore {

    static final String FILE = "scores.parquet";
    private static final Pattern AS_OF_DIR = Pattern.compile(Layout.AS_OF_PREFIX + "([^/]+)/?$");

    private BatchScore() {}

    static Summary run(ScoreTask task) {
        long t0 = System.nanoTime();
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
        FeatureAssembler.Assembled assembled;
        try {
            assembled = FeatureAssembler.assemble(task.features());
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "ReadFailed",
                    "cannot read features: " + e.getMessage());
        }
        Set<String> available = new HashSet<>(assembled.names());
        long matched = artifact.featureNames().stream().filter(available::contains).count();
        if (matched == 0) {
            // every row would score as all-zero: a wrong FeatureView, not a result
            throw TaskFailure.invalid(
                    "NoMatchingFeatures",
                    "none of the model's "
                            + artifact.featureNames().size()
                            + " features (e.g. '"
                            + artifact.featureNames().get(0)
                            + "') is in the given FeatureViews "
                            + task.features().stream().map(FeatureInput::featureView).toList());
        }
        SparseMatrix rows = FeatureAssembler.project(assembled, artifact.featureNames());
        if (rows.rows() == 0) {
            throw TaskFailure.invalid("NoEntities", "the feature tables hold no entities");
        }
        long tRead = System.nanoTime();
        float[] scores = artifact.predict(rows);
        long tScore = System.nanoTime();
        VersionedStore store = VersionedStore.open(parentUri, "outputUri");
        Path staging = null;
        try {
            staging = store.stage(asOf);
            write(staging.resolve(FILE), rows.entities(), scores);
            store.publish(staging, asOf);
        } catch (IOException | RuntimeException e) {
            if (staging != null) {
                VersionedStore.discard(staging);
            }
            if (e instanceof TaskFailure f) {
                throw f;
            }
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "WriteFailed",
                    "cannot write scores to " + task.outputUri() + ": " + e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long positives = 0;
        for (float s : scores) {
            if (s >= artifact.threshold()) {
                positives++;
            }
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put(ScoreSummary.ROWS, (double) rows.rows());
        figures.put(ScoreSummary.POSITIVES, (double) positives);
        figures.put(ScoreSummary.THRESHOLD, artifact.threshold());
        figures.put(ScoreSummary.MODEL_FEATURES, (double) artifact.featureNames().size());
        figures.put(ScoreSummary.MATCHED_FEATURES, (double) matched);
        figures.put(ScoreSummary.SECONDS, Math.round(seconds * 1000) / 1000.0);
        figures.put(ScoreSummary.READ_SECONDS, Math.round((tRead - t0) / 1e6) / 1000.0);
        figures.put(ScoreSummary.SCORE_SECONDS, Math.round((tScore - tRead) / 1e6) / 1000.0);
        return Summary.succeeded(store.versionUri(asOf), figures, null);
    }

    private static void write(Path file, String[] entities, float[] scores) throws IOException {
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE s(entity VARCHAR, score FLOAT, ord INTEGER)");
            try (var app = ((DuckDBConnection) c).createAppender("main", "s")) {
                for (int i = 0; i < entities.length; i++) {
                    app.beginRow();
                    app.append(entities[i]);
                    app.append(scores[i]);
                    app.append(i);
                    app.endRow();
                }
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
    }
}
