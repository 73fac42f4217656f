package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What {@code GET /v2/models/{name}} and gRPC {@code ModelMetadata} say about the model. */
final class ModelMetadata {

    private final InferenceServer.Config config;
    private final ModelSlot slot;

    /** Whether rows may be read by entity id (online features). */
    private final boolean online;

    ModelMetadata(InferenceServer.Config config, ModelSlot slot, boolean online) {
        this.config = config;
        this.slot = slot;
        this.online = online;
    }

    /** A metadata response: JSON, and whether the model is loaded (200) or not (503). */
    record Document(boolean ready, byte[] json) {}

    /** The model metadata response: 200 with inputs and outputs once loaded, else 503. */
    Document document() throws IOException {
        ModelSlot.Loaded m = slot.loaded();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = InferenceCodec.JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("name", config.model());
            g.writeArrayFieldStart("versions");
            g.writeString(String.valueOf(config.version()));
            g.writeEndArray();
            g.writeStringField("platform", PLATFORM);
            g.writeStringField("state", slot.state().name());
            if (slot.error() != null) {
                g.writeStringField("error", slot.error());
            } else if (m == null) {
                g.writeStringField("error", "model '" + config.model() + "' is still loading");
            }
            if (m != null) {
                g.writeArrayFieldStart("inputs");
                for (TensorMetadata t : inputs(m)) {
                    t.write(g);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("outputs");
                for (TensorMetadata t : outputs()) {
                    t.write(g);
                }
                g.writeEndArray();
                g.writeObjectFieldStart("parameters");
                g.writeNumberField("threshold", m.model().threshold());
                g.writeNumberField("features", m.numFeatures());
                g.writeStringField(
                        "dense_input",
                        "one FP32 tensor of shape [n, "
                                + m.numFeatures()
                                + "] in input order (any name; '"
                                + DENSE_INPUT
                                + "' above), or instead one [n] tensor per feature name (features"
                                + " left out are 0)");
                g.writeNumberField("max_rows_per_request", config.maxRowsPerRequest());
                if (online) {
                    g.writeStringField(
                            "entity_input",
                            "'entity' BYTES [n] alone: rows are read from the online store");
                    g.writeNumberField(
                            "missing_entity_probability", EntityRequest.MISSING_PROBABILITY);
                    g.writeNumberField("missing_entity_class", EntityRequest.MISSING_CLASS);
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return new Document(m != null, buf.toByteArray());
    }

    static final String PLATFORM = "mlcycle_djl";

    /** The name under which metadata lists the dense {@code [-1, F]} input. */
    static final String DENSE_INPUT = "input";

    /** An input or output as metadata lists it; -1 for a dimension of any size. */
    record TensorMetadata(String name, String datatype, long... shape) {
        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("datatype", datatype);
            g.writeArrayFieldStart("shape");
            for (long d : shape) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /**
     * The inputs: the dense {@code [-1, F]} tensor, each feature as {@code [-1]}, and {@code
     * entity} with online features.
     */
    List<TensorMetadata> inputs(ModelSlot.Loaded m) {
        List<TensorMetadata> in = new ArrayList<>();
        in.add(new TensorMetadata(DENSE_INPUT, "FP32", -1, m.numFeatures()));
        for (String f : m.model().featureNames()) {
            in.add(new TensorMetadata(f, "FP32", -1));
        }
        if (online) {
            in.add(new TensorMetadata(EntityRequest.INPUT, "BYTES", -1));
        }
        return in;
    }

    List<TensorMetadata> outputs() {
        List<TensorMetadata> out = new ArrayList<>();
        out.add(new TensorMetadata("probability", "FP32", -1));
        out.add(new TensorMetadata("class", "INT32", -1));
        out.add(new TensorMetadata("prediction_id", "BYTES", -1));
        if (online) {
            out.add(new TensorMetadata("missing", "BOOL", -1));
            out.add(new TensorMetadata("missing_entities", "BYTES", -1));
        }
        return out;
    }
}
