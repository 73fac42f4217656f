package io.mlcycle.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code features.json} of a feature table version: index → name and the statistics the trainer
 * scales with.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeatureCatalog(String entity, String asOf, List<Feature> features) {

    public static final String FILE = "features.json";

    /** One column of the sparse table; statistics are over the entities that have it. */
    public record Feature(
            int index, String name, long support, double min, double max, double mean) {}

    public static FeatureCatalog read(Path versionDir) throws IOException {
        Path file = versionDir.resolve(FILE);
        if (!Files.exists(file)) {
            throw TaskFailure.invalid(
                    "MissingFeatureCatalog",
                    "no " + FILE + " in " + versionDir + ": not a feature table");
        }
        return TaskJson.MAPPER.readValue(file.toFile(), FeatureCatalog.class);
    }

    public void write(Path versionDir) throws IOException {
        TaskJson.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(versionDir.resolve(FILE).toFile(), this);
    }

    public int size() {
        return features.size();
    }

    /** Name → index. */
    public Map<String, Integer> indexByName() {
        Map<String, Integer> m = new HashMap<>(features.size() * 2);
        for (Feature f : features) {
            m.put(f.name(), f.index());
        }
        return m;
    }
}
