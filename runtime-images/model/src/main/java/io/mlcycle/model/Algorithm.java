package io.mlcycle.model;

import io.mlcycle.common.TaskFailure;

import java.util.Locale;

/** The model families the trainer fits and the server scores. */
public enum Algorithm {
    /**
     * Residual MLP blocks (Gorishniy et al. 2021, "Revisiting Deep Learning Models for Tabular
     * Data").
     */
    RESNET,
    /** Plain hidden layers: Linear → BatchNorm → ReLU → Dropout. */
    MLP,
    /** One linear layer and a sigmoid, fitted to its L2-regularized optimum. */
    LOGISTIC,
    /** Gradient-boosted trees by XGBoost4J, scored in Java from XGBoost's JSON model. */
    XGBOOST,
    /** A weighted average of other models' probabilities (see {@link Ensemble}). */
    ENSEMBLE;

    public static Algorithm parse(String s) {
        if (s == null || s.isBlank()) {
            return RESNET;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "UnknownAlgorithm",
                    "algorithm '" + s + "' is not one of resnet, mlp, logistic, xgboost, ensemble");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
