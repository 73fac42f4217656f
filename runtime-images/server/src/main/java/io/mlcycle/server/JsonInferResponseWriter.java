package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import static io.mlcycle.server.InferenceCodec.JSON;

/** Writes Open Inference Protocol v2 responses: JSON, then the outputs asked for in binary form. */
final class JsonInferResponseWriter {

    private JsonInferResponseWriter() {}

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
            RequestedOutputs outputs,
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
}
