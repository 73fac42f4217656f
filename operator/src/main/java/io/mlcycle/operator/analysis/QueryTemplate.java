package io.mlcycle.operator.analysis;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Replaces {@code {{name}}}, {@code {{namespace}}} and {@code {{version}}} in a PromQL query. */
public final class QueryTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-zA-Z]+)\\s*}}");

    private QueryTemplate() {}

    /** True when the query uses {@code {{placeholder}}}. */
    public static boolean uses(String query, String placeholder) {
        Matcher m = PLACEHOLDER.matcher(query);
        while (m.find()) {
            if (m.group(1).equals(placeholder)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Renders the query; an unknown placeholder is an error naming it, so a typo never becomes a
     * query that silently matches nothing.
     */
    public static String render(String query, String name, String namespace, Integer version) {
        Map<String, String> values =
                Map.of(
                        "name", name,
                        "namespace", namespace,
                        "version", version == null ? "" : String.valueOf(version));
        Matcher m = PLACEHOLDER.matcher(query);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException(
                        "unknown placeholder {{"
                                + m.group(1)
                                + "}} in query (known: name, namespace, version)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
