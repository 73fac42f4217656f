package io.mlcycle.server;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class DataArrayReaderTest {

    private static final List<String> NUMBERS =
            List.of(
                    "0",
                    "-0",
                    "7",
                    "-7",
                    "123456789",
                    "-123456789",
                    "1234567890",
                    "2147483648",
                    "-2147483649",
                    "16777217",
                    "99999999999999999999",
                    "0.5",
                    "-0.0",
                    "0.0",
                    "1e-7",
                    "1E-7",
                    "1e+5",
                    "1e5",
                    "-2.5E3",
                    "1.5e-0",
                    "3.4028235e38",
                    "1.17549435E-38",
                    "1.4e-45",
                    "1e-50",
                    "0.30000001192092896",
                    "0.1000000000000000055511151231257827",
                    "123456789012345678901234567890.5",
                    "1." + "0".repeat(70) + "25",
                    "0." + "3".repeat(80));

    private static final List<String> MALFORMED =
            List.of(
                    "+1",
                    "01",
                    "-01",
                    "00",
                    "1.",
                    ".5",
                    "1e",
                    "1.5e+",
                    "NaN",
                    "Infinity",
                    "-Infinity",
                    "1e60",
                    "-3.5e39",
                    "1x",
                    "1 2",
                    "1,",
                    ",1",
                    "1,,2",
                    "--1",
                    "-",
                    "1.5.5",
                    "0x10",
                    "1e5e5",
                    "[1",
                    "1]]",
                    "null",
                    "\"1\"");

    /** What a parse gives: every value's float bits and flags, or the error message. */
    private static String outcome(String data, boolean fast) {
        String json =
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":["
                        + data
                        + "],\"shape\":[1]}],\"id\":\"x\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try {
            ParsedRequest r = JsonInferRequestReader.parse(body, body.length, fast);
            InferInput in = r.inputs().get(0);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < in.size; i++) {
                values.add(Integer.toHexString(Float.floatToRawIntBits(in.data[i])));
            }
            return "values " + values + " boolean " + in.sawBoolean + " id " + r.id();
        } catch (BadRequest e) {
            return "error " + e.status() + " " + e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static float[] values(String data) {
        byte[] body =
                ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":["
                                + data
                                + "]}]}")
                        .getBytes(StandardCharsets.UTF_8);
        try {
            InferInput in = JsonInferRequestReader.parse(body, body.length).inputs().get(0);
            return java.util.Arrays.copyOf(in.data, in.size);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void numbersInEveryJsonFormAreReadAsJacksonReadsThemBitForBit() {
        for (String n : NUMBERS) {
            assertThat(outcome(n, true)).as(n).isEqualTo(outcome(n, false)).startsWith("values");
        }
        String all = String.join(",", NUMBERS);
        assertThat(outcome(all, true)).isEqualTo(outcome(all, false));
        String nested = " [ [1, -2.5e1 ] ,\n\t[ ], [[3]] ] ";
        assertThat(outcome(nested, true)).isEqualTo(outcome(nested, false));
        assertThat(values(nested)).containsExactly(1f, -25f, 3f);
    }

    @Test
    void valuesAreTheFloatsTheTextNames() {
        assertThat(Float.floatToRawIntBits(values("-0.0")[0]))
                .isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(Float.floatToRawIntBits(values("-0")[0])).isEqualTo(0);
        assertThat(values("1e-7,16777217,-123456789,0.1,3.4028235e38,1e-50"))
                .containsExactly(1e-7f, 16777216f, -123456792f, 0.1f, Float.MAX_VALUE, 0f);
    }

    @Test
    void malformedOrUnreadableElementsGetJacksonsAnswer() {
        for (String n : MALFORMED) {
            assertThat(outcome(n, true)).as(n).isEqualTo(outcome(n, false)).startsWith("error 400");
        }
        assertThat(outcome("1,+1", true)).contains("malformed JSON");
        assertThat(outcome("1,1e60", true)).contains("1e60").contains("outside the FP32 range");
        assertThat(outcome("1,\"x\"", true)).contains("must hold only numbers").contains("\"x\"");
    }

    @Test
    void theCommonFormsAreReadFromTheBytesAndTheRestLeftToJackson() {
        String common = "0, -0,7,-7,123456789,0.5,-0.0,1e-7,1E-7,1e+5,-2.5E3,[1,[2]],[]";
        byte[] b = ("[" + common + "] ").getBytes(StandardCharsets.US_ASCII);
        InferInput in = new InferInput();
        assertThat(DataArrayReader.scan(b, 1, b.length, in)).isEqualTo(b.length - 2);
        assertThat(in.size).isEqualTo(13);
        for (String n : MALFORMED) {
            if (n.endsWith("]")) {
                continue; // the array itself is well formed: what follows it is Jackson's to refuse
            }
            byte[] m = ("[1," + n + "]").getBytes(StandardCharsets.US_ASCII);
            InferInput none = new InferInput();
            assertThat(DataArrayReader.scan(m, 1, m.length, none)).as(n).isEqualTo(-1);
            assertThat(none.size).as(n).isZero();
        }
    }

    @Test
    void booleansStillCountAsBooleans() {
        String data = "true,false,1";
        assertThat(outcome(data, true))
                .isEqualTo(outcome(data, false))
                .isEqualTo("values [3f800000, 0, 3f800000] boolean true id x");
    }

    @Test
    void theBodyStaysAsReceivedAndTheFieldsAfterTheDataAreRead() throws IOException {
        String json =
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":[[1,0,2],\n"
                        + "[0,0,3]],\"shape\":[2,3]}],\"outputs\":[{\"name\":\"class\"}],\"id\":\"r\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ParsedRequest r = JsonInferRequestReader.parse(body, body.length);
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(r.id()).isEqualTo("r");
        assertThat(r.outputs().names()).containsExactly("class");
        InferInput in = r.inputs().get(0);
        assertThat(in.shape).containsExactly(2, 3);
        assertThat(java.util.Arrays.copyOf(in.data, in.size))
                .containsExactly(1f, 0f, 2f, 0f, 0f, 3f);
    }
}
