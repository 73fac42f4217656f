package io.mlcycle.bench.scale;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a run stops fitting: bisection on a memory limit for a run that succeeds at {@code hi} and
 * not at {@code lo}, assuming more memory never hurts. Each probe is a whole run, so the search
 * stops once the bracket is within {@code stepMb}.
 */
final class Boundary {

    /** Runs the workload under a limit and says whether it completed. */
    interface Probe {
        boolean fits(long limitMb) throws Exception;
    }

    /**
     * @param lastFailingMb the largest limit seen failing (the boundary is above it)
     * @param firstFittingMb the smallest limit seen completing
     * @param tried every limit probed, in order, with its outcome
     */
    record Found(long lastFailingMb, long firstFittingMb, List<String> tried) {}

    private Boundary() {}

    /**
     * @param lo a limit expected to fail (probed first; if it fits, the boundary is at or below it)
     * @param hi a limit expected to fit (probed; if it fails, the boundary is above it)
     */
    static Found search(long lo, long hi, long stepMb, Probe probe) throws Exception {
        if (lo >= hi || stepMb < 1) {
            throw new IllegalArgumentException(
                    "need lo < hi and a positive step, got " + lo + ", " + hi + ", " + stepMb);
        }
        List<String> tried = new ArrayList<>();
        if (record(tried, lo, probe.fits(lo))) {
            return new Found(0, lo, tried);
        }
        if (!record(tried, hi, probe.fits(hi))) {
            return new Found(hi, Long.MAX_VALUE, tried);
        }
        while (hi - lo > stepMb) {
            long mid = lo + (hi - lo) / 2;
            if (record(tried, mid, probe.fits(mid))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return new Found(lo, hi, tried);
    }

    private static boolean record(List<String> tried, long limit, boolean fits) {
        tried.add(limit + " MB " + (fits ? "completes" : "fails"));
        return fits;
    }
}
