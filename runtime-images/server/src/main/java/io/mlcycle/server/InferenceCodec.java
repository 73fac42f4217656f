package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.List;

/**
 * What the Open Inference Protocol readers and writers share: the JSON factory, the binary header,
 * the outputs of every response, and how user text appears in error messages.
 */
final class InferenceCodec {

    static final JsonFactory JSON =
            JsonFactory.builder()
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .build()
                    .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);

    private InferenceCodec() {}

    /** The outputs of every response, in order. */
    static final List<String> OUTPUTS = List.of("probability", "class", "prediction_id");

    /** The header giving the length of the JSON part of a body with binary tensors. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** User text echoed in an error message, kept short. */
    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    static void expect(JsonToken actual, JsonToken expected, String message) {
        if (actual != expected) {
            throw BadRequest.of(message);
        }
    }

    static String describe(JsonParser p, JsonToken t) throws IOException {
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
