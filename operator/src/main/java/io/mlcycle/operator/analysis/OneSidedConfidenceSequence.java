package io.mlcycle.operator.analysis;

/**
 * An always-valid lower confidence bound for a Bernoulli proportion: a one-sided beta-binomial
 * mixture (Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric, nonasymptotic
 * confidence sequences", Annals of Statistics 49(2), 2021, section 3, one-sided boundaries; the
 * mixture sequential probability ratio test of Johari, Pekelis and Walsh, "Always valid inference",
 * arXiv 2015, Operations Research 70(3), 2022).
 *
 * <p>For each candidate p the mixture puts its prior only on alternatives above p: the prior is a
 * Beta with mean {@code priorMean} and {@code a + b = strength}, truncated to (p, 1). {@code M(p) =
 * ∫_p^1 L(p') dBeta(p') / (Beta((p, 1)) L(p))} is a nonnegative martingale with mean 1 when p is
 * true and a supermartingale when the truth is below p, so by Ville's inequality the bound {@code
 * inf {p : M(p) < 1/alpha}} stays below the truth at every sample size at once with probability at
 * least {@code 1 - alpha}. Putting no mass below p is what a two-sided mixture at the same alpha
 * spends on the other side (about log 2 of its boundary); centring the prior on the effect worth
 * detecting is the tuning Johari et al. give for the mixture's price in labels.
 */
public final class OneSidedConfidenceSequence {

    private static final int MAX_STEPS = 100;

    private final double a;
    private final double b;
    private final double logBetaPrior;

    /**
     * The mixture's prior before truncation: a Beta with mean {@code priorMean}, a + b = strength.
     */
    public OneSidedConfidenceSequence(double priorMean, double strength) {
        BernoulliConfidenceSequence.checkPrior(priorMean, strength);
        this.a = priorMean * strength;
        this.b = (1 - priorMean) * strength;
        this.logBetaPrior = BernoulliConfidenceSequence.logBeta(a, b);
    }

    /**
     * The lower bound after {@code successes} of {@code n} at level {@code 1 - alpha}: the largest
     * p found ruled out (to 1e-10), by Newton's method on sqrt(log M(p)) - sqrt(log(1/alpha)),
     * about linear near the bound since log M is about quadratic there, kept inside a bracket that
     * shrinks with every step (bisection where Newton would leave it).
     */
    public double lower(long successes, long n, double alpha) {
        BernoulliConfidenceSequence.checkCounts(successes, n);
        if (successes == 0) {
            return 0;
        }
        double root = Math.sqrt(Math.log(1 / alpha));
        double hi = (double) successes / n;
        double sd = Math.sqrt(Math.max(hi * (1 - hi), 1.0 / n) / n);
        double lo = Math.max(Double.MIN_NORMAL, hi - 5 * sd);
        double[] at = new double[2];
        while (logMixture(lo, successes, n, at) < root * root) {
            hi = lo;
            lo /= 2;
        }
        double x = lo;
        for (int i = 0; i < MAX_STEPS && hi - lo > 1e-10; i++) {
            double logM = logMixture(x, successes, n, at);
            double g = Math.sqrt(Math.max(logM, 0)) - root;
            if (g >= 0) {
                lo = x;
            } else {
                hi = x;
            }
            double next = logM > 0 ? x - g * 2 * Math.sqrt(logM) / at[1] : Double.NaN;
            if (Math.abs(next - x) < 1e-11) {
                // converged from one side: step across the root to close the bracket
                next = g >= 0 ? x + 1e-10 : x - 1e-10;
            }
            x = next > lo && next < hi ? next : (lo + hi) / 2;
        }
        return lo;
    }

    /** Whether the sequence has ruled out {@code p} after {@code successes} of {@code n}. */
    public boolean excludes(double p, long successes, long n, double alpha) {
        BernoulliConfidenceSequence.checkCounts(successes, n);
        return logMixture(p, successes, n) >= Math.log(1 / alpha);
    }

    private static void checkCounts(long successes, long n) {
        if (n < 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException(
                    "need 0 <= successes <= n, got " + successes + " of " + n);
        }
    }

    /** log M(p): falls as p rises towards the estimate (checked in the unit test). */
    double logMixture(double p, long k, long n) {
        return logMixture(p, k, n, new double[2]);
    }

    /** log M(p), and into {@code out} log M(p) and its derivative in p. */
    private double logMixture(double p, long k, long n, double[] out) {
        double a1 = a + k;
        double b1 = b + n - k;
        double logLikelihood = k * Math.log(p) + (n - k == 0 ? 0 : (n - k) * Math.log1p(-p));
        double logBetaPosterior = BernoulliConfidenceSequence.logBeta(a1, b1);
        double tail = logUpperTail(p, a1, b1);
        double priorTail = logUpperTail(p, a, b);
        out[0] = logBetaPosterior - logBetaPrior + tail - priorTail - logLikelihood;
        // d/dp ln P(X > p) = -density(p) / P(X > p)
        double hazard = Math.exp(logDensity(p, a1, b1, logBetaPosterior) - tail);
        double priorHazard = Math.exp(logDensity(p, a, b, logBetaPrior) - priorTail);
        out[1] = priorHazard - hazard - k / p + (n - k) / (1 - p);
        return out[0];
    }

    private static double logDensity(double p, double a, double b, double logBeta) {
        return (a - 1) * Math.log(p) + (b - 1) * Math.log1p(-p) - logBeta;
    }

    /** ln P(X > x) for X ~ Beta(a, b), i.e. ln I_{1-x}(b, a). */
    static double logUpperTail(double x, double a, double b) {
        return logRegularizedIncompleteBeta(1 - x, b, a);
    }

    /**
     * ln I_y(p, q), the regularized incomplete beta function, by its continued fraction (modified
     * Lentz), taken on the side where it converges fast and in logs where the value is tiny.
     */
    static double logRegularizedIncompleteBeta(double y, double p, double q) {
        if (y <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (y >= 1) {
            return 0;
        }
        double front =
                p * Math.log(y) + q * Math.log1p(-y) - BernoulliConfidenceSequence.logBeta(p, q);
        if (y < (p + 1) / (p + q + 2)) {
            return front + Math.log(continuedFraction(y, p, q) / p);
        }
        return Math.log1p(-Math.exp(front) * continuedFraction(1 - y, q, p) / q);
    }

    private static final double TINY = 1e-300;

    private static double continuedFraction(double y, double p, double q) {
        double c = 1;
        double d = nonZero(1 - (p + q) * y / (p + 1));
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 100_000; m++) {
            int m2 = 2 * m;
            double even = m * (q - m) * y / ((p + m2 - 1) * (p + m2));
            d = 1 / nonZero(1 + even * d);
            c = nonZero(1 + even / c);
            h *= d * c;
            double odd = -(p + m) * (p + q + m) * y / ((p + m2) * (p + m2 + 1));
            d = 1 / nonZero(1 + odd * d);
            c = nonZero(1 + odd / c);
            double step = d * c;
            h *= step;
            if (Math.abs(step - 1) < 1e-15) {
                return h;
            }
        }
        return h;
    }

    private static double nonZero(double v) {
        return Math.abs(v) < TINY ? TINY : v;
    }
}
