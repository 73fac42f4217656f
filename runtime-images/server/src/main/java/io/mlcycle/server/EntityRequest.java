package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An inference request by entity id: one input named {@value #INPUT}, datatype BYTES, shape {@code
 * [n]}, whose rows are fetched from the online store; and its response, which reports the entities
 * the store does not know per row instead of failing the request.
 *
 * @param id the request id (may be null)
 * @param entities the entity ids in request order
 * @param outputs the outputs asked for (null: all)
 */
record EntityRequest(String id, List<String> entities, Set<String> outputs) {

    static final String INPUT = "entity";

    /** The outputs of a by-entity response, in order. */
    static final List<String> OUTPUTS = List.of("probability", "class", "prediction_id", "missing");

    private static final byte[] MARKER = "\"entity\"".getBytes(StandardCharsets.UTF_8);

    /**
     * The by-entity request in {@code body}, or null when it has no input named {@value #INPUT}
     * (then it is a request with feature values).
     */
    static EntityRequest read(byte[] body, int maxRows) throws IOException {
        if (!contains(body, MARKER)) {
            return null;
        }
        String id = null;
        Set<String> outputs = null;
        List<String> entities = null;
        int inputs = 0;
        long[] shape = null;
        try (JsonParser p = InferenceCodec.JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> id = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "outputs" -> outputs = readOutputs(p, t);
                    case "inputs" -> {
                        if (t != JsonToken.START_ARRAY) {
                            return null;
                        }
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            if (t != JsonToken.START_OBJECT) {
                                return null;
                            }
                            inputs++;
                            String name = null;
                            String datatype = null;
                            List<String> data = null;
                            long[] sh = null;
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                JsonToken v = p.nextToken();
                                switch (f) {
                                    case "name" -> name = p.getValueAsString();
                                    case "datatype" -> datatype = p.getValueAsString();
                                    case "shape" -> sh = readShape(p, v);
                                    case "data" -> data = readIds(p, v, maxRows);
                                    default -> p.skipChildren();
                                }
                            }
                            if (INPUT.equals(name)) {
                                if (!"BYTES".equals(datatype)) {
                                    throw BadRequest.of(
                                            "input 'entity' must have datatype BYTES (entity ids"
                                                    + " as strings)");
                                }
                                if (data == null) {
                                    throw BadRequest.of("input 'entity' has no 'data'");
                                }
                                entities = data;
                                shape = sh;
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            // malformed: the feature-value codec reports it
            return null;
        }
        if (entities == null) {
            return null;
        }
        if (inputs != 1) {
            throw BadRequest.of(
                    "input 'entity' must be the only input: features come from the online store");
        }
        if (shape == null || shape.length != 1 || shape[0] != entities.size()) {
            throw BadRequest.of(
                    "input 'entity' must have shape ["
                            + entities.size()
                            + "] for its "
                            + entities.size()
                            + " ids");
        }
        if (entities.isEmpty()) {
            throw BadRequest.of("input 'entity' holds no ids");
        }
        return new EntityRequest(id, entities, outputs);
    }

    private static long[] readShape(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of("'shape' of input 'entity' must be an array");
        }
        List<Long> dims = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || dims.size() == 4) {
                throw BadRequest.of("'shape' of input 'entity' must hold integers");
            }
            dims.add(p.getLongValue());
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static List<String> readIds(JsonParser p, JsonToken t, int maxRows) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of("'data' of input 'entity' must be an array of strings");
        }
        List<String> ids = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT) {
                throw BadRequest.of(
                        "'data' of input 'entity' must hold entity ids (strings), found " + t);
            }
            if (ids.size() == maxRows) {
                throw BadRequest.of(
                        "more than " + maxRows + " entities in one request (maxRowsPerRequest)");
            }
            ids.add(p.getText());
        }
        return ids;
    }

    private static Set<String> readOutputs(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw BadRequest.of("'outputs' must be an array of {\"name\": …} objects");
        }
        Set<String> names = new HashSet<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                throw BadRequest.of("each element of 'outputs' must be an object");
            }
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("name")) {
                    name = p.getValueAsString();
                } else {
                    p.skipChildren();
                }
            }
            if (name == null || !OUTPUTS.contains(name)) {
                throw BadRequest.of(
                        "unknown output "
                                + (name == null
                                        ? "(unnamed)"
                                        : "'" + InferenceCodec.abbreviate(name) + "'")
                                + "; the outputs by entity are "
                                + OUTPUTS);
            }
            names.add(name);
        }
        return names;
    }

    /** Whether a body names an {@code entity} input at all (cheap, before any parsing). */
    static boolean mentionsEntity(byte[] body) {
        return contains(body, MARKER);
    }

    private static boolean contains(byte[] body, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= body.length; i++) {
            for (int k = 0; k < marker.length; k++) {
                if (body[i + k] != marker[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Writes the response: probability FP32 and class INT32 (null for a missing entity),
     * prediction_id BYTES ("" for a missing entity), missing BOOL; {@code parameters} names the
     * missing entities and the as-of read from each FeatureView.
     *
     * @param probability per row; ignored where {@code missing[i]}
     */
    static void write(
            OutputStream out,
            String model,
            String version,
            EntityRequest req,
            float[] probability,
            boolean[] missing,
            double threshold,
            String[] predictionIds,
            Map<String, String> asOf)
            throws IOException {
        int n = missing.length;
        Set<String> outputs = req.outputs();
        try (JsonGenerator g = InferenceCodec.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", version);
            if (req.id() != null) {
                g.writeStringField("id", req.id());
            }
            g.writeArrayFieldStart("outputs");
            if (outputs == null || outputs.contains("probability")) {
                InferenceCodec.tensorStart(g, "probability", "FP32", n);
                for (int i = 0; i < n; i++) {
                    if (missing[i]) {
                        g.writeNull();
                    } else {
                        g.writeNumber(probability[i]);
                    }
                }
                InferenceCodec.tensorEnd(g);
            }
            if (outputs == null || outputs.contains("class")) {
                InferenceCodec.tensorStart(g, "class", "INT32", n);
                for (int i = 0; i < n; i++) {
                    if (missing[i]) {
                        g.writeNull();
                    } else {
                        g.writeNumber(probability[i] >= threshold ? 1 : 0);
                    }
                }
                InferenceCodec.tensorEnd(g);
            }
            if (outputs == null || outputs.contains("prediction_id")) {
                InferenceCodec.tensorStart(g, "prediction_id", "BYTES", n);
                for (String s : predictionIds) {
                    g.writeString(s);
                }
                InferenceCodec.tensorEnd(g);
            }
            if (outputs == null || outputs.contains("missing")) {
                InferenceCodec.tensorStart(g, "missing", "BOOL", n);
                for (boolean b : missing) {
                    g.writeBoolean(b);
                }
                InferenceCodec.tensorEnd(g);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("parameters");
            g.writeArrayFieldStart("missing_entities");
            for (int i = 0; i < n; i++) {
                if (missing[i]) {
                    g.writeString(req.entities().get(i));
                }
            }
            g.writeEndArray();
            g.writeObjectFieldStart("online_as_of");
            for (Map.Entry<String, String> e : asOf.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        }
    }
}
