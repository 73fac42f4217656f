package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.mlcycle.server.InferenceCodec.HEADER_LENGTH;
import static io.mlcycle.server.InferenceCodec.JSON;
import static io.mlcycle.server.InferenceCodec.abbreviate;
import static io.mlcycle.server.InferenceCodec.describe;
import static io.mlcycle.server.InferenceCodec.expect;

/**
 * Reads the JSON part of an Open Inference Protocol v2 REST request, streaming so that big batches
 * never build a JSON tree; binary tensors after it go to {@link BinaryTensorDecoder}.
 */
final class JsonInferRequestReader {

    private JsonInferRequestReader() {}

    /**
     * The length of the JSON part of a body: the {@value #HEADER_LENGTH} header when the body
     * carries binary tensors, else the whole body.
     */
    static int headerLength(String header, int bodyLength) {
        if (header == null) {
            return bodyLength;
        }
        int h;
        try {
            h = Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            h = -1;
        }
        if (h <= 0 || h > bodyLength) {
            throw BadRequest.of(
                    HEADER_LENGTH
                            + " '"
                            + abbreviate(header)
                            + "' is not a length between 1 and the body length "
                            + bodyLength);
        }
        return h;
    }

    /**
     * Parses the JSON part ({@code headerLength} bytes) and decodes the binary tensors that follow
     * it, in the order of the inputs that declare {@code binary_data_size}.
     */
    static ParsedRequest parse(byte[] body, int headerLength) throws IOException {
        return parse(body, headerLength, true);
    }

    /**
     * The same; {@code fastData} false reads every {@code data} array token by token with Jackson
     * (the tests compare both readers).
     */
    static ParsedRequest parse(byte[] body, int headerLength, boolean fastData) throws IOException {
        String id = null;
        RequestedOutputs outputs = RequestedOutputs.ALL_JSON;
        List<InferInput> inputs = null;
        boolean binaryAll = false;
        // the parser reads a copy: DataArrayReader blanks the data arrays it took out of it, and
        // the body itself stays as received (the shadow mirror sends it on)
        byte[] json = fastData ? Arrays.copyOf(body, headerLength) : null;
        try (JsonParser p = JSON.createParser(fastData ? json : body, 0, headerLength)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the request body must be a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            throw BadRequest.of("'id' must be a string");
                        }
                        id = p.getText();
                    }
                    case "inputs" -> inputs = readInputs(p, t, json);
                    case "outputs" -> outputs = readOutputs(p, t);
                    case "parameters" -> binaryAll = readRequestParameters(p, t);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT
                    || !blank(body, (int) p.getCurrentLocation().getByteOffset(), headerLength)) {
                throw BadRequest.of(
                        "unexpected content after the request object (binary tensors need the "
                                + HEADER_LENGTH
                                + " header)");
            }
        } catch (JsonProcessingException e) {
            throw BadRequest.of("malformed JSON: " + e.getOriginalMessage());
        }
        if (inputs == null) {
            inputs = List.of();
        }
        BinaryTensorDecoder.readBinary(inputs, body, headerLength);
        if (binaryAll) {
            outputs = new RequestedOutputs(outputs.names(), true, outputs.binary(), outputs.json());
        }
        return new ParsedRequest(id, inputs, outputs);
    }

    private static boolean blank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /** {@code "parameters":{"binary_data_output":true}}; other parameters are ignored. */
    private static boolean readRequestParameters(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_OBJECT, "'parameters' must be an object");
        boolean binary = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("binary_data_output")) {
                binary = flag(v, "parameters.binary_data_output");
            } else {
                p.skipChildren();
            }
        }
        return binary;
    }

    private static boolean flag(JsonToken v, String what) {
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw BadRequest.of(what + " must be true or false");
        }
        return v == JsonToken.VALUE_TRUE;
    }

    /** {@code json}: the parser's copy of the request for {@link DataArrayReader} (null: none). */
    private static List<InferInput> readInputs(JsonParser p, JsonToken t, byte[] json)
            throws IOException {
        expect(t, JsonToken.START_ARRAY, "'inputs' must be an array of tensors");
        List<InferInput> inputs = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(t, JsonToken.START_OBJECT, "each element of 'inputs' must be an object");
            InferInput in = new InferInput();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "name" -> {
                        expect(v, JsonToken.VALUE_STRING, "input 'name' must be a string");
                        in.name = p.getText();
                    }
                    case "datatype" -> {
                        expect(v, JsonToken.VALUE_STRING, "input 'datatype' must be a string");
                        in.datatype = p.getText();
                    }
                    case "shape" -> {
                        in.shape = readShape(p, v, in);
                        in.presize();
                    }
                    case "data" -> {
                        readData(p, v, in, json);
                        in.sawData = true;
                    }
                    case "parameters" -> readInputParameters(p, v, in);
                    default -> p.skipChildren();
                }
            }
            inputs.add(in);
        }
        return inputs;
    }

    /** {@code "parameters":{"binary_data_size":n}}; other parameters are ignored. */
    private static void readInputParameters(JsonParser p, JsonToken t, InferInput in)
            throws IOException {
        expect(
                t,
                JsonToken.START_OBJECT,
                "'parameters' of input " + in.label() + " must be an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("binary_data_size")) {
                if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                    throw BadRequest.of(
                            "binary_data_size of input "
                                    + in.label()
                                    + " must be a non-negative integer");
                }
                in.binarySize = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
    }

    /**
     * {@code "outputs":[{"name":"probability","parameters":{"binary_data":true}}, …]}: which
     * outputs to return, and which in binary form.
     */
    private static RequestedOutputs readOutputs(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_ARRAY, "'outputs' must be an array of {\"name\": …} objects");
        Set<String> names = new HashSet<>();
        Set<String> binary = new HashSet<>();
        Set<String> json = new HashSet<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(t, JsonToken.START_OBJECT, "each element of 'outputs' must be an object");
            String name = null;
            Boolean bin = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("name")) {
                    expect(v, JsonToken.VALUE_STRING, "output 'name' must be a string");
                    name = p.getText();
                } else if (field.equals("parameters")) {
                    expect(v, JsonToken.START_OBJECT, "output 'parameters' must be an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken pv = p.nextToken();
                        if (f.equals("binary_data")) {
                            bin = flag(pv, "output parameters.binary_data");
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw BadRequest.of("unknown output (unnamed): each output needs a 'name'");
            }
            names.add(name);
            if (bin != null) {
                (bin ? binary : json).add(name);
            }
        }
        return new RequestedOutputs(names, false, binary, json);
    }

    private static long[] readShape(JsonParser p, JsonToken t, InferInput in) throws IOException {
        expect(t, JsonToken.START_ARRAY, "'shape' of input " + in.label() + " must be an array");
        long[] shape = new long[4];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                throw BadRequest.of(
                        "'shape' of input " + in.label() + " must hold non-negative integers");
            }
            if (n == shape.length) {
                throw BadRequest.of("'shape' of input " + in.label() + " has more than 4 dims");
            }
            shape[n++] = p.getLongValue();
        }
        return Arrays.copyOf(shape, n);
    }

    private static void readData(JsonParser p, JsonToken t, InferInput in, byte[] json)
            throws IOException {
        boolean strings = "BYTES".equals(in.datatype);
        if (in.datatype != null && !strings) {
            InferInput.checkDatatype(in);
        }
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of(
                    "'data' of input "
                            + in.label()
                            + (strings
                                    ? " must be an array of strings"
                                    : " must be an array of numbers"));
        }
        if (json != null
                && in.datatype != null
                && !strings
                && DataArrayReader.read(p, json, json.length, in)) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            t = p.nextToken();
            if (strings && (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT)) {
                in.addString(p.getText());
            } else if (t == JsonToken.VALUE_NUMBER_INT
                    && p.getNumberType() == JsonParser.NumberType.INT) {
                // counts are the common case: integer parsing is cheaper than float parsing
                in.add(p.getIntValue());
            } else if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                float v = p.getFloatValue();
                if (!Float.isFinite(v)) {
                    throw BadRequest.of(
                            "'data' of input "
                                    + in.label()
                                    + " holds "
                                    + abbreviate(p.getText())
                                    + ", outside the FP32 range");
                }
                in.add(v);
            } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                in.sawBoolean = true;
                in.add(t == JsonToken.VALUE_TRUE ? 1f : 0f);
            } else if (t == JsonToken.VALUE_STRING && in.datatype == null) {
                in.addString(p.getText());
            } else if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else {
                throw BadRequest.of(
                        "'data' of input "
                                + in.label()
                                + (strings
                                        ? " must hold only strings, found "
                                        : " must hold only numbers, found ")
                                + describe(p, t));
            }
        }
    }
}
