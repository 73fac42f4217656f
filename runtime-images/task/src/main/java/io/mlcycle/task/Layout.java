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

    private static String dir(String uri) {
        return uri.endsWith("/") ? uri : uri + "/";
    }
}
