package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.task.TaskJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of the Open Inference Protocol v2 REST API and its binary tensor data extension, written
 * from the protocol text and independent of the server's codec: a request is a JSON object whose
 * inputs declare {@code parameters.binary_data_size}, followed by the raw tensors (little-endian,
 * BOOL one byte, BYTES each element a 4-byte length then its bytes), with the JSON length in the
 * {@code Inference-Header-Content-Length} header; a response is split the same way.
 */
final class OipClient {

    static final String HEADER = "Inference-Header-Content-Length";

    private final String base;

    OipClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** One input tensor sent in binary form. */
    record Input(String name, String datatype, long[] shape, byte[] raw) {}

    /** A request body and the value of its header (-1: plain JSON). */
    record Body(byte[] bytes, int headerLength) {}

    /** A response: status, headers and the raw body. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        /** The JSON part of the body. */
        JsonNode json() {
            String h = header(HEADER);
            int n = h == null ? body.length : Integer.parseInt(h);
            try {
                return TaskJson.MAPPER.readTree(new String(body, 0, n, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8));
            }
        }

        /** The data of each binary output, by name, in the order the outputs list them. */
        Map<String, byte[]> binaryOutputs() {
            Map<String, byte[]> out = new LinkedHashMap<>();
            String h = header(HEADER);
            if (h == null) {
                return out;
            }
            int offset = Integer.parseInt(h);
            for (JsonNode o : json().get("outputs")) {
                JsonNode size = o.path("parameters").path("binary_data_size");
                if (size.isMissingNode()) {
                    continue;
                }
                byte[] data = new byte[size.asInt()];
                System.arraycopy(body, offset, data, 0, data.length);
                offset += data.length;
                out.put(o.get("name").asText(), data);
            }
            if (offset != body.length) {
                throw new AssertionError(
                        (body.length - offset) + " bytes after the last binary output");
            }
            return out;
        }
    }

    /**
     * A request with binary inputs; {@code binaryOutputs}: {@code parameters.binary_data_output}.
     */
    static Body request(String id, List<Input> inputs, boolean binaryOutputs) {
        ObjectNode root = TaskJson.MAPPER.createObjectNode();
        if (id != null) {
            root.put("id", id);
        }
        ArrayNode in = root.putArray("inputs");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (Input i : inputs) {
            ObjectNode t = in.addObject();
            t.put("name", i.name()).put("datatype", i.datatype());
            ArrayNode shape = t.putArray("shape");
            for (long d : i.shape()) {
                shape.add(d);
            }
            t.putObject("parameters").put("binary_data_size", i.raw().length);
            raw.writeBytes(i.raw());
        }
        if (binaryOutputs) {
            root.putObject("parameters").put("binary_data_output", true);
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(json);
        body.writeBytes(raw.toByteArray());
        return new Body(body.toByteArray(), json.length);
    }

    Response infer(String model, Body body) {
        return post("/v2/models/" + model + "/infer", body, Map.of());
    }

    Response post(String path, Body body, Map<String, String> headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.headerLength() >= 0) {
            b.header(HEADER, String.valueOf(body.headerLength()));
        }
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r =
                    Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] fp32(float[] v) {
        ByteBuffer b = le(4 * v.length);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] fp64(float[] v) {
        ByteBuffer b = le(8 * v.length);
        for (float x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    static byte[] int32(float[] v) {
        ByteBuffer b = le(4 * v.length);
        for (float x : v) {
            b.putInt((int) x);
        }
        return b.array();
    }

    static byte[] int64(float[] v) {
        ByteBuffer b = le(8 * v.length);
        for (float x : v) {
            b.putLong((long) x);
        }
        return b.array();
    }

    static byte[] bool(float[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) (v[i] != 0 ? 1 : 0);
        }
        return b;
    }

    static byte[] bytes(List<String> v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : v) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(le(4).putInt(u.length).array());
            out.writeBytes(u);
        }
        return out.toByteArray();
    }

    static float[] toFp32(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    static int[] toInt32(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[raw.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    static List<String> toStrings(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] s = new byte[b.getInt()];
            b.get(s);
            out.add(new String(s, StandardCharsets.UTF_8));
        }
        return out;
    }
}
