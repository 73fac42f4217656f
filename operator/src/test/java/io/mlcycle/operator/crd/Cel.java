package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A small evaluator for the CEL rule shapes our CRDs use: {@code has(self.a)}, field paths,
 * string/number/bool literals, {@code == != < <= > >=}, {@code ! && ||}, {@code c ? a : b},
 * parentheses and {@code size(...)}. As in CEL, the side of {@code ||}, {@code &&} or {@code ?:}
 * that does not decide the result may read absent fields. Anything else fails loudly, so a new rule
 * shape cannot pass unchecked.
 */
final class Cel {

    /** A field the rule reads is absent (the API server reports such a rule as failing). */
    static final class NoSuchKey extends RuntimeException {
        NoSuchKey(String path) {
            super("no such key: " + path);
        }
    }

    private final List<String> tokens;
    private final JsonNode self;
    private int pos;

    /** Above 0 while reading a part whose value cannot change the result. */
    private int skipping;

    /** The value of an absent field read while {@link #skipping}. */
    private static final Object SKIPPED = new Object();

    private Cel(String rule, JsonNode self) {
        this.tokens = tokenize(rule);
        this.self = self;
    }

    /** Evaluates a rule against {@code self}; true when it holds. */
    static boolean holds(String rule, JsonNode self) {
        Cel cel = new Cel(rule, self);
        Object v = cel.conditional();
        if (cel.pos != cel.tokens.size()) {
            throw new IllegalArgumentException(
                    "unsupported CEL rule (at '" + cel.tokens.get(cel.pos) + "'): " + rule);
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("CEL rule is not boolean: " + rule);
        }
        return b;
    }

    private Object conditional() {
        Object c = or();
        if (!peek("?")) {
            return c;
        }
        pos++;
        boolean cond = bool(c);
        Object then = skippingIf(!cond, this::conditional);
        expect(":");
        Object otherwise = skippingIf(cond, this::conditional);
        return cond ? then : otherwise;
    }

    private Object skippingIf(boolean skip, java.util.function.Supplier<Object> part) {
        skipping += skip ? 1 : 0;
        try {
            return part.get();
        } finally {
            skipping -= skip ? 1 : 0;
        }
    }

    private Object or() {
        Object left = and();
        while (peek("||")) {
            pos++;
            boolean l = bool(left);
            Object right = skippingIf(l, this::and);
            left = l || bool(right);
        }
        return left;
    }

    private Object and() {
        Object left = comparison();
        while (peek("&&")) {
            pos++;
            boolean l = bool(left);
            Object right = skippingIf(!l, this::comparison);
            left = l && bool(right);
        }
        return left;
    }

    private Object comparison() {
        Object left = unary();
        for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
            if (peek(op)) {
                pos++;
                Object right = unary();
                return compare(left, op, right);
            }
        }
        return left;
    }

    private Object unary() {
        if (peek("!")) {
            pos++;
            return !bool(unary());
        }
        return primary();
    }

    private Object primary() {
        String t = next();
        if (t.equals("(")) {
            Object v = conditional();
            expect(")");
            return v;
        }
        if (t.equals("has")) {
            expect("(");
            String path = path(next());
            expect(")");
            return resolve(path, false) != null;
        }
        if (t.equals("size")) {
            expect("(");
            Object v = or();
            expect(")");
            if (v instanceof String s) {
                return (double) s.length();
            }
            if (v instanceof JsonNode n) {
                return (double) n.size();
            }
            throw new IllegalArgumentException("size() of " + v);
        }
        if (t.startsWith("'") || t.startsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        if (Character.isDigit(t.charAt(0)) || t.charAt(0) == '-') {
            return Double.parseDouble(t);
        }
        if (t.equals("self")) {
            JsonNode n = resolve(path(t), skipping == 0);
            return n == null ? SKIPPED : value(n);
        }
        throw new IllegalArgumentException("unsupported CEL token '" + t + "'");
    }

    private String path(String first) {
        if (!first.equals("self")) {
            throw new IllegalArgumentException("CEL paths must start at self, not " + first);
        }
        StringBuilder sb = new StringBuilder(first);
        while (peek(".")) {
            pos++;
            sb.append('.').append(next());
        }
        return sb.toString();
    }

    private JsonNode resolve(String path, boolean required) {
        JsonNode node = self;
        String[] parts = path.split("\\.");
        for (int i = 1; i < parts.length; i++) {
            node = node == null ? null : node.get(parts[i]);
            if (node == null || node.isNull()) {
                if (required) {
                    throw new NoSuchKey(path);
                }
                return null;
            }
        }
        return node;
    }

    private static Object value(JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static Object compare(Object l, String op, Object r) {
        if (l == SKIPPED || r == SKIPPED) {
            return false;
        }
        if (op.equals("==")) {
            return l.equals(r);
        }
        if (op.equals("!=")) {
            return !l.equals(r);
        }
        int c;
        if (l instanceof Double a && r instanceof Double b) {
            c = Double.compare(a, b);
        } else if (l instanceof String a && r instanceof String b) {
            c = a.compareTo(b);
        } else {
            throw new IllegalArgumentException("cannot compare " + l + " " + op + " " + r);
        }
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    private static boolean bool(Object v) {
        if (v == SKIPPED) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("not a boolean: " + v);
    }

    private boolean peek(String t) {
        return pos < tokens.size() && tokens.get(pos).equals(t);
    }

    private String next() {
        if (pos >= tokens.size()) {
            throw new IllegalArgumentException("CEL rule ends early");
        }
        return tokens.get(pos++);
    }

    private void expect(String t) {
        String got = next();
        if (!got.equals(t)) {
            throw new IllegalArgumentException("expected '" + t + "' but got '" + got + "'");
        }
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                out.add(s.substring(i, end + 1));
                i = end + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length()
                        && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("||", "&&", "==", "!=", "<=", ">=").contains(two)) {
                    out.add(two);
                    i += 2;
                } else {
                    out.add(String.valueOf(c));
                    i++;
                }
            }
        }
        return out;
    }
}
