package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class InferenceCodecTest {

    private static final Map<String, Integer> INDEX = Map.of("v/a", 0, "v/b", 1, "v/c", 2);

    private static InferRequest parse(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return FeatureRows.readInfer(body, body.length, INDEX, 3, 4);
    }

    private static String error(String json) {
        try {
            parse(json);
        } catch (BadRequest e) {
            assertThat(e.status()).isEqualTo(400);
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void denseRowsInFeatureOrderBecomeSparseRowsWithoutZeros() throws IOException {
        InferRequest r =
                parse(
                        "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,3],"
                                + "\"datatype\":\"FP32\",\"data\":[1,0,2.5,0,0,3]}]}");
        SparseMatrix m = r.rows();
        assertThat(r.id()).isEqualTo("r1");
        assertThat(m.rows()).isEqualTo(2);
        assertThat(m.numFeatures()).isEqualTo(3);
        assertThat(m.rowPtr()).containsExactly(0, 2, 3);
        assertThat(m.cols()).containsExactly(0, 2, 2);
        assertThat(m.values()).containsExactly(1f, 2.5f, 3f);
    }

    @Test
    void nestedDenseDataIsReadInRowMajorOrder() throws IOException {
        SparseMatrix m =
                parse(
                                "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3],"
                                        + "\"datatype\":\"FP32\",\"data\":[[0,1,0],[2,0,0]]}]}")
                        .rows();
        assertThat(m.denseRow(0)).containsExactly(0f, 1f, 0f);
        assertThat(m.denseRow(1)).containsExactly(2f, 0f, 0f);
    }

    @Test
    void namedFeaturesInAnyOrderFillTheirColumnsAndMissingOnesAreZero() throws IOException {
        SparseMatrix m =
                parse(
                                "{\"inputs\":["
                                        + "{\"name\":\"v/c\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[5,0]},"
                                        + "{\"name\":\"v/a\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":[1,7]}]}")
                        .rows();
        assertThat(m.denseRow(0)).containsExactly(1f, 0f, 5f);
        assertThat(m.denseRow(1)).containsExactly(7f, 0f, 0f);
        assertThat(m.cols()).containsExactly(0, 2, 0);
    }

    @Test
    void refusalsNameTheProblem() {
        assertThat(error("{\"inputs\":[")).startsWith("malformed JSON");
        assertThat(error("[1,2]")).contains("must be a JSON object");
        assertThat(error("{}")).contains("'inputs' is missing");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/zz\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"))
                .contains("unknown feature 'v/zz'");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[1]}]}"))
                .contains("datatype 'BYTES'");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"x\"]}]}"))
                .contains("only numbers")
                .contains("\"x\"");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}"))
                .contains("2 columns but the model has 3 features");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"))
                .contains("3 values but shape [2, 3] needs 6");
        assertThat(
                        error(
                                "{\"inputs\":["
                                        + "{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
                                        + "{\"name\":\"v/b\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]}]}"))
                .contains("every input must have the same number of rows");
        assertThat(
                        error(
                                "{\"inputs\":["
                                        + "{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
                                        + "{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}"))
                .contains("'v/a' is given twice");
        assertThat(error("{\"inputs\":[{\"name\":\"v/a\",\"datatype\":\"FP32\",\"data\":[1]}]}"))
                .contains("has no 'shape'");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1e60]}]}"))
                .contains("outside the FP32 range");
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/a\",\"shape\":[0],\"datatype\":\"FP32\",\"data\":[]}]}"))
                .contains("no rows");
    }

    @Test
    void requestedOutputsAreReadAndUnknownOnesRefused() throws IOException {
        String input =
                "\"inputs\":[{\"name\":\"v/a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]";
        assertThat(parse("{" + input + ",\"outputs\":[{\"name\":\"class\"}]}").outputs().names())
                .containsExactly("class");
        assertThat(parse("{" + input + "}").outputs().names()).isNull();
        assertThat(error("{" + input + ",\"outputs\":[{\"name\":\"score\"}]}"))
                .contains("unknown output 'score'");
    }

    @Test
    void moreRowsThanTheLimitAreRefused() {
        assertThat(
                        error(
                                "{\"inputs\":[{\"name\":\"v/a\",\"shape\":[5],\"datatype\":\"FP32\",\"data\":[1,1,1,1,1]}]}"))
                .contains("5 rows; the limit is 4 rows per request");
    }

    @Test
    void feedbackEntriesNeedAnIdAndABinaryOutcome() throws IOException {
        List<FeedbackEntry> f =
                FeedbackReader.readFeedback(
                        new ByteArrayInputStream(
                                ("{\"feedback\":[{\"prediction_id\":\"a\",\"actual\":1},"
                                                + "{\"prediction_id\":\"b\",\"actual\":false}]}")
                                        .getBytes(StandardCharsets.UTF_8)),
                        10);
        assertThat(f).containsExactly(new FeedbackEntry("a", 1), new FeedbackEntry("b", 0));
        assertThatThrownBy(
                        () ->
                                FeedbackReader.readFeedback(
                                        new ByteArrayInputStream(
                                                "{\"feedback\":[{\"prediction_id\":\"a\",\"actual\":2}]}"
                                                        .getBytes(StandardCharsets.UTF_8)),
                                        10))
                .hasMessageContaining("feedback[0].actual must be 0 or 1, found 2");
        assertThatThrownBy(
                        () ->
                                FeedbackReader.readFeedback(
                                        new ByteArrayInputStream(
                                                "{\"feedback\":[{\"actual\":1}]}"
                                                        .getBytes(StandardCharsets.UTF_8)),
                                        10))
                .hasMessageContaining("feedback[0] has no prediction_id");
    }
}
