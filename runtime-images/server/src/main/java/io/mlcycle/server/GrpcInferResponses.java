package io.mlcycle.server;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.mlcycle.server.oip.InferParameter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ModelInfer answers written straight in the protobuf wire form of {@code ModelInferResponse}
 * (fields in number order, as protobuf writes them), without building the message: no builders, no
 * parameter maps per output, one array sized once. The bytes parse to what {@link
 * GrpcInferCodec#response} builds (GrpcInferResponsesTest).
 */
final class GrpcInferResponses {

    // ModelInferResponse: model_name 1, model_version 2, id 3, parameters 4, outputs 5,
    // raw_output_contents 6; InferOutputTensor: name 1, datatype 2, shape 3 (packed)
    private static final int MODEL_NAME = 1;
    private static final int MODEL_VERSION = 2;
    private static final int ID = 3;
    private static final int PARAMETERS = 4;
    private static final int OUTPUTS = 5;
    private static final int RAW_OUTPUT_CONTENTS = 6;
    private static final int TENSOR_NAME = 1;
    private static final int TENSOR_DATATYPE = 2;
    private static final int TENSOR_SHAPE = 3;

    private GrpcInferResponses() {}

    /** An encoded answer; the server's response marshaller writes its bytes as they are. */
    record Encoded(byte[] bytes) {}

    /** The marshaller of encoded answers (a server never parses its own responses). */
    static final MethodDescriptor.Marshaller<Encoded> MARSHALLER =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(Encoded value) {
                    return new EncodedStream(value.bytes());
                }

                @Override
                public Encoded parse(InputStream stream) {
                    try {
                        return new Encoded(stream.readAllBytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };

    /** The answer as ModelInferResponse bytes: every output asked for in raw_output_contents. */
    static Encoded encode(Scorer.Answer a, String model, String version) {
        List<Tensor> outputs = new ArrayList<>(a.tensors().size());
        for (Tensor t : a.tensors()) {
            if (a.outputs().wanted(t.name())) {
                outputs.add(t);
            }
        }
        byte[][] raw = new byte[outputs.size()][];
        int[] tensorSize = new int[outputs.size()];
        int size = string(MODEL_NAME, model) + string(MODEL_VERSION, version) + string(ID, a.id());
        List<Map.Entry<String, InferParameter>> params = parameters(a.parameters());
        for (Map.Entry<String, InferParameter> e : params) {
            size += CodedOutputStream.computeTagSize(PARAMETERS) + lengthDelimited(entrySize(e));
        }
        for (int i = 0; i < raw.length; i++) {
            Tensor t = outputs.get(i);
            raw[i] = GrpcInferCodec.rawBytes(t);
            tensorSize[i] = tensorSize(t);
            size += CodedOutputStream.computeTagSize(OUTPUTS) + lengthDelimited(tensorSize[i]);
            size += CodedOutputStream.computeByteArraySize(RAW_OUTPUT_CONTENTS, raw[i]);
        }
        byte[] out = new byte[size];
        CodedOutputStream w = CodedOutputStream.newInstance(out);
        try {
            writeString(w, MODEL_NAME, model);
            writeString(w, MODEL_VERSION, version);
            writeString(w, ID, a.id());
            for (Map.Entry<String, InferParameter> e : params) {
                w.writeTag(PARAMETERS, 2);
                w.writeUInt32NoTag(entrySize(e));
                w.writeString(1, e.getKey());
                w.writeMessage(2, e.getValue());
            }
            for (int i = 0; i < raw.length; i++) {
                Tensor t = outputs.get(i);
                w.writeTag(OUTPUTS, 2);
                w.writeUInt32NoTag(tensorSize[i]);
                writeString(w, TENSOR_NAME, t.name());
                writeString(w, TENSOR_DATATYPE, t.datatype());
                w.writeTag(TENSOR_SHAPE, 2);
                w.writeUInt32NoTag(CodedOutputStream.computeInt64SizeNoTag(t.size()));
                w.writeInt64NoTag(t.size());
            }
            for (byte[] r : raw) {
                w.writeByteArray(RAW_OUTPUT_CONTENTS, r);
            }
            w.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("a ModelInferResponse of " + size + " bytes", e);
        }
        return new Encoded(out);
    }

    private static List<Map.Entry<String, InferParameter>> parameters(Map<String, Object> p) {
        if (p == null || p.isEmpty()) {
            return List.of();
        }
        List<Map.Entry<String, InferParameter>> out = new ArrayList<>(p.size());
        for (Map.Entry<String, Object> e : p.entrySet()) {
            out.add(Map.entry(e.getKey(), GrpcInferCodec.parameter(e.getValue())));
        }
        return out;
    }

    private static int entrySize(Map.Entry<String, InferParameter> e) {
        return CodedOutputStream.computeStringSize(1, e.getKey())
                + CodedOutputStream.computeMessageSize(2, e.getValue());
    }

    private static int tensorSize(Tensor t) {
        return string(TENSOR_NAME, t.name())
                + string(TENSOR_DATATYPE, t.datatype())
                + CodedOutputStream.computeTagSize(TENSOR_SHAPE)
                + lengthDelimited(CodedOutputStream.computeInt64SizeNoTag(t.size()));
    }

    /** A length prefix and its {@code n} bytes. */
    private static int lengthDelimited(int n) {
        return CodedOutputStream.computeUInt32SizeNoTag(n) + n;
    }

    /** The size of a string field; proto3 leaves an empty (or absent) one out. */
    private static int string(int field, String s) {
        return s == null || s.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, s);
    }

    private static void writeString(CodedOutputStream w, int field, String s) throws IOException {
        if (s != null && !s.isEmpty()) {
            w.writeString(field, s);
        }
    }

    /** The bytes as grpc-java's framer takes them best: length known, drained in one write. */
    private static final class EncodedStream extends InputStream implements KnownLength, Drainable {
        private final byte[] bytes;
        private int at;

        EncodedStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = bytes.length - at;
            target.write(bytes, at, n);
            at = bytes.length;
            return n;
        }

        @Override
        public int read() {
            return at < bytes.length ? bytes[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= bytes.length) {
                return len == 0 ? 0 : -1;
            }
            int n = Math.min(len, bytes.length - at);
            System.arraycopy(bytes, at, b, off, n);
            at += n;
            return n;
        }

        @Override
        public int available() {
            return bytes.length - at;
        }
    }
}
