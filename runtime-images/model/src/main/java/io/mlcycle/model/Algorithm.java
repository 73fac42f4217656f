package io.mlcycle.model;

import io.mlcycle.common.TaskFailure;

import java.util.Locale;

/** The network families the trainer fits. */
public enum Algorithm {
    /**
     * Residual MLP blocks (Gorishniy et al. 2021, "Revisiting Deep Learning Models for Tabular
     * Data").
     */
    RESNET,
    /** Plain hidden layers: Linear → BatchNorm → ReLU → Dropout. */
    MLP,
    /** One linear layer and a sigmoid. */
    LOGISTIC;

    public static Algorithm parse(String s) {
        if (s == null || s.isBlank()) {
            return RESNET;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "UnknownAlgorithm",
                    "algorithm '" + s + "' is not one of resnet, mlp, logistic");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
