package io.mlcycle.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** One tensor of an inference request, as sent (REST JSON, binary data or gRPC). */
final class InferInput {
    private static final Set<String> NUMERIC =
            Set.of(
                    "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
                    "UINT32", "UINT64", "BOOL");

    /** Refuses a datatype that is not numeric. */
    static void checkDatatype(InferInput in) {
        if (!NUMERIC.contains(in.datatype)) {
            throw BadRequest.of(
                    "input "
                            + in.label()
                            + " has datatype '"
                            + InferenceCodec.abbreviate(in.datatype)
                            + "'; features are numeric: use FP32, FP64, INT32, INT64 or BOOL");
        }
    }

    String name;
    long[] shape;
    String datatype;
    float[] data = new float[16];
    int size;
    boolean sawData;
    boolean sawBoolean;

    /** The elements of a BYTES tensor (entity ids). */
    List<String> strings;

    /** {@code parameters.binary_data_size}: the data follows the JSON (-1: none). */
    long binarySize = -1;

    /** Shape before data (the usual order): allocate the data array once. */
    void presize() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (size == 0 && n > data.length && n <= (1 << 22)) {
            data = new float[(int) n];
        }
    }

    void add(float v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    void addString(String s) {
        if (strings == null) {
            strings = new ArrayList<>();
        }
        strings.add(s);
    }

    String label() {
        return name == null ? "(unnamed)" : "'" + InferenceCodec.abbreviate(name) + "'";
    }
}
