package io.mlcycle.online;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** {@link OnlineMetrics} as plain counters, for servers that poll rather than push. */
public final class OnlineCounters implements OnlineMetrics {

    private final LongAdder lookups = new LongAdder();
    private final LongAdder entities = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private final Map<String, LongAdder> misses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    @Override
    public void onLookup(long nanos, int entities) {
        lookups.increment();
        this.entities.add(entities);
        this.nanos.add(nanos);
    }

    @Override
    public void onMiss(String view, int entities) {
        misses.computeIfAbsent(view, v -> new LongAdder()).add(entities);
    }

    @Override
    public void onFailure(String reason) {
        failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public long lookups() {
        return lookups.sum();
    }

    public long entities() {
        return entities.sum();
    }

    public double lookupSeconds() {
        return nanos.sum() / 1e9;
    }

    public long misses(String view) {
        LongAdder a = misses.get(view);
        return a == null ? 0 : a.sum();
    }

    public long failures(String reason) {
        LongAdder a = failures.get(reason);
        return a == null ? 0 : a.sum();
    }
}
