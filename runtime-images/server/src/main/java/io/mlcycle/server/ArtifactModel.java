package io.mlcycle.server;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelArtifact;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A trainer artifact ({@code model.json} + parameters) as the server's model. */
final class ArtifactModel implements ServingModel {

    private final ModelArtifact artifact;
    private final List<String> names;
    private final Optional<FeatureStatistics> statistics;

    ArtifactModel(ModelArtifact artifact) {
        this(artifact, Optional.empty());
    }

    ArtifactModel(ModelArtifact artifact, Optional<FeatureStatistics> statistics) {
        this.artifact = artifact;
        this.names = List.copyOf(artifact.featureNames());
        this.statistics = statistics;
    }

    static ArtifactModel load(Path dir) {
        return load(dir, null, null);
    }

    /**
     * Loads the artifact only if it is the one the registry recorded ({@code digest}; null: not
     * checked): a directory rewritten after registration is refused, never served as this version.
     */
    static ArtifactModel load(Path dir, String digest, String version) {
        ArtifactDigest.verify(dir, digest, version);
        return new ArtifactModel(ModelArtifact.load(dir), FeatureStatistics.read(dir));
    }

    ModelArtifact artifact() {
        return artifact;
    }

    @Override
    public List<String> featureNames() {
        return names;
    }

    @Override
    public double threshold() {
        return artifact.threshold();
    }

    @Override
    public float[] predict(SparseMatrix rows) {
        return artifact.predict(rows);
    }

    @Override
    public Optional<FeatureStatistics> statistics() {
        return statistics;
    }
}
