package io.mlcycle.task;

/**
 * The directory layouts the operator and the runtimes both address: model versions and dated
 * tables.
 */
public final class Layout {

    /** Prefix of a dated directory: {@code <root>/asOf=<date>/}. */
    public static final String AS_OF_PREFIX = "asOf=";

    /** Prefix of a model version directory: {@code <models>/<model>/v<N>/}. */
    public static final String VERSION_PREFIX = "v";

    /**
     * A model version's full SHAP ranking in its artifact directory: a JSON array of {@code {name,
     * importance}}, every feature, highest mean |SHAP| first.
     */
    public static final String IMPORTANCE = "importance.json";

    private Layout() {}

    /** {@code <modelsUri>/<model>/v<N>/}. */
    public static String versionUri(String modelsUri, String model, int version) {
        return dir(modelsUri) + model + "/" + versionDir(version) + "/";
    }

    /** {@code v<N>}, the name of a version's directory. */
    public static String versionDir(int version) {
        return VERSION_PREFIX + version;
    }

    /** {@code <root>/asOf=<date>/}. */
    public static String asOfUri(String root, String asOf) {
        return dir(root) + asOfDir(asOf) + "/";
    }

    /** {@code asOf=<date>}, the name of a dated directory. */
    public static String asOfDir(String asOf) {
        return AS_OF_PREFIX + asOf;
    }

    /** Prefix of a request log's day directory: {@code v<N>/date=<yyyy-MM-dd>/}. */
    public static final String DATE_PREFIX = "date=";

    /** Suffix of a request log file (gzipped JSON lines). */
    public static final String REQUEST_LOG_SUFFIX = ".jsonl.gz";

    /**
     * {@code v<N>/date=<day>/<startMillis>-<writer>-<seq>.jsonl.gz}, a request log file relative to
     * the log's directory: by version and day, named so files of one writer sort by time.
     */
    public static String requestLogFile(
            int version, String day, long startMillis, String writer, int seq) {
        return versionDir(version)
                + "/"
                + DATE_PREFIX
                + day
                + "/"
                + startMillis
                + "-"
                + writer
                + "-"
                + seq
                + REQUEST_LOG_SUFFIX;
    }

    private static String dir(String uri) {
        return uri.endsWith("/") ? uri : uri + "/";
    }
}
