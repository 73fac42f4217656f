package io.mlcycle.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * How a raw feature value becomes the first layer's input; the trainer and every scorer go through
 * {@link #input}, so training and serving apply the same transform.
 *
 * <ul>
 *   <li>{@code minmax}: {@code v / (max(0, max) − min(0, min))} from the stored statistics.
 *   <li>{@code log}: {@code sign(v)·log1p(|v|)}, then min-max over the transformed statistics.
 *       Counts and sums are heavy-tailed and their effect usually saturates; the log keeps small
 *       counts apart instead of squeezing them next to 0 under a rare large maximum.
 *   <li>{@code none}: the raw value.
 * </ul>
 *
 * Every method maps 0 to 0, so an absent feature of a sparse row stays absent (the shift a true
 * min-max would add is a constant the first layer's bias absorbs).
 */
public final class InputScaling {

    /** The transform before the per-feature multiplier. */
    public enum Method {
        MINMAX,
        LOG,
        NONE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @throws IllegalArgumentException naming the value when it is not minmax, log or none
         */
        public static Method parse(String s) {
            if (s != null) {
                for (Method m : values()) {
                    if (m.id().equals(s.toLowerCase(Locale.ROOT))) {
                        return m;
                    }
                }
            }
            throw new IllegalArgumentException(
                    "scaling.method '" + s + "' is not minmax, log or none");
        }
    }

    private final Method method;
    private final float[] scale;
    private final List<Double> min;
    private final List<Double> max;

    private InputScaling(Method method, float[] scale, List<Double> min, List<Double> max) {
        this.method = method;
        this.scale = scale;
        this.min = min;
        this.max = max;
    }

    /** From the stored minimum and maximum of each raw feature. */
    public static InputScaling of(Method method, List<Double> min, List<Double> max) {
        if (min.size() != max.size()) {
            throw new IllegalArgumentException(
                    "scaling has " + min.size() + " minima but " + max.size() + " maxima");
        }
        float[] scale = new float[min.size()];
        for (int j = 0; j < scale.length; j++) {
            scale[j] =
                    switch (method) {
                        case MINMAX -> (float) scaleOf(min.get(j), max.get(j));
                        case LOG ->
                                (float) scaleOf(signedLog1p(min.get(j)), signedLog1p(max.get(j)));
                        case NONE -> 1f;
                    };
        }
        return new InputScaling(method, scale, List.copyOf(min), List.copyOf(max));
    }

    /** What {@code model.json} records; no scaling block means the raw values. */
    public static InputScaling of(ModelSpec spec) {
        ModelSpec.Scaling s = spec.scaling();
        int n = spec.features().size();
        if (s == null) {
            return none(n);
        }
        Method m = Method.parse(s.method());
        if (m == Method.NONE && (s.min() == null || s.max() == null)) {
            return none(n);
        }
        if (s.min() == null || s.max() == null || s.min().size() != n || s.max().size() != n) {
            throw new IllegalArgumentException("scaling.min/max do not have one value per feature");
        }
        return of(m, s.min(), s.max());
    }

    /** Raw values as they are. */
    public static InputScaling none(int features) {
        float[] one = new float[features];
        java.util.Arrays.fill(one, 1f);
        List<Double> zero = Collections.nCopies(features, 0.0);
        return new InputScaling(Method.NONE, one, zero, Collections.nCopies(features, 1.0));
    }

    /**
     * Min-max given directly as one multiplier per feature (a range of [0, 1 / multiplier]), for
     * callers that computed {@link #scaleOf} themselves.
     */
    public static InputScaling multipliers(float[] scale) {
        List<Double> max = new ArrayList<>(scale.length);
        for (float s : scale) {
            max.add(1.0 / s);
        }
        return new InputScaling(
                Method.MINMAX, scale.clone(), Collections.nCopies(scale.length, 0.0), max);
    }

    /** The min-max multiplier of one feature (1 when its range is empty). */
    public static double scaleOf(double min, double max) {
        double range = Math.max(0, max) - Math.min(0, min);
        return range > 0 && Double.isFinite(range) ? 1.0 / range : 1.0;
    }

    static double signedLog1p(double v) {
        return v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
    }

    /** The first layer's input for raw value {@code raw} of feature {@code j}. */
    public double input(int j, float raw) {
        return switch (method) {
            case MINMAX, NONE -> raw * (double) scale[j];
            case LOG -> signedLog1p(raw) * scale[j];
        };
    }

    /** The same scaling restricted to the columns {@code cols} (in that order). */
    public InputScaling select(int[] cols) {
        float[] s = new float[cols.length];
        List<Double> mn = new ArrayList<>(cols.length);
        List<Double> mx = new ArrayList<>(cols.length);
        for (int i = 0; i < cols.length; i++) {
            s[i] = scale[cols[i]];
            mn.add(min.get(cols[i]));
            mx.add(max.get(cols[i]));
        }
        return new InputScaling(method, s, mn, mx);
    }

    /** What {@code model.json} records for this scaling. */
    public ModelSpec.Scaling toSpec() {
        return new ModelSpec.Scaling(method.id(), min, max);
    }

    public Method method() {
        return method;
    }

    public int features() {
        return scale.length;
    }
}
