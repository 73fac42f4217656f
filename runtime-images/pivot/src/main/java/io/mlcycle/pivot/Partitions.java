package io.mlcycle.pivot;

import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The partitions of a file source inside the window: one per date of [from, to) when the URI holds
 * {@code {date}}, ready only when present (and carrying the success marker when one is set).
 */
public final class Partitions {

    static final String DATE = "{date}";

    /**
     * The data files to read, in date then file-name order, and how many partitions they span:
     * local {@code files} (an {@code s3://} source staged to the pod's disk), or, for an engine
     * that reads the bucket itself, the data objects' {@code s3://} URIs in {@code objects}.
     */
    public record Resolved(List<Path> files, int partitions, List<String> objects) {

        public Resolved(List<Path> files, int partitions) {
            this(files, partitions, List.of());
        }

        /** How many data files or objects the window holds. */
        public int count() {
            return files.size() + objects.size();
        }
    }

    /** One ready partition's data: local files, or objects left in the bucket. */
    private record Ready(List<Path> files, List<String> objects) {}

    private Partitions() {}

    /** Dates of the window, oldest first; an empty or reversed window is invalid. */
    public static List<String> dates(PivotTask.Window window) {
        if (window == null || window.from() == null || window.to() == null) {
            throw TaskFailure.invalid("InvalidWindow", "window.from and window.to are required");
        }
        LocalDate from = parse(window.from(), "window.from");
        LocalDate to = parse(window.to(), "window.to");
        if (!from.isBefore(to)) {
            throw TaskFailure.invalid(
                    "InvalidWindow",
                    "window.from " + from + " must be before window.to " + to + " (exclusive)");
        }
        List<String> dates = new ArrayList<>();
        for (LocalDate d = from; d.isBefore(to); d = d.plusDays(1)) {
            dates.add(d.toString());
        }
        return dates;
    }

    static LocalDate parse(String date, String field) {
        try {
            return LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw TaskFailure.invalid(
                    "InvalidDate", field + " '" + date + "' is not an ISO date (yyyy-MM-dd)");
        }
    }

    /**
     * Resolves the files of every partition in the window, or throws WaitingForData listing the
     * partitions that are not ready (details: their dates).
     */
    static Resolved resolve(PivotTask.Source source, PivotTask.Window window) {
        return resolve(source, window, false);
    }

    /**
     * As {@link #resolve(PivotTask.Source, PivotTask.Window)}; with {@code inPlace} an {@code
     * s3://} source is listed, not downloaded: its markers are checked the same way and the data
     * objects come back as URIs (an engine whose workers read the bucket themselves).
     */
    public static Resolved resolve(
            PivotTask.Source source, PivotTask.Window window, boolean inPlace) {
        String format = format(source.format());
        String marker = blankToNull(source.successMarker());
        boolean remote = inPlace && Storage.isS3(source.uri());
        Function<String, Ready> ready =
                uri -> remote ? readyObjects(uri, marker, format) : readyFiles(uri, marker, format);
        if (!source.uri().contains(DATE)) {
            Ready found = ready.apply(source.uri());
            if (found == null) {
                throw new TaskFailure(
                        Summary.Outcome.WaitingForData,
                        "WaitingForData",
                        "source "
                                + source.uri()
                                + (marker == null
                                        ? " does not exist yet"
                                        : " has no " + marker + " marker yet"),
                        List.of(source.uri()));
            }
            return new Resolved(found.files(), 1, found.objects());
        }
        List<String> dates = dates(window);
        List<String> missing = new ArrayList<>();
        List<String> missingUris = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<String> objects = new ArrayList<>();
        List<Ready> readyDates = perDate(source.uri(), dates, ready);
        for (int i = 0; i < dates.size(); i++) {
            String date = dates.get(i);
            String uri = source.uri().replace(DATE, date);
            Ready found = readyDates.get(i);
            if (found != null) {
                files.addAll(found.files());
                objects.addAll(found.objects());
            } else {
                missing.add(date);
                missingUris.add(uri);
            }
        }
        if (!missing.isEmpty()) {
            String shown = String.join(", ", missingUris.subList(0, Math.min(10, missing.size())));
            if (missing.size() > 10) {
                shown += " … and " + (missing.size() - 10) + " more";
            }
            throw new TaskFailure(
                    Summary.Outcome.WaitingForData,
                    "WaitingForData",
                    missing.size()
                            + " of "
                            + dates.size()
                            + " partitions not ready"
                            + (marker == null ? " (missing)" : " (no " + marker + " marker)")
                            + ": "
                            + shown,
                    missing);
        }
        return new Resolved(files, dates.size(), objects);
    }

    public static String format(String format) {
        String f = format == null || format.isBlank() ? "parquet" : format.toLowerCase();
        if (!f.equals("parquet") && !f.equals("csv")) {
            throw TaskFailure.invalid(
                    "UnsupportedFormat",
                    "source.format '" + format + "' is not supported; use parquet or csv");
        }
        return f;
    }

    /**
     * {@code ready} of every date's URI, in order; on S3 up to {@value #S3_PARALLEL} partitions are
     * checked (and staged) at once (each is a few round trips and maybe a download).
     */
    private static List<Ready> perDate(
            String template, List<String> dates, Function<String, Ready> ready) {
        if (!Storage.isS3(template) || dates.size() == 1) {
            List<Ready> out = new ArrayList<>();
            for (String d : dates) {
                out.add(ready.apply(template.replace(DATE, d)));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(S3_PARALLEL, dates.size()));
        try {
            List<Future<Ready>> futures = new ArrayList<>();
            for (String d : dates) {
                futures.add(pool.submit(() -> ready.apply(template.replace(DATE, d))));
            }
            List<Ready> out = new ArrayList<>();
            for (Future<Ready> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while staging the source", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static final int S3_PARALLEL = 8;

    /**
     * The local path of a ready partition, or null. On S3 the marker is looked up in the bucket
     * before anything is downloaded; a marker found there means the data was complete before it.
     */
    private static Ready readyFiles(String uri, String marker, String format) {
        Path path = readyPath(uri, marker);
        return path == null ? null : new Ready(files(path, format), List.of());
    }

    private static Path readyPath(String uri, String marker) {
        if (Storage.isS3(uri)) {
            if (!s3MarkerPresent(uri, marker)) {
                return null;
            }
            Path path = Uris.toPath(uri, "source.uri");
            return Files.exists(path) ? path : null;
        }
        Path path = Uris.toPath(uri, "source.uri");
        return ready(path, marker) ? path : null;
    }

    /** Whether the S3 partition at {@code uri} carries {@code marker} (true without one). */
    private static boolean s3MarkerPresent(String uri, String marker) {
        if (marker == null) {
            return true;
        }
        String dir = uri.endsWith("/") ? uri : uri + "/";
        boolean object = !uri.endsWith("/") && Storage.exists(uri, "source.uri");
        String markerUri =
                object ? uri.substring(0, uri.lastIndexOf('/') + 1) + marker : dir + marker;
        return Storage.exists(markerUri, "source.uri");
    }

    /**
     * The data objects of a ready S3 partition as {@code s3://} URIs in key order (what {@link
     * #files} picks from a staged copy), or null when nothing is stored there; nothing is
     * downloaded.
     */
    private static Ready readyObjects(String uri, String marker, String format) {
        if (!s3MarkerPresent(uri, marker)) {
            return null;
        }
        ObjectDirs.Location at = Storage.locate(uri, "source.uri");
        try {
            if (!uri.endsWith("/") && !at.key().isEmpty() && at.store().exists(at.key())) {
                return new Ready(List.of(), List.of(at.uri()));
            }
            Map<String, String> keys = ObjectDirs.listed(at);
            if (keys.isEmpty()) {
                return null;
            }
            List<String> data = new ArrayList<>();
            keys.forEach(
                    (rel, key) -> {
                        if (isData(rel.substring(rel.lastIndexOf('/') + 1), format)
                                && !hidden(Path.of(rel))) {
                            data.add(at.store().uri(key));
                        }
                    });
            return new Ready(List.of(), data);
        } catch (IOException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "StorageError",
                    "source.uri " + uri + ": " + e.getMessage());
        }
    }

    private static boolean ready(Path path, String marker) {
        if (marker == null) {
            return Files.exists(path);
        }
        Path dir = Files.isRegularFile(path) ? path.getParent() : path;
        return Files.isRegularFile(dir.resolve(marker));
    }

    /** Data files of a partition: the file itself, or the matching files under a directory. */
    public static List<Path> files(Path path, String format) {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> isData(p.getFileName().toString(), format))
                    .filter(p -> !hidden(path.relativize(p)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isData(String name, String format) {
        String n = name.toLowerCase();
        return format.equals("parquet")
                ? n.endsWith(".parquet")
                : n.endsWith(".csv") || n.endsWith(".csv.gz") || n.endsWith(".tsv");
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            String s = part.toString();
            if (s.startsWith(".") || s.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    public static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
