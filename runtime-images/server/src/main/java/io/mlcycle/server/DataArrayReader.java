package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the numbers of a JSON {@code data} array straight from the request bytes, the hot path of a
 * batched request, for the forms it reads exactly as the Jackson path does: integers of up to 9
 * digits (as {@code (float) int}), numbers with a fraction or an exponent ({@link Float#parseFloat}
 * of their text, as Jackson's {@code getFloatValue}), nested arrays, commas and JSON whitespace.
 * Anything else (a string, boolean or null, a malformed, long or non-finite number, a missing or
 * extra comma) makes it give up with nothing added, and {@link JsonInferRequestReader} reads the
 * array token by token as before, with its values and its errors.
 */
final class DataArrayReader {

    private static final int MAX_DEPTH = 32;

    /** Longer number texts are left to Jackson (its own length limit and error). */
    private static final int MAX_NUMBER_CHARS = 64;

    private DataArrayReader() {}

    /**
     * Reads the array whose {@code [} the parser has just returned, when every element is a form
     * this reader takes: appends the values to {@code in}, overwrites the array's content in {@code
     * json} (the parser's own copy of the request) with spaces, keeping line breaks, so that the
     * parser steps over it as whitespace, and moves the parser to the array's end.
     *
     * @return false, with nothing added and the parser where it was, when the array holds anything
     *     else
     */
    static boolean read(JsonParser p, byte[] json, int jsonEnd, InferInput in) throws IOException {
        int from = (int) p.currentLocation().getByteOffset();
        if (from <= 0 || from > jsonEnd || json[from - 1] != '[') {
            return false;
        }
        int end = scan(json, from, jsonEnd, in);
        if (end < 0) {
            return false;
        }
        for (int i = from; i < end; i++) {
            if (json[i] != '\n' && json[i] != '\r') {
                json[i] = ' ';
            }
        }
        JsonToken t = p.nextToken();
        if (t != JsonToken.END_ARRAY) {
            throw new IllegalStateException("the parser read " + t + " after a data array");
        }
        return true;
    }

    /**
     * Reads values from {@code from} (just after a {@code [}) to the matching {@code ]}.
     *
     * @return the index of the matching {@code ]}, or -1 with {@code in} as it was
     */
    static int scan(byte[] b, int from, int to, InferInput in) {
        int size = in.size;
        int depth = 1;
        int i = from;
        boolean expectValue = true;
        boolean mayClose = true;
        while (true) {
            while (i < to && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i++;
            }
            if (i >= to) {
                return giveUp(in, size);
            }
            byte c = b[i];
            if (c == ']' && (mayClose || !expectValue)) {
                if (--depth == 0) {
                    return i;
                }
                i++;
                expectValue = false;
                mayClose = false;
            } else if (expectValue && c == '[') {
                if (++depth > MAX_DEPTH) {
                    return giveUp(in, size);
                }
                i++;
                mayClose = true;
            } else if (expectValue) {
                i = number(b, i, to, in);
                if (i < 0) {
                    return giveUp(in, size);
                }
                expectValue = false;
                mayClose = false;
            } else if (c == ',') {
                i++;
                expectValue = true;
            } else {
                return giveUp(in, size);
            }
        }
    }

    private static int giveUp(InferInput in, int size) {
        in.size = size;
        return -1;
    }

    /** Reads one JSON number at {@code i} into {@code in}; the index after it, or -1. */
    private static int number(byte[] b, int i, int to, InferInput in) {
        int start = i;
        boolean negative = b[i] == '-';
        if (negative) {
            i++;
        }
        int digits = i;
        int v = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            v = v * 10 + (b[i++] - '0');
        }
        int n = i - digits;
        if (n == 0 || (n > 1 && b[digits] == '0')) {
            return -1;
        }
        boolean decimal = false;
        if (i < to && b[i] == '.') {
            decimal = true;
            int f = ++i;
            i = digits(b, i, to);
            if (i == f) {
                return -1;
            }
        }
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            decimal = true;
            i++;
            if (i < to && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int e = i;
            i = digits(b, i, to);
            if (i == e) {
                return -1;
            }
        }
        if (i - start > MAX_NUMBER_CHARS) {
            return -1;
        }
        if (!decimal) {
            if (n > 9) {
                return -1;
            }
            in.add(negative ? -v : v);
            return i;
        }
        float f = Float.parseFloat(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
        if (!Float.isFinite(f)) {
            return -1;
        }
        in.add(f);
        return i;
    }

    private static int digits(byte[] b, int i, int to) {
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }
}
