package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The rules a version must pass before it is published; all violations are reported at once. */
final class Validation {

    private Validation() {}

    static void check(
            PivotTask.Validation rules,
            long entities,
            List<FeatureCatalog.Feature> features,
            double sparsity) {
        if (rules == null) {
            return;
        }
        List<String> violations = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        if (rules.minEntities() != null && entities < rules.minEntities()) {
            violations.add(
                    "validation.minEntities: " + entities + " entities < " + rules.minEntities());
        }
        if (rules.minFeatures() != null && features.size() < rules.minFeatures()) {
            violations.add(
                    "validation.minFeatures: "
                            + features.size()
                            + " features < "
                            + rules.minFeatures());
        }
        if (rules.maxSparsity() != null && sparsity > rules.maxSparsity()) {
            violations.add(
                    String.format(
                            Locale.ROOT,
                            "validation.maxSparsity: sparsity %.6f > %s",
                            sparsity,
                            rules.maxSparsity()));
        }
        if (rules.requiredFeatures() != null && !rules.requiredFeatures().isEmpty()) {
            Set<String> names = new HashSet<>();
            features.forEach(f -> names.add(f.name()));
            for (String r : rules.requiredFeatures()) {
                if (!names.contains(r)) {
                    missing.add(r);
                }
            }
            if (!missing.isEmpty()) {
                violations.add(
                        "validation.requiredFeatures: missing "
                                + String.join(
                                        ", ", missing.subList(0, Math.min(20, missing.size())))
                                + (missing.size() > 20
                                        ? " … (" + missing.size() + " in all)"
                                        : ""));
            }
        }
        if (!violations.isEmpty()) {
            throw new TaskFailure(
                    Summary.Outcome.ValidationFailed,
                    "ValidationFailed",
                    String.join("; ", violations),
                    missing.isEmpty() ? null : missing);
        }
    }
}
