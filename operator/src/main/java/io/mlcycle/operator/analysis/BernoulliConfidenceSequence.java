package io.mlcycle.operator.analysis;

/**
 * An always-valid confidence sequence for a Bernoulli proportion: Robbins' beta-binomial mixture,
 * as in Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric, nonasymptotic
 * confidence sequences", Annals of Statistics 49(2), 2021 (the conjugate-mixture boundaries of
 * section 3).
 *
 * <p>For each candidate p the mixture likelihood ratio {@code M(p) = ∫ L(p') dBeta(a, b)(p') /
 * L(p)} is a nonnegative martingale with mean 1 when p is true, so by Ville's inequality the set
 * {@code {p : M(p) < 1/alpha}} covers the true p at every sample size at once with probability at
 * least {@code 1 - alpha}: it may be looked at after every label. {@code log M} is convex in p with
 * its minimum at k/n, so the set is an interval, found by bisection on each side.
 */
public final class BernoulliConfidenceSequence {

    private static final int BISECTIONS = 40;

    private final double a;
    private final double b;
    private final double logBetaPrior;

    /**
     * The mixture's prior: a Beta with mean {@code priorMean} and {@code a + b = strength}. Any
     * fixed prior keeps the guarantee; it decides where the sequence is tightest (about where the
     * truth differs from the prior mean by one prior standard deviation).
     */
    public BernoulliConfidenceSequence(double priorMean, double strength) {
        checkPrior(priorMean, strength);
        this.a = priorMean * strength;
        this.b = (1 - priorMean) * strength;
        this.logBetaPrior = logBeta(a, b);
    }

    /** A closed interval [lower, upper] of proportions. */
    public record Interval(double lower, double upper) {
        public boolean contains(double p) {
            return p >= lower && p <= upper;
        }
    }

    /** The interval after {@code successes} of {@code n} at level {@code 1 - alpha}. */
    public Interval interval(long successes, long n, double alpha) {
        checkCounts(successes, n);
        if (n == 0) {
            return new Interval(0, 1);
        }
        double limit = Math.log(1 / alpha);
        double mixture = logBeta(a + successes, b + n - successes) - logBetaPrior;
        double mle = (double) successes / n;
        double lower = successes == 0 ? 0 : edge(0, mle, successes, n, mixture, limit, true);
        double upper = successes == n ? 1 : edge(mle, 1, successes, n, mixture, limit, false);
        return new Interval(lower, upper);
    }

    /** Whether the sequence has ruled out {@code p} after {@code successes} of {@code n}. */
    public boolean excludes(double p, long successes, long n, double alpha) {
        checkCounts(successes, n);
        double mixture = logBeta(a + successes, b + n - successes) - logBetaPrior;
        return logRatio(p, successes, n, mixture) >= Math.log(1 / alpha);
    }

    /** The boundary between lo and hi where log M crosses the limit (M falls towards the MLE). */
    private static double edge(
            double lo, double hi, long k, long n, double mixture, double limit, boolean below) {
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (lo + hi) / 2;
            boolean out = logRatio(mid, k, n, mixture) >= limit;
            if (out == below) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return below ? lo : hi;
    }

    private static double logRatio(double p, long k, long n, double mixture) {
        double logLikelihood =
                (k == 0 ? 0 : k * Math.log(p)) + (n - k == 0 ? 0 : (n - k) * Math.log1p(-p));
        return mixture - logLikelihood;
    }

    /** Checks a Beta prior: mean in (0, 1), a + b = strength > 0. */
    static void checkPrior(double priorMean, double strength) {
        if (!(priorMean > 0 && priorMean < 1) || !(strength > 0)) {
            throw new IllegalArgumentException(
                    "prior mean must be in (0, 1) and strength > 0, got "
                            + priorMean
                            + " and "
                            + strength);
        }
    }

    static void checkCounts(long successes, long n) {
        if (n < 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException(
                    "need 0 <= successes <= n, got " + successes + " of " + n);
        }
    }

    static double logBeta(double x, double y) {
        return logGamma(x) + logGamma(y) - logGamma(x + y);
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        x -= 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    private static final double[] LANCZOS = {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7
    };
}
