package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.TaskJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Open Inference Protocol v2 request parsing and response writing, streaming so that big batches
 * never build a JSON tree. Every refusal names the input, field or value at fault.
 */
final class InferenceCodec {

    static final JsonFactory JSON =
            JsonFactory.builder()
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .build()
                    .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);

    private static final Set<String> NUMERIC =
            Set.of(
                    "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
                    "UINT32", "UINT64", "BOOL");

    private InferenceCodec() {}

    /** A parsed inference request: the request id (may be null), the rows in CSR form. */
    record Request(String id, SparseMatrix rows, Outputs outputs) {}

    /**
     * The request as sent, before it is turned into rows or entity ids.
     *
     * @param inputs the tensors, binary data already decoded
     */
    record Parsed(String id, List<Input> inputs, Outputs outputs) {

        /** The input of this name, or null. */
        Input input(String name) {
            for (Input in : inputs) {
                if (name.equals(in.name)) {
                    return in;
                }
            }
            return null;
        }
    }

    /**
     * Which outputs a request asks for and which of them in binary form.
     *
     * @param names the outputs asked for (null: all)
     * @param binaryAll {@code parameters.binary_data_output} of the request
     * @param binary outputs asked for with {@code parameters.binary_data: true}
     * @param json outputs asked for with {@code parameters.binary_data: false}
     */
    record Outputs(Set<String> names, boolean binaryAll, Set<String> binary, Set<String> json) {

        static final Outputs ALL_JSON = new Outputs(null, false, Set.of(), Set.of());

        boolean wanted(String name) {
            return names == null || names.contains(name);
        }

        boolean binary(String name) {
            return binary.contains(name) || (binaryAll && !json.contains(name));
        }

        /** Refuses outputs the response does not have. */
        void check(List<String> known, String what) {
            if (names == null) {
                return;
            }
            for (String name : names) {
                if (!known.contains(name)) {
                    throw BadRequest.of(
                            "unknown output '" + abbreviate(name) + "'; the " + what + " " + known);
                }
            }
        }
    }

    /** The outputs of every response, in order. */
    static final List<String> OUTPUTS = List.of("probability", "class", "prediction_id");

    /** The datatypes an input may have in the binary layout, with their element size. */
    private static final Map<String, Integer> BINARY_SIZES =
            Map.of("FP32", 4, "FP64", 8, "INT32", 4, "INT64", 8, "BOOL", 1);

    /** The header giving the length of the JSON part of a body with binary tensors. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** One tensor of the request, as sent. */
    static final class Input {
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
            return name == null ? "(unnamed)" : "'" + abbreviate(name) + "'";
        }
    }

    /**
     * Reads a request: either one rank-2 tensor {@code [n, F]} in feature order, or rank-1 tensors
     * {@code [n]} named after features (features left out are 0).
     */
    static Request readInfer(
            byte[] body,
            int headerLength,
            Map<String, Integer> featureIndex,
            int numFeatures,
            int maxRows)
            throws IOException {
        return rows(parse(body, headerLength), featureIndex, numFeatures, maxRows);
    }

    /** Turns the parsed tensors into rows of features. */
    static Request rows(
            Parsed parsed, Map<String, Integer> featureIndex, int numFeatures, int maxRows) {
        parsed.outputs().check(OUTPUTS, "outputs are");
        if (parsed.inputs().isEmpty()) {
            throw BadRequest.of("'inputs' is missing or empty");
        }
        SparseMatrix rows = toRows(parsed.inputs(), featureIndex, numFeatures, maxRows);
        return new Request(parsed.id(), rows, parsed.outputs());
    }

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
    static Parsed parse(byte[] body, int headerLength) throws IOException {
        String id = null;
        Outputs outputs = Outputs.ALL_JSON;
        List<Input> inputs = null;
        boolean binaryAll = false;
        try (JsonParser p = JSON.createParser(body, 0, headerLength)) {
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
                    case "inputs" -> inputs = readInputs(p, t);
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
        readBinary(inputs, body, headerLength);
        if (binaryAll) {
            outputs = new Outputs(outputs.names(), true, outputs.binary(), outputs.json());
        }
        return new Parsed(id, inputs, outputs);
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

    /** Fills the inputs that declared {@code binary_data_size} from the bytes after the JSON. */
    private static void readBinary(List<Input> inputs, byte[] body, int headerLength) {
        ByteBuffer b =
                ByteBuffer.wrap(body, headerLength, body.length - headerLength)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (Input in : inputs) {
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
    static void decode(Input in, ByteBuffer part) {
        if (in.datatype == null) {
            throw BadRequest.of("input " + in.label() + " has no 'datatype'");
        }
        if (in.datatype.equals("BYTES")) {
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
            return;
        }
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

    private static List<Input> readInputs(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_ARRAY, "'inputs' must be an array of tensors");
        List<Input> inputs = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(t, JsonToken.START_OBJECT, "each element of 'inputs' must be an object");
            Input in = new Input();
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
                        readData(p, v, in);
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
    private static void readInputParameters(JsonParser p, JsonToken t, Input in)
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
    private static Outputs readOutputs(JsonParser p, JsonToken t) throws IOException {
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
        return new Outputs(names, false, binary, json);
    }

    private static long[] readShape(JsonParser p, JsonToken t, Input in) throws IOException {
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

    private static void checkDatatype(Input in) {
        if (!NUMERIC.contains(in.datatype)) {
            throw BadRequest.of(
                    "input "
                            + in.label()
                            + " has datatype '"
                            + abbreviate(in.datatype)
                            + "'; features are numeric: use FP32, FP64, INT32, INT64 or BOOL");
        }
    }

    private static void readData(JsonParser p, JsonToken t, Input in) throws IOException {
        boolean strings = "BYTES".equals(in.datatype);
        if (in.datatype != null && !strings) {
            checkDatatype(in);
        }
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of(
                    "'data' of input "
                            + in.label()
                            + (strings
                                    ? " must be an array of strings"
                                    : " must be an array of numbers"));
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

    private static SparseMatrix toRows(
            List<Input> inputs, Map<String, Integer> featureIndex, int numFeatures, int maxRows) {
        for (Input in : inputs) {
            if (in.shape == null) {
                throw BadRequest.of("input " + in.label() + " has no 'shape'");
            }
            if (in.datatype == null) {
                throw BadRequest.of("input " + in.label() + " has no 'datatype'");
            }
            checkDatatype(in);
            if (!in.sawData) {
                throw BadRequest.of("input " + in.label() + " has no 'data'");
            }
            if (in.strings != null || (in.sawBoolean && !in.datatype.equals("BOOL"))) {
                throw BadRequest.of("'data' of input " + in.label() + " must hold only numbers");
            }
            if (in.shape.length == 0 || in.shape.length > 2) {
                throw BadRequest.of(
                        "input "
                                + in.label()
                                + " has shape "
                                + Arrays.toString(in.shape)
                                + "; expected [n, "
                                + numFeatures
                                + "] (dense rows in feature order) or [n] (one named feature)");
            }
            if (in.shape[0] > maxRows) {
                throw BadRequest.of(
                        "input "
                                + in.label()
                                + " has "
                                + in.shape[0]
                                + " rows; the limit is "
                                + maxRows
                                + " rows per request");
            }
            if (in.shape.length == 2 && in.shape[1] != numFeatures) {
                throw BadRequest.of(
                        "input "
                                + in.label()
                                + " has "
                                + in.shape[1]
                                + " columns but the model has "
                                + numFeatures
                                + " features");
            }
            long expected = in.shape.length == 2 ? in.shape[0] * in.shape[1] : in.shape[0];
            if (in.size != expected) {
                throw BadRequest.of(
                        "input "
                                + in.label()
                                + " has "
                                + in.size
                                + " values but shape "
                                + Arrays.toString(in.shape)
                                + " needs "
                                + expected);
            }
        }
        boolean dense = inputs.stream().anyMatch(in -> in.shape.length == 2);
        if (dense) {
            if (inputs.size() > 1) {
                throw BadRequest.of(
                        "a dense [n, F] tensor must be the only input; send either one dense tensor"
                                + " or one [n] tensor per feature name");
            }
            return denseRows(inputs.get(0), numFeatures);
        }
        return namedRows(inputs, featureIndex, numFeatures);
    }

    /** One row per line of a dense [n, F] tensor whose shape the caller checked. */
    private static SparseMatrix denseRows(Input in, int numFeatures) {
        int n = (int) in.shape[0];
        if (n == 0) {
            throw BadRequest.of("input " + in.label() + " has no rows");
        }
        int nnz = 0;
        for (int i = 0; i < in.size; i++) {
            if (in.data[i] != 0f) {
                nnz++;
            }
        }
        int[] rowPtr = new int[n + 1];
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int k = 0;
        for (int r = 0; r < n; r++) {
            int base = r * numFeatures;
            for (int c = 0; c < numFeatures; c++) {
                float v = in.data[base + c];
                if (v != 0f) {
                    cols[k] = c;
                    vals[k++] = v;
                }
            }
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(noEntities(n), rowPtr, cols, vals, numFeatures);
    }

    private static SparseMatrix namedRows(
            List<Input> inputs, Map<String, Integer> featureIndex, int numFeatures) {
        int n = -1;
        Set<String> seen = new HashSet<>();
        int[] index = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            Integer idx = in.name == null ? null : featureIndex.get(in.name);
            if (idx == null) {
                throw BadRequest.of(
                        "unknown feature "
                                + in.label()
                                + ": the model has no such feature (see GET /v2/models/{name} for"
                                + " its inputs)");
            }
            if (!seen.add(in.name)) {
                throw BadRequest.of("feature " + in.label() + " is given twice");
            }
            if (n >= 0 && in.shape[0] != n) {
                throw BadRequest.of(
                        "feature "
                                + in.label()
                                + " has "
                                + in.shape[0]
                                + " rows but an earlier input has "
                                + n
                                + "; every input must have the same number of rows");
            }
            n = (int) in.shape[0];
            index[i] = idx;
        }
        if (n == 0) {
            throw BadRequest.of("the inputs have no rows");
        }
        Integer[] order = new Integer[inputs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> index[i]));
        int[] rowPtr = new int[n + 1];
        int[] cols = new int[n * order.length];
        float[] vals = new float[n * order.length];
        int k = 0;
        for (int r = 0; r < n; r++) {
            for (Integer i : order) {
                float v = inputs.get(i).data[r];
                if (v != 0f) {
                    cols[k] = index[i];
                    vals[k++] = v;
                }
            }
            rowPtr[r + 1] = k;
        }
        return new SparseMatrix(
                noEntities(n), rowPtr, Arrays.copyOf(cols, k), Arrays.copyOf(vals, k), numFeatures);
    }

    private static String[] noEntities(int n) {
        String[] e = new String[n];
        Arrays.fill(e, "");
        return e;
    }

    /** The outputs of a response to feature values: probability, class and prediction_id. */
    static List<Tensor> outputs(float[] probability, double threshold, String[] predictionIds) {
        int[] cls = new int[probability.length];
        for (int i = 0; i < cls.length; i++) {
            cls[i] = probability[i] >= threshold ? 1 : 0;
        }
        return List.of(
                Tensor.fp32("probability", probability),
                Tensor.int32("class", cls),
                Tensor.bytes("prediction_id", predictionIds));
    }

    /**
     * Writes an OIP v2 response: the JSON object, then the bytes of the outputs asked for in binary
     * form, in output order.
     *
     * @param tensors every output, in order; those not asked for are left out
     * @param parameters scalar values only (string, number, boolean)
     * @return the length of the JSON part when some output is binary (the value of {@value
     *     #HEADER_LENGTH}), else -1
     */
    static int writeResponse(
            ByteArrayOutputStream out,
            String model,
            String version,
            String id,
            List<Tensor> tensors,
            Outputs outputs,
            Map<String, Object> parameters)
            throws IOException {
        boolean anyBinary = false;
        ByteArrayOutputStream binary = null;
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", version);
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            for (Tensor t : tensors) {
                if (!outputs.wanted(t.name())) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("datatype", t.datatype());
                g.writeArrayFieldStart("shape");
                g.writeNumber(t.size());
                g.writeEndArray();
                if (outputs.binary(t.name())) {
                    if (binary == null) {
                        binary = new ByteArrayOutputStream(64 + t.size() * 8);
                    }
                    anyBinary = true;
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", t.writeBinary(binary));
                    g.writeEndObject();
                } else {
                    g.writeArrayFieldStart("data");
                    t.writeJsonData(g);
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (parameters != null && !parameters.isEmpty()) {
                g.writeObjectFieldStart("parameters");
                for (Map.Entry<String, Object> e : parameters.entrySet()) {
                    Object v = e.getValue();
                    if (v instanceof Boolean b) {
                        g.writeBooleanField(e.getKey(), b);
                    } else if (v instanceof Integer i) {
                        g.writeNumberField(e.getKey(), i);
                    } else if (v instanceof Long l) {
                        g.writeNumberField(e.getKey(), l);
                    } else if (v instanceof Number n) {
                        g.writeNumberField(e.getKey(), n.doubleValue());
                    } else {
                        g.writeStringField(e.getKey(), String.valueOf(v));
                    }
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        if (!anyBinary) {
            return -1;
        }
        int header = out.size();
        binary.writeTo(out);
        return header;
    }

    /** One entry of a feedback request. */
    record Feedback(String predictionId, int actual) {}

    /** Reads {@code {"feedback":[{"prediction_id":"…","actual":0|1}, …]}}. */
    static List<Feedback> readFeedback(InputStream body, int maxEntries) throws IOException {
        List<Feedback> out = null;
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the request body must be a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!field.equals("feedback")) {
                    p.skipChildren();
                    continue;
                }
                expect(t, JsonToken.START_ARRAY, "'feedback' must be an array");
                out = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    int i = out.size();
                    if (i >= maxEntries) {
                        throw BadRequest.of("'feedback' has more than " + maxEntries + " entries");
                    }
                    expect(t, JsonToken.START_OBJECT, "feedback[" + i + "] must be an object");
                    String pid = null;
                    Integer actual = null;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        switch (f) {
                            case "prediction_id" -> {
                                expect(
                                        v,
                                        JsonToken.VALUE_STRING,
                                        "feedback[" + i + "].prediction_id must be a string");
                                pid = p.getText();
                            }
                            case "actual" -> actual = actual(p, v, i);
                            default -> p.skipChildren();
                        }
                    }
                    if (pid == null) {
                        throw BadRequest.of("feedback[" + i + "] has no prediction_id");
                    }
                    if (actual == null) {
                        throw BadRequest.of("feedback[" + i + "] has no actual");
                    }
                    out.add(new Feedback(pid, actual));
                }
            }
        } catch (JsonProcessingException e) {
            throw BadRequest.of("malformed JSON: " + e.getOriginalMessage());
        }
        if (out == null) {
            throw BadRequest.of("'feedback' is missing");
        }
        return out;
    }

    private static int actual(JsonParser p, JsonToken v, int i) throws IOException {
        if (v == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (v == JsonToken.VALUE_FALSE) {
            return 0;
        }
        if (v == JsonToken.VALUE_NUMBER_INT && (p.getLongValue() == 0 || p.getLongValue() == 1)) {
            return p.getIntValue();
        }
        throw BadRequest.of("feedback[" + i + "].actual must be 0 or 1, found " + describe(p, v));
    }

    /**
     * Runs the request and response paths a few hundred times on synthetic requests, so the first
     * real requests after readiness do not pay for class loading and interpretation.
     */
    static void warmUp(Map<String, Integer> featureIndex, List<String> names) throws IOException {
        int n = names.size();
        StringBuilder dense =
                new StringBuilder("{\"id\":\"warm-up\",\"inputs\":[{\"name\":\"input\",");
        dense.append("\"shape\":[1,").append(n).append("],\"datatype\":\"FP32\",\"data\":[");
        for (int j = 0; j < n; j++) {
            dense.append(j == 0 ? "" : ",").append(j % 7 == 0 ? "1.5" : "0");
        }
        dense.append("]}]}");
        String named =
                "{\"inputs\":[{\"name\":"
                        + TaskJson.write(names.get(0))
                        + ",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]}]}";
        byte[][] bodies = {
            dense.toString().getBytes(StandardCharsets.UTF_8),
            named.getBytes(StandardCharsets.UTF_8)
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 500; i++) {
            byte[] body = bodies[i % 2];
            Request r = readInfer(body, body.length, featureIndex, n, Integer.MAX_VALUE);
            float[] p = new float[r.rows().rows()];
            String[] ids = new String[p.length];
            Arrays.fill(ids, "warm-up");
            out.reset();
            writeResponse(out, "warm-up", "0", r.id(), outputs(p, 0.5, ids), r.outputs(), null);
        }
    }

    /** User text echoed in an error message, kept short. */
    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    private static void expect(JsonToken actual, JsonToken expected, String message) {
        if (actual != expected) {
            throw BadRequest.of(message);
        }
    }

    private static String describe(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case VALUE_STRING -> "string \"" + abbreviate(p.getText()) + "\"";
            case VALUE_TRUE, VALUE_FALSE -> "boolean " + p.getText();
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> abbreviate(p.getText());
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
