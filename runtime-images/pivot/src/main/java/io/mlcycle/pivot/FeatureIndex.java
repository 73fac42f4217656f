package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the features of a version and gives each a column index, deterministically: keep those
 * with at least {@code minEntities} entities, then the {@code maxFeatures} most supported (ties by
 * name). A feature already in the previous version keeps its index when that index still fits;
 * every other feature fills the free indices in order (displaced old features first, then new ones
 * by support and name), so with no feature dropped the new ones are appended at the end.
 */
final class FeatureIndex {

    /** A key seen in the data, with statistics over the entities that have a non-zero value. */
    record Candidate(String name, long support, double min, double max, double mean) {}

    private static final Comparator<Candidate> MOST_SUPPORTED =
            Comparator.comparingLong(Candidate::support).reversed().thenComparing(Candidate::name);

    private FeatureIndex() {}

    /**
     * @param maxFeatures at most this many; 0 or less means no limit
     * @param previous name → index of the previous complete version (empty if none)
     * @return the features ordered by index 0..n-1
     */
    static List<FeatureCatalog.Feature> assign(
            List<Candidate> candidates,
            int minEntities,
            int maxFeatures,
            Map<String, Integer> previous) {
        List<Candidate> kept =
                candidates.stream()
                        .filter(c -> c.support() >= Math.max(1, minEntities))
                        .sorted(MOST_SUPPORTED)
                        .toList();
        if (maxFeatures > 0 && kept.size() > maxFeatures) {
            kept = kept.subList(0, maxFeatures);
        }
        int n = kept.size();
        Candidate[] slots = new Candidate[n];
        List<Candidate> displaced = new ArrayList<>();
        List<Candidate> fresh = new ArrayList<>();
        for (Candidate c : kept) {
            Integer old = previous.get(c.name());
            if (old != null && old < n && slots[old] == null) {
                slots[old] = c;
            } else if (old != null) {
                displaced.add(c);
            } else {
                fresh.add(c);
            }
        }
        displaced.sort(Comparator.comparingInt(c -> previous.get(c.name())));
        List<Candidate> rest = new ArrayList<>(displaced);
        rest.addAll(fresh);
        int next = 0;
        for (Candidate c : rest) {
            while (slots[next] != null) {
                next++;
            }
            slots[next] = c;
        }
        List<FeatureCatalog.Feature> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Candidate c = slots[i];
            out.add(
                    new FeatureCatalog.Feature(
                            i, c.name(), c.support(), c.min(), c.max(), c.mean()));
        }
        return out;
    }

    /** Name → index of a catalog, or an empty map. */
    static Map<String, Integer> indices(FeatureCatalog catalog) {
        return catalog == null ? new HashMap<>() : catalog.indexByName();
    }
}
