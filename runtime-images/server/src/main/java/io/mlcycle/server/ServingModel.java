package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.model.FeatureStatistics;

import java.util.List;
import java.util.Optional;

/** What the server needs from a loaded model: its feature space, threshold and predictions. */
public interface ServingModel {

    /** Feature names in the model's input order (index = column of the input matrix). */
    List<String> featureNames();

    /** Probability at or above which the predicted class is 1. */
    double threshold();

    /** The probability of class 1 for each row; must be safe to call from many threads. */
    float[] predict(SparseMatrix rows);

    /** The training table's per-feature statistics, when the model carries them. */
    default Optional<FeatureStatistics> statistics() {
        return Optional.empty();
    }
}
