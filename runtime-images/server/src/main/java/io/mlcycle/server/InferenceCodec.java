package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.task.TaskJson;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
                    "UINT32", "UINT64");

    private InferenceCodec() {}

    /**
     * A parsed inference request: the request id (may be null), the rows in CSR form and the
     * outputs asked for (null: all).
     */
    record Request(String id, SparseMatrix rows, Set<String> outputs) {}

    /** The outputs of every response, in order. */
    static final List<String> OUTPUTS = List.of("probability", "class", "prediction_id");

    /** One tensor of the request, as sent. */
    private static final class Input {
        String name;
        long[] shape;
        String datatype;
        float[] data = new float[16];
        int size;
        boolean sawData;

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

        String label() {
            return name == null ? "(unnamed)" : "'" + abbreviate(name) + "'";
        }
    }

    /**
     * Reads a request: either one rank-2 tensor {@code [n, F]} in feature order, or rank-1 tensors
     * {@code [n]} named after features (features left out are 0).
     */
    static Request readInfer(
            InputStream body, Map<String, Integer> featureIndex, int numFeatures, int maxRows)
            throws IOException {
        String id = null;
        Set<String> outputs = null;
        List<Input> inputs = null;
        try (JsonParser p = JSON.createParser(body)) {
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
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw BadRequest.of("unexpected content after the request object");
            }
        } catch (JsonProcessingException e) {
            throw BadRequest.of("malformed JSON: " + e.getOriginalMessage());
        }
        if (inputs == null || inputs.isEmpty()) {
            throw BadRequest.of("'inputs' is missing or empty");
        }
        SparseMatrix rows = toRows(inputs, featureIndex, numFeatures, maxRows);
        return new Request(id, rows, outputs);
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
                    default -> p.skipChildren();
                }
            }
            inputs.add(in);
        }
        return inputs;
    }

    /** {@code "outputs":[{"name":"probability"}, …]}: which outputs to return. */
    private static Set<String> readOutputs(JsonParser p, JsonToken t) throws IOException {
        expect(t, JsonToken.START_ARRAY, "'outputs' must be an array of {\"name\": …} objects");
        Set<String> names = new HashSet<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(t, JsonToken.START_OBJECT, "each element of 'outputs' must be an object");
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("name")) {
                    expect(v, JsonToken.VALUE_STRING, "output 'name' must be a string");
                    name = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (name == null || !OUTPUTS.contains(name)) {
                throw BadRequest.of(
                        "unknown output "
                                + (name == null ? "(unnamed)" : "'" + abbreviate(name) + "'")
                                + "; the outputs are "
                                + OUTPUTS);
            }
            names.add(name);
        }
        return names;
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
                            + "'; features are numeric: use FP32");
        }
    }

    private static void readData(JsonParser p, JsonToken t, Input in) throws IOException {
        if (in.datatype != null) {
            checkDatatype(in);
        }
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of("'data' of input " + in.label() + " must be an array of numbers");
        }
        int depth = 1;
        while (depth > 0) {
            t = p.nextToken();
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
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
            } else if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else {
                throw BadRequest.of(
                        "'data' of input "
                                + in.label()
                                + " must hold only numbers, found "
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

    /**
     * Writes the OIP v2 response: probability FP32, class INT32 and prediction_id BYTES (those in
     * {@code outputs}, or all when it is null).
     */
    static void writeInfer(
            OutputStream out,
            String model,
            String version,
            String id,
            float[] probability,
            double threshold,
            String[] predictionIds,
            Set<String> outputs)
            throws IOException {
        int n = probability.length;
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", version);
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            if (outputs == null || outputs.contains("probability")) {
                tensorStart(g, "probability", "FP32", n);
                for (float v : probability) {
                    g.writeNumber(v);
                }
                tensorEnd(g);
            }
            if (outputs == null || outputs.contains("class")) {
                tensorStart(g, "class", "INT32", n);
                for (float v : probability) {
                    g.writeNumber(v >= threshold ? 1 : 0);
                }
                tensorEnd(g);
            }
            if (outputs == null || outputs.contains("prediction_id")) {
                tensorStart(g, "prediction_id", "BYTES", n);
                for (String s : predictionIds) {
                    g.writeString(s);
                }
                tensorEnd(g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /** Opens an output tensor of shape [n] up to its data array. */
    static void tensorStart(JsonGenerator g, String name, String datatype, int n)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        g.writeNumber(n);
        g.writeEndArray();
        g.writeArrayFieldStart("data");
    }

    /** Closes what {@link #tensorStart} opened. */
    static void tensorEnd(JsonGenerator g) throws IOException {
        g.writeEndArray();
        g.writeEndObject();
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
            Request r =
                    readInfer(
                            new ByteArrayInputStream(bodies[i % 2]),
                            featureIndex,
                            n,
                            Integer.MAX_VALUE);
            float[] p = new float[r.rows().rows()];
            String[] ids = new String[p.length];
            Arrays.fill(ids, "warm-up");
            out.reset();
            writeInfer(out, "warm-up", "0", r.id(), p, 0.5, ids, null);
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
