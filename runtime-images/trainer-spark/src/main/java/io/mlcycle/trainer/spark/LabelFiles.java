package io.mlcycle.trainer.spark;

import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.spark.Relay;
import io.mlcycle.task.TrainTask;
import io.mlcycle.trainer.TrainingData;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The label table as the executors read it: one task per file of a labels directory (one for a file
 * or an {@code s3://} URI, which the executor stages), each with the single pod's reader and
 * checks; an entity labelled both 0 and 1 across files is refused as within one.
 */
final class LabelFiles {

    /** An entity labelled 0 in one file and 1 in another. */
    private static final int CONFLICT = -1;

    private LabelFiles() {}

    /** Entity → 0/1, read on the executors. */
    static JavaPairRDD<String, Integer> read(TrainTask t, JavaSparkContext jsc) throws IOException {
        TrainTask.Labels l = t.labels();
        if (l == null) {
            throw TaskFailure.invalid("MissingLabels", "labels is missing from the task");
        }
        String entity = l.entity() != null ? l.entity() : t.entity();
        String format = l.format();
        String column = l.column();
        String uri = l.uri();
        List<String> files = files(l);
        return jsc.parallelize(files, Math.max(1, files.size()))
                .flatMapToPair(
                        f ->
                                Relay.relayed(
                                        () -> {
                                            TrainTask one =
                                                    TrainTask.builder()
                                                            .entity(entity)
                                                            .labels(
                                                                    new TrainTask.Labels(
                                                                            f, format, entity,
                                                                            column))
                                                            .build();
                                            List<scala.Tuple2<String, Integer>> out =
                                                    new ArrayList<>();
                                            for (Map.Entry<String, Integer> e :
                                                    TrainingData.readLabels(one).entrySet()) {
                                                out.add(
                                                        new scala.Tuple2<>(
                                                                e.getKey(), e.getValue()));
                                            }
                                            return out.iterator();
                                        }))
                .reduceByKey((a, b) -> a.equals(b) ? a : CONFLICT)
                .mapToPair(
                        e ->
                                Relay.relayed(
                                        () -> {
                                            if (e._2() == CONFLICT) {
                                                throw TaskFailure.invalid(
                                                        "ConflictingLabels",
                                                        "entity '"
                                                                + e._1()
                                                                + "' has both labels 0 and 1 in "
                                                                + uri);
                                            }
                                            return e;
                                        }));
    }

    /** The files of a labels directory in name order; a file or an s3:// URI as it is. */
    static List<String> files(TrainTask.Labels l) throws IOException {
        if (Storage.isS3(l.uri())) {
            return List.of(l.uri());
        }
        Path path = Uris.toPath(l.uri(), "labels.uri");
        if (!Files.isDirectory(path)) {
            return List.of(l.uri());
        }
        boolean csv = l.format() != null && l.format().toLowerCase(Locale.ROOT).equals("csv");
        String suffix = csv ? ".csv" : ".parquet";
        try (Stream<Path> list = Files.list(path)) {
            List<String> files =
                    list.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(suffix))
                            .sorted()
                            .map(n -> Uris.resolve(l.uri(), n))
                            .toList();
            if (files.isEmpty()) {
                throw TaskFailure.invalid(
                        "MissingLabels", "labels.uri " + l.uri() + " has no " + suffix + " file");
            }
            return files;
        }
    }
}
