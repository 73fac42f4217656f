package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static io.mlcycle.server.InferenceCodec.JSON;
import static io.mlcycle.server.InferenceCodec.describe;
import static io.mlcycle.server.InferenceCodec.expect;

/**
 * Reads a feedback request: {@code {"feedback":[{"prediction_id":"…","actual":0|1}, …]}}; a
 * champion's forwarded feedback also carries {@code "champion_predicted":0|1}.
 */
final class FeedbackReader {

    private FeedbackReader() {}

    /** Reads {@code {"feedback":[{"prediction_id":"…","actual":0|1}, …]}}. */
    static List<FeedbackEntry> readFeedback(InputStream body, int maxEntries) throws IOException {
        List<FeedbackEntry> out = null;
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
                    int championPredicted = -1;
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
                            case "champion_predicted" -> championPredicted = actual(p, v, i);
                            default -> p.skipChildren();
                        }
                    }
                    if (pid == null) {
                        throw BadRequest.of("feedback[" + i + "] has no prediction_id");
                    }
                    if (actual == null) {
                        throw BadRequest.of("feedback[" + i + "] has no actual");
                    }
                    out.add(new FeedbackEntry(pid, actual, championPredicted));
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
}
