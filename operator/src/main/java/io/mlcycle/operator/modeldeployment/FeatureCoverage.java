package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.modeldeployment.FeatureCoverageStatus;
import io.mlcycle.operator.api.modelversion.FeatureSchema;
import io.mlcycle.operator.api.modelversion.ModelVersion;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides (pure) whether a version's feature schema fits the tables a deployment would score it on:
 * the share of its SHAP mass whose features the current tables hold, which version to serve when
 * the resolved one does not fit, and the rollback target among earlier versions that fit.
 */
public final class FeatureCoverage {

    /** The missing features status and messages name (largest shares first). */
    public static final int MISSING_SHOWN = 5;

    private FeatureCoverage() {}

    /**
     * The current table of one FeatureView as a deployment would score on it.
     *
     * @param asOf the table's as-of (null: the view has no table, or does not exist)
     * @param columns its feature column names; null when the pivot did not publish them
     */
    public record Table(String view, String asOf, Set<String> columns) {

        /** A view that does not exist or has no table yet: it holds no column. */
        public static Table none(String view) {
            return new Table(view, null, Set.of());
        }

        String describe() {
            return asOf == null ? view + " (no table)" : view + "@" + asOf;
        }
    }

    /**
     * One version checked against the tables.
     *
     * @param coverage the share of its recorded SHAP mass present; null when unknown
     * @param missing the features absent from every table, largest share first
     * @param unknown why the coverage is unknown (null when it was computed)
     */
    public record Result(
            int version,
            Double coverage,
            List<FeatureSchema.Feature> missing,
            List<String> tables,
            String unknown) {

        /** At or above {@code min}, or unknown (nothing to judge it by). */
        public boolean fits(double min) {
            return coverage == null || coverage + 1e-9 >= min;
        }

        /** The verdict in words, naming the largest missing features. */
        public String message(double min) {
            if (coverage == null) {
                return "v" + version + ": feature coverage unknown: " + unknown;
            }
            String head =
                    "v"
                            + version
                            + ": "
                            + percent(coverage)
                            + " of its SHAP mass present in "
                            + String.join(", ", tables);
            if (missing.isEmpty()) {
                return head;
            }
            return head
                    + (fits(min) ? " (at least " : " (below ")
                    + percent(min)
                    + "); missing "
                    + missingNames();
        }

        /** {@code a (31.0%), b (4.2%) and 3 more}. */
        public String missingNames() {
            List<String> shown = new ArrayList<>();
            for (FeatureSchema.Feature f :
                    missing.subList(0, Math.min(MISSING_SHOWN, missing.size()))) {
                shown.add(f.name + " (" + percent(f.share) + ")");
            }
            int more = missing.size() - shown.size();
            return String.join(", ", shown) + (more > 0 ? " and " + more + " more" : "");
        }

        /** As ModelDeployment status records it. */
        public FeatureCoverageStatus toStatus(double min) {
            FeatureCoverageStatus s = new FeatureCoverageStatus();
            s.version = version;
            s.coverage = coverage == null ? null : Math.round(coverage * 10000) / 10000.0;
            s.threshold = min;
            s.fits = fits(min);
            s.missingCount = missing.size();
            for (FeatureSchema.Feature f :
                    missing.subList(0, Math.min(MISSING_SHOWN, missing.size()))) {
                s.missing.add(
                        new FeatureCoverageStatus.MissingFeature(
                                f.name, Math.round(f.share * 10000) / 10000.0));
            }
            s.tables = new ArrayList<>(tables);
            s.message = message(min);
            return s;
        }
    }

    /**
     * Checks {@code mv}'s recorded schema against the current tables of its views ({@code table}
     * gives a view's by name): feature {@code <view>/<column>} is present when that view's table
     * has the column. Unknown when the version records no schema or a view's columns were not
     * published.
     */
    public static Result check(ModelVersion mv, Function<String, Table> table) {
        int version = VersionResolver.number(mv);
        FeatureSchema schema = mv.getSpec().featureSchema;
        if (schema == null || schema.features == null || schema.features.isEmpty()) {
            return new Result(version, null, List.of(), List.of(), "it records no feature schema");
        }
        Set<String> present = new HashSet<>();
        List<String> tables = new ArrayList<>();
        for (FeatureSchema.View v : schema.views) {
            Table t = table.apply(v.name);
            Table current = t == null ? Table.none(v.name) : t;
            tables.add(current.describe());
            if (current.columns() == null) {
                return new Result(
                        version,
                        null,
                        List.of(),
                        tables,
                        "FeatureView "
                                + v.name
                                + "'s table "
                                + current.asOf()
                                + " did not publish its columns");
            }
            // the trainer names a feature <view>/<column> (model's FeatureAssembler)
            current.columns().forEach(c -> present.add(v.name + "/" + c));
        }
        double total = 0;
        double held = 0;
        List<FeatureSchema.Feature> missing = new ArrayList<>();
        for (FeatureSchema.Feature f : schema.features) {
            double share = f.share == null ? 0 : f.share;
            total += share;
            if (present.contains(f.name)) {
                held += share;
            } else {
                missing.add(f);
            }
        }
        if (total <= 0) {
            return new Result(version, null, List.of(), tables, "its features carry no SHAP mass");
        }
        double sum = total;
        List<FeatureSchema.Feature> normalised =
                missing.stream()
                        .map(f -> new FeatureSchema.Feature(f.name, share(f) / sum))
                        .sorted(Comparator.comparingDouble((FeatureSchema.Feature f) -> -f.share))
                        .toList();
        return new Result(version, held / total, normalised, tables, null);
    }

    /**
     * The rollback target: the highest good version below {@code below} that fits; each good
     * version above it that does not is in {@code skipped}, highest first.
     */
    public record Choice(Optional<ModelVersion> target, List<Result> skipped) {}

    /** Chooses the rollback target among the good versions below {@code below} that fit. */
    public static Choice rollbackTarget(
            Collection<ModelVersion> versions,
            int below,
            Function<ModelVersion, Result> check,
            double min) {
        List<ModelVersion> candidates =
                versions.stream()
                        .filter(VersionResolver::good)
                        .filter(mv -> VersionResolver.number(mv) < below)
                        .sorted(Comparator.comparingInt(VersionResolver::number).reversed())
                        .toList();
        List<Result> skipped = new ArrayList<>();
        for (ModelVersion mv : candidates) {
            Result r = check.apply(mv);
            if (r.fits(min)) {
                return new Choice(Optional.of(mv), skipped);
            }
            skipped.add(r);
        }
        return new Choice(Optional.empty(), skipped);
    }

    /**
     * What to serve given the resolved version.
     *
     * @param serve the version to serve (null: none)
     * @param checked the resolved version's check
     * @param refused whether the resolved version was refused for its features
     * @param skipped rollback candidates that did not fit (after a rollback)
     */
    public record Verdict(
            ModelVersion serve, Result checked, boolean refused, List<Result> skipped) {}

    /**
     * The resolved version when it fits or already serves; when the served version was rolled back,
     * the highest good version below it that fits; otherwise the served version stays (or none,
     * when nothing serves yet).
     */
    public static Verdict decide(
            ModelVersion resolved,
            Optional<ModelVersion> served,
            boolean rolledBack,
            Collection<ModelVersion> versions,
            Function<ModelVersion, Result> check,
            double min) {
        Result checked = check.apply(resolved);
        boolean alreadyServed =
                served.isPresent()
                        && VersionResolver.number(served.get()) == VersionResolver.number(resolved);
        if (alreadyServed || checked.fits(min)) {
            return new Verdict(resolved, checked, false, List.of());
        }
        // rolled back by analysis just now, or marked rolled back (by a person, or earlier)
        if (served.isPresent() && (rolledBack || VersionResolver.rolledBack(served.get()))) {
            Choice choice =
                    rollbackTarget(versions, VersionResolver.number(served.get()), check, min);
            if (choice.target().isPresent()) {
                return new Verdict(choice.target().get(), checked, true, choice.skipped());
            }
        }
        return new Verdict(served.orElse(null), checked, true, List.of());
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    private static double share(FeatureSchema.Feature f) {
        return f.share == null ? 0 : f.share;
    }
}
