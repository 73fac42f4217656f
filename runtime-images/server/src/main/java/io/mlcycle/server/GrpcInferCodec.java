package io.mlcycle.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.InferParameter;
import io.mlcycle.server.oip.InferTensorContents;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gRPC {@code ModelInfer} messages to and from the scorer's form: a request's tensors (typed
 * contents or {@code raw_input_contents}) decoded straight into the {@link InferInput} arrays the
 * REST readers fill, without boxed lists; outputs written little-endian into one array each and
 * handed to protobuf without another copy.
 */
final class GrpcInferCodec {

    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private GrpcInferCodec() {}

    /**
     * ModelInfer requests parsed from one array read off the wire, their {@code bytes} fields
     * ({@code raw_input_contents}) aliasing it: the tensor bytes are copied once, into that array,
     * as a REST body is, instead of again into each ByteString.
     */
    static final MethodDescriptor.Marshaller<ModelInferRequest> REQUESTS =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(ModelInferRequest value) {
                    return GRPCInferenceServiceGrpc.getModelInferMethod()
                            .getRequestMarshaller()
                            .stream(value);
                }

                @Override
                public ModelInferRequest parse(InputStream stream) {
                    try {
                        return parseAliasing(wire(stream));
                    } catch (IOException e) {
                        // what grpc-java's own protobuf marshaller answers
                        throw Status.INTERNAL
                                .withDescription("Invalid protobuf byte sequence")
                                .withCause(e)
                                .asRuntimeException();
                    }
                }
            };

    /** The message's bytes: one array of the known length (grpc-java's streams know it). */
    private static byte[] wire(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        byte[] wire = new byte[stream.available()];
        int n = stream.readNBytes(wire, 0, wire.length);
        if (n != wire.length || stream.read() != -1) {
            throw new IOException("the message is not " + wire.length + " bytes long");
        }
        return wire;
    }

    /** A request whose bytes fields alias {@code wire} (which must not change afterwards). */
    static ModelInferRequest parseAliasing(byte[] wire) throws IOException {
        // a wrapped array counts as immutable, so protobuf may alias it (newInstance would copy)
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(wire).newCodedInput();
        in.enableAliasing(true);
        return ModelInferRequest.parseFrom(in);
    }

    /**
     * The inference service with ModelInfer answered by {@code infer}: requests read by {@link
     * #REQUESTS}, answers written as {@link GrpcInferResponses} encodes them.
     */
    static ServerServiceDefinition withInfer(
            ServerServiceDefinition service,
            ServerCalls.UnaryMethod<ModelInferRequest, GrpcInferResponses.Encoded> infer) {
        MethodDescriptor<ModelInferRequest, ModelInferResponse> d =
                GRPCInferenceServiceGrpc.getModelInferMethod();
        ServerServiceDefinition.Builder b =
                ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            if (m.getMethodDescriptor().getFullMethodName().equals(d.getFullMethodName())) {
                b.addMethod(
                        ServerMethodDefinition.create(
                                d.toBuilder(REQUESTS, GrpcInferResponses.MARSHALLER).build(),
                                ServerCalls.asyncUnaryCall(infer)));
            } else {
                b.addMethod(m);
            }
        }
        return b.build();
    }

    /** The request's tensors as the REST codec parses them: typed contents or raw bytes. */
    static ParsedRequest parse(ModelInferRequest req) {
        int count = req.getInputsCount();
        int raw = req.getRawInputContentsCount();
        if (raw > 0 && raw != count) {
            throw BadRequest.of(
                    "raw_input_contents has "
                            + raw
                            + " entries for "
                            + count
                            + " inputs; send one per input or none");
        }
        List<InferInput> inputs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ModelInferRequest.InferInputTensor t = req.getInputs(i);
            InferInput in = new InferInput();
            in.name = t.getName();
            in.datatype = t.getDatatype();
            long[] shape = new long[t.getShapeCount()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = t.getShape(d);
            }
            in.shape = shape;
            if (raw > 0) {
                if (t.hasContents()) {
                    throw BadRequest.of(
                            "input " + in.label() + " has contents and raw_input_contents");
                }
                BinaryTensorDecoder.decode(
                        in,
                        req.getRawInputContents(i)
                                .asReadOnlyByteBuffer()
                                .order(ByteOrder.LITTLE_ENDIAN));
            } else {
                contents(in, t.getContents());
            }
            in.sawData = true;
            inputs.add(in);
        }
        return new ParsedRequest(
                req.getId().isEmpty() ? null : req.getId(), inputs, requestedOutputs(req));
    }

    private static RequestedOutputs requestedOutputs(ModelInferRequest req) {
        int n = req.getOutputsCount();
        if (n == 0) {
            return RequestedOutputs.ALL_JSON;
        }
        Set<String> names = new HashSet<>(n * 2);
        for (int i = 0; i < n; i++) {
            names.add(req.getOutputs(i).getName());
        }
        return new RequestedOutputs(names, false, Set.of(), Set.of());
    }

    /** Typed contents into the input; the field of the input's datatype only. */
    private static void contents(InferInput in, InferTensorContents c) {
        String type = in.datatype == null ? "" : in.datatype;
        switch (type) {
            case "FP32" -> fill(in, c.getFp32ContentsCount(), c::getFp32Contents);
            case "FP64" -> fill(in, c.getFp64ContentsCount(), i -> (float) c.getFp64Contents(i));
            case "INT8", "INT16", "INT32" -> fill(in, c.getIntContentsCount(), c::getIntContents);
            case "INT64" -> fill(in, c.getInt64ContentsCount(), c::getInt64Contents);
            case "UINT8", "UINT16", "UINT32" ->
                    fill(in, c.getUintContentsCount(), c::getUintContents);
            case "UINT64" -> fill(in, c.getUint64ContentsCount(), c::getUint64Contents);
            case "BOOL" -> fill(in, c.getBoolContentsCount(), i -> c.getBoolContents(i) ? 1f : 0f);
            case "BYTES" -> {
                in.strings = new ArrayList<>(c.getBytesContentsCount());
                for (int i = 0; i < c.getBytesContentsCount(); i++) {
                    in.strings.add(c.getBytesContents(i).toStringUtf8());
                }
            }
            default -> {
                // the codec names the datatype it refuses
            }
        }
        for (int i = 0; i < in.size; i++) {
            if (!Float.isFinite(in.data[i])) {
                throw BadRequest.of(
                        "contents of input " + in.label() + " hold " + in.data[i] + ", not FP32");
            }
        }
    }

    /** Element {@code i} of a typed contents field, as a float. */
    private interface Element {
        float at(int i);
    }

    /** The input's data: exactly the {@code n} elements of the field, unboxed. */
    private static void fill(InferInput in, int n, Element element) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = element.at(i);
        }
        in.data = d;
        in.size = n;
    }

    /**
     * The tensor in the binary layout ({@link Tensor#writeBinary}), written into one array of its
     * exact size that protobuf takes as it is (the array is never written again).
     */
    static ByteString raw(Tensor t) {
        return UnsafeByteOperations.unsafeWrap(rawBytes(t));
    }

    /** The tensor in the binary layout, in a new array of its exact size. */
    static byte[] rawBytes(Tensor t) {
        Object values = t.values();
        byte[] out;
        if (values instanceof float[] f) {
            out = new byte[f.length * 4];
            for (int i = 0; i < f.length; i++) {
                INT_LE.set(out, i * 4, Float.floatToRawIntBits(f[i]));
            }
        } else if (values instanceof int[] v) {
            out = new byte[v.length * 4];
            for (int i = 0; i < v.length; i++) {
                INT_LE.set(out, i * 4, v[i]);
            }
        } else if (values instanceof boolean[] v) {
            out = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (byte) (v[i] ? 1 : 0);
            }
        } else {
            out = strings((String[]) values);
        }
        return out;
    }

    /** BYTES elements: each a 4-byte little-endian length, then its UTF-8 bytes. */
    private static byte[] strings(String[] values) {
        byte[][] utf8 = new byte[values.length][];
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            utf8[i] = values[i].getBytes(StandardCharsets.UTF_8);
            size += 4 + utf8[i].length;
        }
        byte[] out = new byte[size];
        int at = 0;
        for (byte[] s : utf8) {
            INT_LE.set(out, at, s.length);
            System.arraycopy(s, 0, out, at + 4, s.length);
            at += 4 + s.length;
        }
        return out;
    }

    static InferParameter parameter(Object v) {
        InferParameter.Builder p = InferParameter.newBuilder();
        if (v instanceof Boolean bool) {
            p.setBoolParam(bool);
        } else if (v instanceof Integer || v instanceof Long) {
            p.setInt64Param(((Number) v).longValue());
        } else if (v instanceof Number num) {
            p.setDoubleParam(num.doubleValue());
        } else {
            p.setStringParam(String.valueOf(v));
        }
        return p.build();
    }
}
