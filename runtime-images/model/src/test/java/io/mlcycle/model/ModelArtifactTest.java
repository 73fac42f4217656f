package io.mlcycle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ModelArtifactTest {

    static final int F = 12;

    static ModelSpec spec(Algorithm a) {
        return spec(a, "minmax");
    }

    static ModelSpec spec(Algorithm a, String scaling) {
        List<ModelSpec.Feature> features = new ArrayList<>();
        List<Double> min = new ArrayList<>();
        List<Double> max = new ArrayList<>();
        for (int j = 0; j < F; j++) {
            features.add(new ModelSpec.Feature("fv/f" + j, "fv", "f" + j));
            min.add(1.0);
            max.add(2.0 + j);
        }
        return new ModelSpec(
                "m",
                1,
                a.id(),
                "user_id",
                features,
                new ModelSpec.Scaling(scaling, min, max),
                0.4,
                new ModelSpec.Architecture(F, 8, 2, 0.1),
                "2026-11-24T00:00:00Z",
                List.of(),
                null,
                ModelSpec.PARAMETERS,
                null);
    }

    static SparseMatrix randomRows(int n, long seed) {
        Random rnd = new Random(seed);
        String[] ents = new String[n];
        int[] ptr = new int[n + 1];
        List<Integer> cols = new ArrayList<>();
        List<Float> vals = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ents[r] = "u" + r;
            for (int j = 0; j < F; j++) {
                if (rnd.nextDouble() < 0.3) {
                    cols.add(j);
                    vals.add(1 + rnd.nextInt(5) * 1f);
                }
            }
            ptr[r + 1] = cols.size();
        }
        int[] c = cols.stream().mapToInt(Integer::intValue).toArray();
        float[] v = new float[vals.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = vals.get(i);
        }
        return new SparseMatrix(ents, ptr, c, v, F);
    }

    /** A block with random weights and non-trivial batch-norm statistics. */
    static TabularNet randomBlock(Algorithm a, NDManager manager) {
        Djl.engine().setRandomSeed(7);
        TabularNet block = new TabularNet(a, spec(a).architecture());
        block.initialize(manager, DataType.FLOAT32, TabularNet.inputShapes(1, 1));
        for (Parameter p : block.getParameters().values()) {
            NDArray arr = p.getArray();
            if (p.getName().endsWith("var")) {
                arr.set(manager.randomUniform(0.5f, 2f, arr.getShape()).toFloatArray());
            } else if (!p.getName().endsWith("w1") && !p.getName().equals("input_w")) {
                arr.set(manager.randomUniform(-0.5f, 0.5f, arr.getShape()).toFloatArray());
            }
        }
        return block;
    }

    /** DJL's own forward pass in inference mode over padded (index + 1, scaled value) batches. */
    static float[] djlPredict(
            TabularNet block, ModelSpec spec, SparseMatrix m, NDManager manager, boolean coo) {
        InputScaling scaling = InputScaling.of(spec);
        int width = 1;
        for (int r = 0; r < m.rows(); r++) {
            width = Math.max(width, m.rowPtr()[r + 1] - m.rowPtr()[r]);
        }
        long[] idx = new long[m.rows() * width];
        float[] val = new float[m.rows() * width];
        for (int r = 0; r < m.rows(); r++) {
            int k = r * width;
            for (int p = m.rowPtr()[r]; p < m.rowPtr()[r + 1]; p++, k++) {
                idx[k] = m.cols()[p] + 1;
                val[k] = (float) scaling.input(m.cols()[p], m.values()[p]);
            }
        }
        NDList in =
                new NDList(
                        manager.create(idx, new Shape(m.rows(), width)),
                        manager.create(val, new Shape(m.rows(), width)));
        if (coo) {
            long[] rowIdx = new long[(int) m.nonZeros()];
            long[] colIdx = new long[rowIdx.length];
            float[] v = new float[rowIdx.length];
            for (int r = 0; r < m.rows(); r++) {
                for (int p = m.rowPtr()[r]; p < m.rowPtr()[r + 1]; p++) {
                    rowIdx[p] = r;
                    colIdx[p] = m.cols()[p] + 1L;
                    v[p] = (float) scaling.input(m.cols()[p], m.values()[p]);
                }
            }
            in =
                    new NDList(
                            SparseInput.coo(
                                    manager,
                                    rowIdx,
                                    colIdx,
                                    v,
                                    new Shape(m.rows(), m.numFeatures() + 1L),
                                    "test rows"));
        }
        NDArray logits =
                block.forward(new ParameterStore(manager, false), in, false).singletonOrThrow();
        float[] z = logits.toFloatArray();
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) Net.sigmoid(z[i]);
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(
            value = Algorithm.class,
            names = {"RESNET", "MLP", "LOGISTIC"}) // the networks
    void javaScorerMatchesDjlForwardAndSurvivesSaveAndLoad(Algorithm a, @TempDir Path dir)
            throws Exception {
        assertJavaScorerMatchesDjl(a, spec(a), dir);
    }

    @ParameterizedTest
    @EnumSource(InputScaling.Method.class)
    void everyScalingMethodScoresTheSameInDjlAndJavaAfterReload(
            InputScaling.Method method, @TempDir Path dir) throws Exception {
        ModelSpec spec = spec(Algorithm.RESNET, method.id());
        assertJavaScorerMatchesDjl(Algorithm.RESNET, spec, dir);
        SparseMatrix rows = randomRows(50, 3);
        float[] scored;
        try (ModelArtifact loaded = ModelArtifact.load(dir)) {
            assertThat(loaded.spec().scaling().method()).isEqualTo(method.id());
            scored = loaded.predict(rows);
        }
        // the same parameters read under min-max scaling: only the scaling tells them apart
        io.mlcycle.task.TaskJson.MAPPER.writeValue(
                dir.resolve(ModelSpec.FILE).toFile(), spec(Algorithm.RESNET, "minmax"));
        try (ModelArtifact asMinMax = ModelArtifact.load(dir)) {
            float[] other = asMinMax.predict(rows);
            if (method == InputScaling.Method.MINMAX) {
                assertThat(other).containsExactly(scored);
            } else {
                assertThat(other).isNotEqualTo(scored);
            }
        }
    }

    /**
     * DJL's forward pass (dense and sparse input) against the Java scorer, before and after a round
     * trip through the disk, for every scoring entry point.
     */
    static void assertJavaScorerMatchesDjl(Algorithm a, ModelSpec spec, Path dir) throws Exception {
        SparseMatrix rows = randomRows(50, 3);
        try (NDManager manager = Djl.newManager()) {
            TabularNet block = randomBlock(a, manager);
            float[] expected = djlPredict(block, spec, rows, manager, false);
            float[] viaSparse = djlPredict(block, spec, rows, manager, true);
            for (int i = 0; i < expected.length; i++) {
                assertThat(viaSparse[i])
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
            ModelArtifact.write(dir, spec, block);
            try (ModelArtifact loaded = ModelArtifact.load(dir)) {
                float[] got = loaded.predict(rows);
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i])
                            .as("row %d", i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
                assertThat(loaded.spec()).isEqualTo(spec);
                assertThat(loaded.featureNames()).hasSize(F).startsWith("fv/f0");
                assertThat(loaded.threshold()).isEqualTo(0.4);
                float[][] dense = new float[rows.rows()][];
                for (int r = 0; r < rows.rows(); r++) {
                    dense[r] = rows.denseRow(r);
                }
                assertThat(loaded.predictDense(dense)).containsExactly(got);
                int r = 5;
                int from = rows.rowPtr()[r];
                int to = rows.rowPtr()[r + 1];
                assertThat(
                                loaded.predictOne(
                                        java.util.Arrays.copyOfRange(rows.cols(), from, to),
                                        java.util.Arrays.copyOfRange(rows.values(), from, to)))
                        .isEqualTo(got[r]);
            }
        }
    }

    @Test
    void logScalingFeedsTheNetworkLog1pOverTheLogOfTheStoredRange() {
        ModelSpec spec = spec(Algorithm.LOGISTIC, "log");
        InputScaling s = InputScaling.of(spec);
        // feature 3: stored min 1, max 5 -> the range is [0, log1p(5)]
        assertThat(s.input(3, 5f)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(s.input(3, 1f))
                .isCloseTo(
                        Math.log1p(1) / Math.log1p(5), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(s.input(3, 0f)).isZero();
        assertThat(s.input(3, -1f)).isEqualTo(-s.input(3, 1f));
        // counts 1, 2, 4 keep equal log steps where min-max spaces them by raw difference
        assertThat(s.input(3, 3f) - s.input(3, 1f))
                .isCloseTo(
                        (Math.log1p(3) - Math.log1p(1)) / Math.log1p(5),
                        org.assertj.core.data.Offset.offset(1e-6));
        InputScaling minmax = InputScaling.of(spec(Algorithm.LOGISTIC, "minmax"));
        assertThat(minmax.input(3, 5f)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(minmax.input(3, 1f)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-6));
        InputScaling selected = s.select(new int[] {3});
        assertThat(selected.input(0, 2f)).isEqualTo(s.input(3, 2f));
        assertThat(selected.toSpec().method()).isEqualTo("log");
        assertThat(selected.toSpec().max()).containsExactly(5.0);
    }

    @Test
    void anUnknownScalingMethodInModelJsonIsACorruptModelNamingTheField(@TempDir Path dir)
            throws Exception {
        ModelSpec spec = spec(Algorithm.MLP);
        try (NDManager manager = Djl.newManager()) {
            ModelArtifact.write(dir, spec, randomBlock(Algorithm.MLP, manager));
        }
        Path json = dir.resolve(ModelSpec.FILE);
        Files.writeString(json, Files.readString(json).replace("\"minmax\"", "\"quantile\""));
        assertThatThrownBy(() -> ModelArtifact.load(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("scaling.method 'quantile'")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CorruptModelFile");
    }

    @Test
    void concurrentScoringGivesTheSameAnswers(@TempDir Path dir) throws Exception {
        ModelSpec spec = spec(Algorithm.RESNET);
        try (NDManager manager = Djl.newManager()) {
            ModelArtifact.write(dir, spec, randomBlock(Algorithm.RESNET, manager));
        }
        SparseMatrix rows = randomRows(200, 5);
        try (ModelArtifact m = ModelArtifact.load(dir)) {
            float[] expected = m.predict(rows);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> m.predict(rows)));
                }
                for (Future<float[]> f : futures) {
                    assertThat(f.get()).containsExactly(expected);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void missingOrCorruptFilesAreNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ModelArtifact.load(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("model.json");
        ModelSpec spec = spec(Algorithm.MLP);
        try (NDManager manager = Djl.newManager()) {
            ModelArtifact.write(dir, spec, randomBlock(Algorithm.MLP, manager));
        }
        Path params = dir.resolve(ModelSpec.PARAMETERS);
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> ModelArtifact.load(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(ModelSpec.PARAMETERS)
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CorruptModelFile");
        Files.delete(params);
        assertThatThrownBy(() -> ModelArtifact.load(dir))
                .hasMessageContaining(ModelSpec.PARAMETERS);
        Files.writeString(dir.resolve(ModelSpec.FILE), "{not json");
        assertThatThrownBy(() -> ModelArtifact.load(dir))
                .hasMessageContaining("model.json")
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("CorruptModelFile");
    }
}
