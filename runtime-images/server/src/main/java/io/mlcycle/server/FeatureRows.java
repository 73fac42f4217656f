package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.mlcycle.server.InferenceCodec.OUTPUTS;

/**
 * Turns parsed tensors into rows of features: one dense {@code [n, F]} tensor, or one {@code [n]}
 * tensor per feature name. Every refusal names the input and the shape at fault.
 */
final class FeatureRows {

    private FeatureRows() {}

    /**
     * Reads a request: either one rank-2 tensor {@code [n, F]} in feature order, or rank-1 tensors
     * {@code [n]} named after features (features left out are 0).
     */
    static InferRequest readInfer(
            byte[] body,
            int headerLength,
            Map<String, Integer> featureIndex,
            int numFeatures,
            int maxRows)
            throws IOException {
        return rows(
                JsonInferRequestReader.parse(body, headerLength),
                featureIndex,
                numFeatures,
                maxRows);
    }

    /** Turns the parsed tensors into rows of features. */
    static InferRequest rows(
            ParsedRequest parsed, Map<String, Integer> featureIndex, int numFeatures, int maxRows) {
        parsed.outputs().check(OUTPUTS, "outputs are");
        if (parsed.inputs().isEmpty()) {
            throw BadRequest.of("'inputs' is missing or empty");
        }
        SparseMatrix rows = toRows(parsed.inputs(), featureIndex, numFeatures, maxRows);
        return new InferRequest(parsed.id(), rows, parsed.outputs());
    }

    private static SparseMatrix toRows(
            List<InferInput> inputs,
            Map<String, Integer> featureIndex,
            int numFeatures,
            int maxRows) {
        for (InferInput in : inputs) {
            if (in.shape == null) {
                throw BadRequest.of("input " + in.label() + " has no 'shape'");
            }
            if (in.datatype == null) {
                throw BadRequest.of("input " + in.label() + " has no 'datatype'");
            }
            InferInput.checkDatatype(in);
            if (!in.sawData) {
                throw BadRequest.of("input " + in.label() + " has no 'data'");
            }
            if (in.strings != null || (in.sawBoolean && !in.datatype.equals("BOOL"))) {
                throw BadRequest.of("'data' of input " + in.label() + " must hold only numbers");
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
    private static SparseMatrix denseRows(InferInput in, int numFeatures) {
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
            List<InferInput> inputs, Map<String, Integer> featureIndex, int numFeatures) {
        int n = -1;
        Set<String> seen = new HashSet<>();
        int[] index = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            InferInput in = inputs.get(i);
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
}
