package io.mlcycle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Task;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainDefaults;
import io.mlcycle.task.TrainTask;
import io.mlcycle.trainer.Metrics;
import io.mlcycle.trainer.Splits;
import io.mlcycle.trainer.TrainingData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Public data sets (exported from Debian's R packages by {@code export.R}) and the project's
 * generator, each as a long event log through the real pivot jar and the real trainer jar with the
 * TrainingRun defaults, against an L2 logistic regression (liblinear) and XGBoost4J fitted on the
 * same training rows and scored on the same test rows as the trainer's hold-out.
 */
public final class QualityBench {

    /** One feature view of a data set: where its long events are. */
    record View(
            String name,
            String eventsUri,
            String format,
            String entity,
            String key,
            String value,
            String from,
            String to) {}

    /** A data set: its views and its label table. */
    record DataSet(String name, List<View> views, TrainTask.Labels labels, String asOf) {}

    private QualityBench() {}

    /** Args: work dir, R export dir, pivot jar, trainer jar, generator jar, generator users. */
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Path work = Path.of(args[0]).toAbsolutePath();
        Path exported = Path.of(args[1]).toAbsolutePath();
        String pivotJar = args[2];
        String trainerJar = args[3];
        String generatorJar = args[4];
        int users = Integer.parseInt(args[5]);

        List<DataSet> sets = new ArrayList<>();
        for (String name :
                List.of(
                        "wa_churn",
                        "fine_foods",
                        "dna",
                        "spam",
                        "sonar",
                        "ionosphere",
                        "attrition",
                        "ticdata",
                        "lending_club",
                        "letter_a")) {
            if (!wanted(name)) {
                continue;
            }
            Path dir = exported.resolve(name);
            sets.add(
                    new DataSet(
                            name,
                            List.of(
                                    new View(
                                            name,
                                            dir.resolve("events").toUri() + "dt={date}/",
                                            "csv",
                                            "entity",
                                            "key",
                                            "value",
                                            "2026-01-01",
                                            "2026-01-02")),
                            new TrainTask.Labels(
                                    dir.resolve("labels.csv").toUri().toString(),
                                    "csv",
                                    "entity",
                                    "label"),
                            "2026-01-02"));
        }
        if (wanted("generator")) {
            Path gen = work.resolve("generator");
            if (!Files.exists(gen.resolve("truth.json"))) {
                run(
                        List.of(
                                "java",
                                "-jar",
                                generatorJar,
                                "--out",
                                gen.toString(),
                                "--users",
                                Integer.toString(users),
                                "--items",
                                "3000",
                                "--days",
                                "7",
                                "--end",
                                "2026-11-21",
                                "--seed",
                                "42"),
                        work.resolve("generator.log"));
            }
            List<View> genViews = new ArrayList<>();
            for (String v : List.of("kpi", "item-events")) {
                genViews.add(
                        new View(
                                v,
                                gen.resolve("raw").resolve(v).toUri() + "dt={date}/",
                                "parquet",
                                "user_id",
                                "event_id",
                                "cnt",
                                "2026-11-14",
                                "2026-11-21"));
            }
            sets.add(
                    new DataSet(
                            "generator",
                            genViews,
                            new TrainTask.Labels(
                                    gen.resolve("labels/returned")
                                            .resolve(Layout.asOfDir("2026-11-21"))
                                            .toUri()
                                            .toString(),
                                    "parquet",
                                    "user_id",
                                    "returned"),
                            "2026-11-21"));
        }

        List<Long> seeds = seeds();
        List<QualityTable.Row> rows = new ArrayList<>();
        StringBuilder table = new StringBuilder(QualityTable.header());
        for (DataSet d : sets) {
            Path dir = work.resolve("runs").resolve(d.name());
            if (Files.exists(dir)) {
                VersionedStore.deleteRecursively(dir);
            }
            Files.createDirectories(dir);
            long s0 = System.nanoTime();
            List<FeatureInput> inputs = pivot(pivotJar, d, dir);
            double pivotSeconds = (System.nanoTime() - s0) / 1e9;
            List<QualityTable.Run> runs = new ArrayList<>();
            for (long seed : seeds) {
                QualityTable.Run r = train(trainerJar, d, inputs, dir, seed);
                runs.add(r);
                System.out.printf(
                        Locale.ROOT,
                        "  %s seed %d: delta %+.4f, mlcycle %s, logreg %s, test rows %d%n",
                        d.name(),
                        seed,
                        r.delta(),
                        r.hyperparameters(),
                        r.lrDetail(),
                        r.testRows());
            }
            QualityTable.Row row = new QualityTable.Row(d.name(), runs, pivotSeconds);
            rows.add(row);
            table.append(row.format());
            System.out.print(row.format());
        }
        System.out.println();
        System.out.print(table);
        if (!tried().isEmpty()) {
            System.out.println("NOT the defaults: " + tried());
        }
        System.out.println(
                QualityTable.benchLine(rows, seeds.size(), (System.nanoTime() - t0) / 1e9));
    }

    /** The data set's views through the real pivot jar with the FeatureView defaults. */
    private static List<FeatureInput> pivot(String pivotJar, DataSet d, Path dir) throws Exception {
        List<FeatureInput> inputs = new ArrayList<>();
        for (View v : d.views()) {
            Path store = dir.resolve("features").resolve(v.name());
            PivotTask pt =
                    new PivotTask(
                            new Task.Owner("FeatureView", "bench", v.name()),
                            d.asOf(),
                            v.entity(),
                            new PivotTask.Source(v.eventsUri(), v.format(), null, null, null),
                            new PivotTask.Window(v.from(), v.to()),
                            // the FeatureView defaults: sum, min 1 entity, at most 5000 features
                            new PivotTask.Pivot(v.key(), v.value(), "sum", null, 1, 5000),
                            null,
                            new PivotTask.Store(store.toUri().toString(), 14),
                            null,
                            0,
                            null);
            runTask(pivotJar, pt, dir.resolve("pivot-" + v.name()));
            inputs.add(
                    new FeatureInput(
                            v.name(),
                            d.asOf(),
                            store.resolve(Layout.asOfDir(d.asOf())).toUri().toString()));
        }
        return inputs;
    }

    /**
     * One training by the real trainer jar with the defaults but {@code validation.seed}, and the
     * baselines on the same split (their own randomness seeded from it).
     */
    private static QualityTable.Run train(
            String trainerJar, DataSet d, List<FeatureInput> inputs, Path dir, long seed)
            throws Exception {
        long s0 = System.nanoTime();
        Path model = dir.resolve("models").resolve(d.name()).resolve("seed-" + seed);
        TrainTask task =
                withSeed(
                        override(defaults(d.name(), inputs, d.labels(), model.toUri().toString())),
                        seed);
        runTask(trainerJar, task, dir.resolve("train-" + seed));
        double mlSeconds = (System.nanoTime() - s0) / 1e9;
        JsonNode metrics = TaskJson.MAPPER.readTree(model.resolve("metrics.json").toFile());
        JsonNode importance = TaskJson.MAPPER.readTree(model.resolve("importance.json").toFile());
        Set<String> mlTop = new HashSet<>();
        for (int i = 0; i < Math.min(10, importance.size()); i++) {
            mlTop.add(importance.get(i).path("name").asText());
        }
        // the baselines see the same rows, split as the trainer's default hold-out splits them
        TrainingData data = TrainingData.load(task);
        SparseMatrix x = data.x();
        int[] y = data.y();
        List<String> names = data.assembled().names();
        Splits.Split split = Splits.holdout(y, task.validation().testFraction(), seed);
        int[] yTest = Baselines.pick(y, split.test());
        Baselines.Result lr = Baselines.logistic(x, y, split.train(), split.test(), seed);
        Baselines.Result xgb = Baselines.xgboost(x, y, split.train(), split.test(), seed);
        return new QualityTable.Run(
                seed,
                x.rows(),
                x.numFeatures(),
                Arrays.stream(y).average().orElse(0),
                metrics.path("metrics").path("auc").asDouble(),
                Metrics.auc(lr.scores(), yTest),
                Metrics.auc(xgb.scores(), yTest),
                overlap(mlTop, lr.top10(), names),
                overlap(mlTop, xgb.top10(), names),
                mlSeconds,
                lr.seconds(),
                xgb.seconds(),
                metrics.path("algorithm").asText(),
                metrics.path("hyperparameters").toString(),
                lr.detail(),
                split.test().length);
    }

    /** BENCH_SEEDS (default 3) validation seeds: the default's first, then the next ones. */
    static List<Long> seeds() {
        int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_SEEDS", "3"));
        if (n < 1) {
            throw new IllegalArgumentException("BENCH_SEEDS must be at least 1, was " + n);
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TrainDefaults.SEED + i);
        }
        return out;
    }

    /** The task with {@code validation.seed}; the default seed leaves it as it is. */
    static TrainTask withSeed(TrainTask t, long seed) throws java.io.IOException {
        if (seed == TrainDefaults.SEED) {
            return t;
        }
        com.fasterxml.jackson.databind.node.ObjectNode tree = TaskJson.MAPPER.valueToTree(t);
        tree.with("validation").put("seed", seed);
        return (TrainTask) TaskJson.readTask(TaskJson.write(tree));
    }

    /**
     * The task the operator writes for a TrainingRun that names only its model, features and
     * labels: every other field from the contract's {@code TrainDefaults}, as the operator fills
     * it.
     */
    static TrainTask defaults(
            String model, List<FeatureInput> inputs, TrainTask.Labels labels, String out) {
        return TrainTask.builder()
                .owner(new Task.Owner("TrainingRun", "bench", model))
                .model(model)
                .version(1)
                .entity(labels.entity())
                .features(inputs)
                .labels(labels)
                .outputUri(out)
                .build();
    }

    /**
     * For trying settings before they become defaults: BENCH_ALGORITHM and BENCH_SCALING replace
     * the default's, BENCH_PATCH (a JSON object) is merged into the task; the BENCH line then says
     * so.
     */
    static TrainTask override(TrainTask t) throws java.io.IOException {
        if (tried().isEmpty()) {
            return t;
        }
        com.fasterxml.jackson.databind.node.ObjectNode tree = TaskJson.MAPPER.valueToTree(t);
        String algorithm = System.getenv("BENCH_ALGORITHM");
        String scaling = System.getenv("BENCH_SCALING");
        if (algorithm != null) {
            tree.put("algorithm", algorithm);
        }
        if (scaling != null) {
            tree.with("preprocessing").put("scaling", scaling);
        }
        String patch = System.getenv("BENCH_PATCH");
        if (patch != null) {
            merge(tree, TaskJson.MAPPER.readTree(patch));
        }
        return (TrainTask) TaskJson.readTask(TaskJson.write(tree));
    }

    /** Whether BENCH_SETS (a comma-separated list of data set names; unset: all) names it. */
    static boolean wanted(String name) {
        String only = System.getenv("BENCH_SETS");
        return only == null || List.of(only.split(",")).contains(name);
    }

    /** The settings a run tries instead of the defaults, empty for a defaults run. */
    static String tried() {
        StringBuilder s = new StringBuilder();
        for (String name : List.of("BENCH_ALGORITHM", "BENCH_SCALING", "BENCH_PATCH")) {
            if (System.getenv(name) != null) {
                s.append(' ').append(name).append('=').append(System.getenv(name));
            }
        }
        return s.toString().trim();
    }

    private static void merge(JsonNode target, JsonNode patch) {
        patch.fields()
                .forEachRemaining(
                        e -> {
                            JsonNode old = target.get(e.getKey());
                            if (old != null && old.isObject() && e.getValue().isObject()) {
                                merge(old, e.getValue());
                            } else {
                                ((com.fasterxml.jackson.databind.node.ObjectNode) target)
                                        .set(e.getKey(), e.getValue());
                            }
                        });
    }

    private static int overlap(Set<String> mine, int[] top, List<String> names) {
        int n = 0;
        for (int j : top) {
            if (mine.contains(names.get(j))) {
                n++;
            }
        }
        return n;
    }

    private static void runTask(String jar, Task task, Path prefix) throws Exception {
        Path file = Path.of(prefix + ".task.json");
        Files.writeString(file, TaskJson.write(task));
        run(
                List.of(
                        "java",
                        "-Xmx" + System.getProperty("bench.heap", "4g"),
                        "-Dai.djl.offline=true",
                        "-jar",
                        jar,
                        "--task",
                        file.toString(),
                        "--result",
                        prefix + ".result.json"),
                Path.of(prefix + ".log"));
    }

    private static void run(List<String> cmd, Path log) throws Exception {
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(
                    String.join(" ", cmd)
                            + " failed with exit "
                            + exit
                            + "; see "
                            + log
                            + ":\n"
                            + tail(log));
        }
    }

    private static String tail(Path log) throws java.io.IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
