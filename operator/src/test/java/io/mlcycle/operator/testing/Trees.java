package io.mlcycle.operator.testing;

import java.util.List;
import java.util.Map;

/**
 * Reads a path out of the maps and lists a resource's untyped parts (a SparkApplication's spec)
 * hold.
 */
public final class Trees {

    private Trees() {}

    /** The value at {@code path} (map keys and list indexes), or null where it is absent. */
    @SuppressWarnings("unchecked")
    public static <T> T at(Object root, Object... path) {
        Object node = root;
        for (Object p : path) {
            if (node == null) {
                return null;
            }
            node =
                    p instanceof Integer i
                            ? ((List<Object>) node).get(i)
                            : ((Map<String, Object>) node).get(p);
        }
        return (T) node;
    }
}
