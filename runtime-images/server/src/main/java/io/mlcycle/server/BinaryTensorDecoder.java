package io.mlcycle.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.mlcycle.server.InferenceCodec.abbreviate;

/** Decodes the binary tensor data extension: the bytes after the JSON part of a request. */
final class BinaryTensorDecoder {

    private BinaryTensorDecoder() {}

    /** The datatypes an input may have in the binary layout, with their element size. */
    private static final Map<String, Integer> BINARY_SIZES =
            Map.of("FP32", 4, "FP64", 8, "INT32", 4, "INT64", 8, "BOOL", 1);

    /** Fills the inputs that declared {@code binary_data_size} from the bytes after the JSON. */
    static void readBinary(List<InferInput> inputs, byte[] body, int headerLength) {
        ByteBuffer b =
                ByteBuffer.wrap(body, headerLength, body.length - headerLength)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (InferInput in : inputs) {
            if (in.binarySize < 0) {
                continue;
            }
            if (in.sawData) {
                throw BadRequest.of(
                        "input " + in.label() + " has both 'data' and binary_data_size");
            }
            if (in.binarySize > b.remaining()) {
                throw BadRequest.of(
                        "input "
                                + in.label()
                                + " declares binary_data_size "
                                + in.binarySize
                                + " but only "
                                + b.remaining()
                                + " bytes of binary data are left");
            }
            ByteBuffer part = b.slice().order(ByteOrder.LITTLE_ENDIAN);
            part.limit((int) in.binarySize);
            b.position(b.position() + (int) in.binarySize);
            decode(in, part);
            in.sawData = true;
        }
        if (b.hasRemaining()) {
            throw BadRequest.of(
                    b.remaining()
                            + " bytes after the JSON are not claimed by any input's"
                            + " binary_data_size");
        }
    }

    /** Decodes one tensor in the binary layout into the input (numbers or BYTES elements). */
    static void decode(InferInput in, ByteBuffer part) {
        if (in.datatype == null) {
            throw BadRequest.of("input " + in.label() + " has no 'datatype'");
        }
        if (in.datatype.equals("BYTES")) {
            decodeStrings(in, part);
            return;
        }
        decodeNumbers(in, part);
    }

    private static void decodeNumbers(InferInput in, ByteBuffer part) {
        Integer width = BINARY_SIZES.get(in.datatype);
        if (width == null) {
            throw BadRequest.of(
                    "binary data of datatype '"
                            + abbreviate(in.datatype)
                            + "' is not supported for input "
                            + in.label()
                            + "; use FP32, FP64, INT32, INT64 or BOOL");
        }
        if (part.remaining() % width != 0) {
            throw BadRequest.of(
                    "binary_data_size "
                            + part.remaining()
                            + " of input "
                            + in.label()
                            + " is not a multiple of "
                            + width
                            + " bytes ("
                            + in.datatype
                            + ")");
        }
        int n = part.remaining() / width;
        if (in.data.length < n) {
            in.data = new float[n];
        }
        switch (in.datatype) {
            case "FP32" -> part.asFloatBuffer().get(in.data, 0, n);
            case "FP64" -> {
                for (int i = 0; i < n; i++) {
                    in.data[i] = (float) part.getDouble();
                }
            }
            case "INT32" -> {
                for (int i = 0; i < n; i++) {
                    in.data[i] = part.getInt();
                }
            }
            case "INT64" -> {
                for (int i = 0; i < n; i++) {
                    in.data[i] = part.getLong();
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    in.data[i] = part.get() != 0 ? 1f : 0f;
                }
            }
        }
        in.size = n;
        checkFinite(in);
    }

    private static void checkFinite(InferInput in) {
        int n = in.size;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(in.data[i])) {
                throw BadRequest.of(
                        "binary data of input "
                                + in.label()
                                + " holds "
                                + in.data[i]
                                + ", not a finite FP32 value");
            }
        }
    }

    private static void decodeStrings(InferInput in, ByteBuffer part) {
        while (part.hasRemaining()) {
            if (part.remaining() < 4) {
                throw BadRequest.of("binary BYTES of input " + in.label() + " are truncated");
            }
            int len = part.getInt();
            if (len < 0 || len > part.remaining()) {
                throw BadRequest.of(
                        "binary BYTES of input "
                                + in.label()
                                + " declare an element of "
                                + len
                                + " bytes past the end of the data");
            }
            byte[] s = new byte[len];
            part.get(s);
            in.addString(new String(s, StandardCharsets.UTF_8));
        }
        if (in.strings == null) {
            in.strings = new ArrayList<>();
        }
    }
}
