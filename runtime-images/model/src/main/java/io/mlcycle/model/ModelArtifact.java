package io.mlcycle.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TaskJson;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved model version ({@code model.json} + DJL parameters, or XGBoost's JSON model for {@code
 * xgboost}) ready to score. Scoring runs on plain Java arrays copied out of the parameters at load
 * time: it is safe from any number of threads and needs no per-call set-up.
 */
public final class ModelArtifact implements AutoCloseable {

    private final ModelSpec spec;
    private final Net net;
    private final Trees trees;
    private final List<ModelArtifact> members;
    private final double[] weights;
    private final Map<String, Integer> index;

    private ModelArtifact(ModelSpec spec, Net net) {
        this(spec, net, null, null, null);
    }

    private ModelArtifact(
            ModelSpec spec, Net net, Trees trees, List<ModelArtifact> members, double[] weights) {
        this.spec = spec;
        this.net = net;
        this.trees = trees;
        this.members = members;
        this.weights = weights;
        this.index = new HashMap<>(spec.features().size() * 2);
        for (int i = 0; i < spec.features().size(); i++) {
            index.put(spec.features().get(i).name(), i);
        }
    }

    /** Loads {@code dir/model.json} and its parameters; a TaskFailure names the file at fault. */
    public static ModelArtifact load(Path dir) {
        Path json = dir.resolve(ModelSpec.FILE);
        if (!Files.isRegularFile(json)) {
            throw TaskFailure.invalid("MissingModelFile", "no " + ModelSpec.FILE + " in " + dir);
        }
        ModelSpec spec;
        InputScaling scaling;
        try {
            spec = TaskJson.MAPPER.readValue(json.toFile(), ModelSpec.class);
        } catch (IOException e) {
            throw TaskFailure.invalid(
                    "CorruptModelFile", json + " is not a model spec: " + e.getMessage());
        }
        try {
            scaling = validate(spec);
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("CorruptModelFile", json + ": " + e.getMessage());
        }
        Path params =
                dir.resolve(spec.parameters() == null ? ModelSpec.PARAMETERS : spec.parameters());
        if (!Files.isRegularFile(params)) {
            throw TaskFailure.invalid("MissingModelFile", "no parameters file " + params);
        }
        Algorithm algorithm = Algorithm.parse(spec.algorithm());
        if (algorithm == Algorithm.ENSEMBLE) {
            return Ensemble.load(dir, spec);
        }
        if (algorithm == Algorithm.XGBOOST) {
            try {
                return new ModelArtifact(
                        spec,
                        null,
                        Trees.parse(Files.readAllBytes(params), spec.features().size()),
                        null,
                        null);
            } catch (IOException | IllegalArgumentException e) {
                throw TaskFailure.invalid(
                        "CorruptModelFile",
                        params + " is not this model's XGBoost JSON: " + e.getMessage());
            }
        }
        Map<String, float[]> arrays;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(params))) {
            arrays = readParameters(algorithm, spec.architecture(), in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw TaskFailure.invalid(
                    "CorruptModelFile",
                    params + " does not hold this model's parameters: " + e.getMessage());
        }
        try {
            return new ModelArtifact(
                    spec, new Net(algorithm, spec.architecture(), arrays, scaling));
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid("CorruptModelFile", params + ": " + e.getMessage());
        }
    }

    /** Builds a scorer from a trained block without a round trip through the disk. */
    public static ModelArtifact of(ModelSpec spec, TabularNet block) {
        InputScaling scaling = validate(spec);
        return new ModelArtifact(
                spec,
                new Net(block.algorithm(), spec.architecture(), block.parameterArrays(), scaling));
    }

    /** Builds a scorer from trained trees without a round trip through the disk. */
    public static ModelArtifact of(ModelSpec spec, Trees trees) {
        validate(spec);
        return new ModelArtifact(spec, null, trees, null, null);
    }

    /**
     * An ensemble: the weighted mean of {@code members}' probabilities. Every member must have the
     * ensemble's features in the same order; the weights are non-negative and sum to one.
     */
    public static ModelArtifact of(ModelSpec spec, List<ModelArtifact> members, double[] weights) {
        validate(spec);
        if (members.isEmpty() || members.size() != weights.length) {
            throw new IllegalArgumentException(
                    members.size() + " members and " + weights.length + " weights");
        }
        double sum = 0;
        for (int k = 0; k < weights.length; k++) {
            ModelArtifact m = members.get(k);
            if (m.members != null || !m.featureNames().equals(spec.featureNames())) {
                throw new IllegalArgumentException(
                        "member "
                                + k
                                + " ("
                                + m.spec.algorithm()
                                + ") is an ensemble or has other features than the ensemble");
            }
            if (!(weights[k] >= 0) || !Double.isFinite(weights[k])) {
                throw new IllegalArgumentException("weight " + k + " is " + weights[k]);
            }
            sum += weights[k];
        }
        if (Math.abs(sum - 1) > Ensemble.SUM_TOLERANCE) {
            throw new IllegalArgumentException("the weights sum to " + sum + ", not 1");
        }
        return new ModelArtifact(spec, null, null, List.copyOf(members), weights.clone());
    }

    /**
     * Writes {@code model.json} and XGBoost's JSON model (the parameters file) into {@code dir}.
     */
    public static void write(Path dir, ModelSpec spec, Trees trees) throws IOException {
        Files.createDirectories(dir);
        String name = spec.parameters() == null ? ModelSpec.PARAMETERS : spec.parameters();
        Files.write(dir.resolve(name), trees.json());
        TaskJson.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve(ModelSpec.FILE).toFile(), spec);
    }

    /** Builds a scorer from parameter arrays by {@link TabularNet} name. */
    public static ModelArtifact of(ModelSpec spec, Map<String, float[]> params) {
        InputScaling scaling = validate(spec);
        return new ModelArtifact(
                spec,
                new Net(Algorithm.parse(spec.algorithm()), spec.architecture(), params, scaling));
    }

    /**
     * Writes {@code model.json} and, as DJL parameters, the arrays {@code params} (by {@link
     * TabularNet} name) into {@code dir}.
     */
    public static void write(Path dir, ModelSpec spec, Map<String, float[]> params)
            throws IOException {
        try (NDManager manager = Djl.newManager()) {
            TabularNet block =
                    new TabularNet(Algorithm.parse(spec.algorithm()), spec.architecture());
            block.initialize(manager, DataType.FLOAT32, TabularNet.inputShapes(1, 1));
            for (ai.djl.nn.Parameter p : block.getParameters().values()) {
                float[] a = params.get(p.getName());
                if (a == null || a.length != p.getArray().size()) {
                    throw new IllegalArgumentException(
                            "parameter " + p.getName() + " is missing or misshapen");
                }
                p.getArray().set(a);
            }
            write(dir, spec, block);
        }
    }

    /** Writes {@code model.json} and the DJL parameters of {@code block} into {@code dir}. */
    public static void write(Path dir, ModelSpec spec, TabularNet block) throws IOException {
        Files.createDirectories(dir);
        String name = spec.parameters() == null ? ModelSpec.PARAMETERS : spec.parameters();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)));
                DataOutputStream out = new DataOutputStream(os)) {
            block.saveParameters(out);
        }
        TaskJson.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve(ModelSpec.FILE).toFile(), spec);
    }

    private static Map<String, float[]> readParameters(
            Algorithm algorithm, ModelSpec.Architecture arch, InputStream in)
            throws IOException, MalformedModelException {
        try (NDManager manager = Djl.newManager()) {
            TabularNet block = new TabularNet(algorithm, arch);
            block.initialize(manager, DataType.FLOAT32, TabularNet.inputShapes(1, 1));
            block.loadParameters(manager, new DataInputStream(in));
            return block.parameterArrays();
        }
    }

    /** Checks the spec and returns its input scaling. */
    private static InputScaling validate(ModelSpec spec) {
        if (spec.features() == null || spec.features().isEmpty()) {
            throw new IllegalArgumentException("the model has no features");
        }
        if (spec.architecture() == null || spec.architecture().inputs() != spec.features().size()) {
            throw new IllegalArgumentException(
                    "architecture.inputs does not match the "
                            + spec.features().size()
                            + " features");
        }
        // throws, naming the field, when the method is unknown or min/max do not fit
        return InputScaling.of(spec);
    }

    /** The min-max multiplier of one feature (1 when its range is empty). */
    public static double scaleOf(double min, double max) {
        return InputScaling.scaleOf(min, max);
    }

    public ModelSpec spec() {
        return spec;
    }

    public List<String> featureNames() {
        return spec.featureNames();
    }

    /** Position of a feature ({@code <featureView>/<feature>}) in the input, or -1. */
    public int featureIndex(String name) {
        return index.getOrDefault(name, -1);
    }

    public double threshold() {
        return spec.threshold();
    }

    /**
     * The network, for callers that need log-odds or gradients (explanations); null for {@code
     * xgboost}.
     */
    public Net net() {
        return net;
    }

    /** The trees of an {@code xgboost} model; null for networks. */
    public Trees trees() {
        return trees;
    }

    /** The members of an {@code ensemble}; null for any other model. */
    public List<ModelArtifact> members() {
        return members;
    }

    /** The members' weights (aligned with {@link #members()}); null for any other model. */
    public double[] weights() {
        return weights == null ? null : weights.clone();
    }

    private int inputs() {
        return spec.features().size();
    }

    private double probability(int[] idx, float[] val, int from, int to) {
        if (members != null) {
            double p = 0;
            for (int k = 0; k < weights.length; k++) {
                p += weights[k] * members.get(k).probability(idx, val, from, to);
            }
            return p;
        }
        return trees != null
                ? trees.probability(idx, val, from, to)
                : net.probability(idx, val, from, to);
    }

    /**
     * Probability of the positive class for each row; rows hold raw values in this model's feature
     * index space (see {@link FeatureAssembler#project}). Thread-safe.
     */
    public float[] predict(SparseMatrix rows) {
        if (members != null) {
            double[] sum = new double[rows.rows()];
            for (int k = 0; k < weights.length; k++) {
                float[] p = members.get(k).predict(rows);
                for (int r = 0; r < p.length; r++) {
                    sum[r] += weights[k] * p[r];
                }
            }
            float[] out = new float[sum.length];
            for (int r = 0; r < out.length; r++) {
                out[r] = (float) sum[r];
            }
            return out;
        }
        return trees == null
                ? net.predict(rows)
                : Net.predictRows(rows, inputs(), trees::probability);
    }

    /** Probability of one row given by ascending feature indices and raw values. Thread-safe. */
    public float predictOne(int[] indices, float[] values) {
        if (indices.length != values.length) {
            throw new IllegalArgumentException("indices and values differ in length");
        }
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= inputs()) {
                throw new IllegalArgumentException(
                        "feature index " + indices[k] + " is outside 0.." + (inputs() - 1));
            }
        }
        return (float) probability(indices, values, 0, indices.length);
    }

    /** Probabilities of dense rows (each of length {@code featureNames().size()}). Thread-safe. */
    public float[] predictDense(float[][] rows) {
        float[] out = new float[rows.length];
        for (int r = 0; r < rows.length; r++) {
            float[] row = rows[r];
            if (row.length != inputs()) {
                throw new IllegalArgumentException(
                        "row "
                                + r
                                + " has "
                                + row.length
                                + " values, the model expects "
                                + inputs());
            }
            int nnz = 0;
            for (float v : row) {
                if (v != 0) {
                    nnz++;
                }
            }
            int[] idx = new int[nnz];
            float[] val = new float[nnz];
            int k = 0;
            for (int j = 0; j < row.length; j++) {
                if (row[j] != 0) {
                    idx[k] = j;
                    val[k++] = row[j];
                }
            }
            out[r] = (float) probability(idx, val, 0, nnz);
        }
        return out;
    }

    /** Scoring holds no native resources; kept so callers can treat models as resources. */
    @Override
    public void close() {}
}
