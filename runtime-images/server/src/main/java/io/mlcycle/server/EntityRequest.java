package io.mlcycle.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference request by entity id: one input named {@value #INPUT}, datatype BYTES, shape {@code
 * [n]}, whose rows are fetched from the online store; and its response, which reports the entities
 * the store does not know per row instead of failing the request.
 *
 * <p>Outputs never hold null: a missing entity's row has probability {@value #MISSING_PROBABILITY}
 * and class {@value #MISSING_CLASS} (values a scored row never has), an empty prediction_id and
 * {@code missing} true; the ids themselves are listed in the BYTES output {@code missing_entities}.
 *
 * @param id the request id (may be null)
 * @param entities the entity ids in request order
 * @param outputs the outputs asked for
 */
record EntityRequest(String id, List<String> entities, RequestedOutputs outputs) {

    static final String INPUT = "entity";

    /** Probability of the row of a missing entity. */
    static final float MISSING_PROBABILITY = -1f;

    /** Class of the row of a missing entity. */
    static final int MISSING_CLASS = -1;

    /** The outputs of a by-entity response, in order. */
    static final List<String> OUTPUTS =
            List.of("probability", "class", "prediction_id", "missing", "missing_entities");

    private static final byte[] MARKER = "\"entity\"".getBytes(StandardCharsets.UTF_8);

    /**
     * The by-entity request among the parsed tensors, or null when there is no input named {@value
     * #INPUT} (then it is a request with feature values).
     */
    static EntityRequest of(ParsedRequest parsed, int maxRows) {
        InferInput in = parsed.input(INPUT);
        if (in == null) {
            return null;
        }
        if (!"BYTES".equals(in.datatype)) {
            throw BadRequest.of("input 'entity' must have datatype BYTES (entity ids as strings)");
        }
        if (!in.sawData) {
            throw BadRequest.of("input 'entity' has no 'data'");
        }
        if (in.size > 0) {
            throw BadRequest.of("'data' of input 'entity' must hold entity ids (strings)");
        }
        List<String> ids = in.strings == null ? List.of() : in.strings;
        if (parsed.inputs().size() != 1) {
            throw BadRequest.of(
                    "input 'entity' must be the only input: features come from the online store");
        }
        if (ids.size() > maxRows) {
            throw BadRequest.of(
                    "more than " + maxRows + " entities in one request (maxRowsPerRequest)");
        }
        if (in.shape == null || in.shape.length != 1 || in.shape[0] != ids.size()) {
            throw BadRequest.of(
                    "input 'entity' must have shape ["
                            + ids.size()
                            + "] for its "
                            + ids.size()
                            + " ids");
        }
        if (ids.isEmpty()) {
            throw BadRequest.of("input 'entity' holds no ids");
        }
        parsed.outputs().check(OUTPUTS, "outputs by entity are");
        return new EntityRequest(parsed.id(), ids, parsed.outputs());
    }

    /** Whether a body names an {@code entity} input at all (cheap, before any parsing). */
    static boolean mentionsEntity(byte[] body) {
        outer:
        for (int i = 0; i + MARKER.length <= body.length; i++) {
            for (int k = 0; k < MARKER.length; k++) {
                if (body[i + k] != MARKER[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * The response tensors: probability FP32 and class INT32 (the sentinels for a missing entity),
     * prediction_id BYTES ("" for a missing entity), missing BOOL, missing_entities BYTES.
     *
     * @param probability per row; ignored where {@code missing[i]}
     */
    List<Tensor> outputs(
            float[] probability, boolean[] missing, double threshold, String[] predictionIds) {
        int n = missing.length;
        float[] p = new float[n];
        int[] cls = new int[n];
        List<String> absent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (missing[i]) {
                p[i] = MISSING_PROBABILITY;
                cls[i] = MISSING_CLASS;
                absent.add(entities.get(i));
            } else {
                p[i] = probability[i];
                cls[i] = probability[i] >= threshold ? 1 : 0;
            }
        }
        return List.of(
                Tensor.fp32("probability", p),
                Tensor.int32("class", cls),
                Tensor.bytes("prediction_id", predictionIds),
                Tensor.bool("missing", missing),
                Tensor.bytes("missing_entities", absent.toArray(String[]::new)));
    }

    /**
     * Response parameters, scalars only: {@code missing_count}, and {@code online_as_of.<view>} for
     * the version read from each FeatureView.
     */
    static Map<String, Object> parameters(int missingCount, Map<String, String> asOf) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("missing_count", missingCount);
        asOf.forEach((view, v) -> params.put("online_as_of." + view, v));
        return params;
    }
}
