package io.mlcycle.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.ObjectStore;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.Layout;
import io.mlcycle.task.Summary;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a deployment's request log ({@link RequestLogWriter}'s files under {@code
 * v<N>/date=<day>/}, {@code file://} or {@code s3://}) back as labelled rows: each scored row that
 * has feedback, joined by prediction id (the last feedback for an id counts).
 */
final class RequestLogReader {

    private static final JsonFactory JSON = new JsonFactory();

    /** {@code v<N>/date=<day>/<file>.jsonl.gz}, relative to the log's directory. */
    private static final Pattern FILE =
            Pattern.compile(
                    Layout.VERSION_PREFIX
                            + "[0-9]+/"
                            + Layout.DATE_PREFIX
                            + "[^/]+/[^/]+"
                            + Pattern.quote(Layout.REQUEST_LOG_SUFFIX));

    /** A logged row with its label: the features by name as the serving model saw them. */
    record Labelled(String id, int actual, Map<String, Float> features) {}

    /** What a read found: scored rows, files read and the labelled rows. */
    record Read(long logged, int files, List<Labelled> labelled) {}

    private RequestLogReader() {}

    /** Reads every log file under {@code uri}; a log that does not exist yet reads as empty. */
    static Read read(String uri) {
        try {
            List<Path> files = Storage.isS3(uri) ? downloaded(uri) : local(uri);
            Map<String, Integer> actual = new HashMap<>();
            for (Path f : files) {
                lines(f, line -> {}, actual::put);
            }
            Map<String, Labelled> joined = new LinkedHashMap<>();
            long[] logged = {0};
            for (Path f : files) {
                lines(
                        f,
                        scored -> {
                            logged[0]++;
                            Integer label = actual.get(scored.id());
                            if (label != null) {
                                joined.put(
                                        scored.id(),
                                        new Labelled(scored.id(), label, scored.features()));
                            }
                        },
                        (id, a) -> {});
            }
            return new Read(logged[0], files.size(), new ArrayList<>(joined.values()));
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "RequestLogUnreadable",
                    "cannot read the request log at requestLogUri '" + uri + "': " + e);
        }
    }

    private static List<Path> local(String uri) throws IOException {
        Path dir = Uris.toPath(uri, "requestLogUri");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .filter(f -> FILE.matcher(relative(dir, f)).matches())
                    .sorted()
                    .toList();
        }
    }

    private static String relative(Path dir, Path f) {
        return dir.relativize(f).toString().replace('\\', '/');
    }

    /** The log's files copied to a local temporary directory. */
    private static List<Path> downloaded(String uri) throws IOException {
        ObjectDirs.Location at = Storage.locate(uri, "requestLogUri");
        Path tmp = Files.createTempDirectory("mlcycle-replay-log-");
        List<Path> out = new ArrayList<>();
        for (ObjectStore.Entry e : at.store().list(at.prefix())) {
            String rel = e.key().substring(at.prefix().length());
            if (FILE.matcher(rel).matches()) {
                Path to = tmp.resolve("f" + out.size() + Layout.REQUEST_LOG_SUFFIX);
                at.store().get(e.key(), to);
                out.add(to);
            }
        }
        return out;
    }

    /** A scored line: its prediction id and features. */
    private record Scored(String id, Map<String, Float> features) {}

    private static void lines(
            Path file,
            java.util.function.Consumer<Scored> scored,
            java.util.function.BiConsumer<String, Integer> feedback)
            throws IOException {
        try (InputStream in =
                        new GZIPInputStream(
                                new BufferedInputStream(Files.newInputStream(file), 1 << 16));
                JsonParser p = JSON.createParser(in)) {
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String id = null;
                Integer actual = null;
                Map<String, Float> features = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "id" -> id = p.getText();
                        case "actual" -> actual = p.getIntValue();
                        case "features" -> features = features(p);
                        default -> p.skipChildren();
                    }
                }
                if (id == null) {
                    continue;
                }
                if (actual != null) {
                    feedback.accept(id, actual);
                } else if (features != null) {
                    scored.accept(new Scored(id, features));
                }
            }
        }
    }

    private static Map<String, Float> features(JsonParser p) throws IOException {
        Map<String, Float> out = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            out.put(name, p.getFloatValue());
        }
        return out;
    }
}
