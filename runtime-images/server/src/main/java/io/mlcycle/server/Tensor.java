package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One rank-1 output tensor (FP32, INT32, BOOL or BYTES), written as a JSON {@code data} array or in
 * the binary tensor layout of the protocol: little-endian values, BOOL one byte each, BYTES each
 * element a 4-byte little-endian length then its bytes.
 *
 * @param values {@code float[]}, {@code int[]}, {@code boolean[]} or {@code String[]}
 */
record Tensor(String name, String datatype, Object values) {

    static Tensor fp32(String name, float[] v) {
        return new Tensor(name, "FP32", v);
    }

    static Tensor int32(String name, int[] v) {
        return new Tensor(name, "INT32", v);
    }

    static Tensor bool(String name, boolean[] v) {
        return new Tensor(name, "BOOL", v);
    }

    static Tensor bytes(String name, String[] v) {
        return new Tensor(name, "BYTES", v);
    }

    int size() {
        if (values instanceof float[] f) {
            return f.length;
        } else if (values instanceof int[] i) {
            return i.length;
        } else if (values instanceof boolean[] b) {
            return b.length;
        }
        return ((String[]) values).length;
    }

    /** The elements of the {@code data} array. */
    void writeJsonData(JsonGenerator g) throws IOException {
        if (values instanceof float[] f) {
            for (float v : f) {
                g.writeNumber(v);
            }
        } else if (values instanceof int[] a) {
            for (int v : a) {
                g.writeNumber(v);
            }
        } else if (values instanceof boolean[] b) {
            for (boolean v : b) {
                g.writeBoolean(v);
            }
        } else {
            for (String v : (String[]) values) {
                g.writeString(v);
            }
        }
    }

    /** Appends the binary layout of the values; returns the number of bytes written. */
    int writeBinary(ByteArrayOutputStream out) {
        int before = out.size();
        if (values instanceof float[] f) {
            for (float v : f) {
                int32(out, Float.floatToRawIntBits(v));
            }
        } else if (values instanceof int[] a) {
            for (int v : a) {
                int32(out, v);
            }
        } else if (values instanceof boolean[] b) {
            for (boolean v : b) {
                out.write(v ? 1 : 0);
            }
        } else {
            for (String v : (String[]) values) {
                byte[] u = v.getBytes(StandardCharsets.UTF_8);
                int32(out, u.length);
                out.writeBytes(u);
            }
        }
        return out.size() - before;
    }

    private static void int32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
