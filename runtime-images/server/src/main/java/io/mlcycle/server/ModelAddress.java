package io.mlcycle.server;

/**
 * The one model version this server answers for, and the rules REST and gRPC share: which addresses
 * name it ("no such model" / "no such version" otherwise), and which requests are slow enough to
 * leave the event loop.
 */
final class ModelAddress {

    /** The prefix of every model path. */
    static final String MODELS = "/v2/models/";

    /**
     * Bodies up to this size are scored on the event loop (a few rows: well under a millisecond);
     * bigger ones go to a worker thread so they never delay the other connections of the loop.
     */
    static final int INLINE_BODY_BYTES = 16 * 1024;

    private final String model;
    private final String version;
    private final String modelPath;

    ModelAddress(String model, int version) {
        this.model = model;
        this.version = String.valueOf(version);
        this.modelPath = MODELS + model;
    }

    String model() {
        return model;
    }

    String version() {
        return version;
    }

    /**
     * A request answered on a worker thread: a big body, or a lookup by entity (a Redis round
     * trip).
     */
    static boolean slow(long bytes, boolean byEntity) {
        return bytes > INLINE_BODY_BYTES || byEntity;
    }

    /**
     * The part of a REST path after {@code /v2/models/<model>[/versions/<version>]}.
     *
     * @throws BadRequest 404 naming the model or version asked for when it is not this one
     */
    String rest(String path) {
        String rest = path.startsWith(modelPath) ? path.substring(modelPath.length()) : null;
        if (rest == null || (!rest.isEmpty() && rest.charAt(0) != '/')) {
            throw noSuchModel(modelName(path));
        }
        if (rest.startsWith("/versions/")) {
            String v = rest.substring("/versions/".length());
            int slash = v.indexOf('/');
            checkVersion(slash < 0 ? v : v.substring(0, slash));
            rest = slash < 0 ? "" : v.substring(slash);
        }
        return rest;
    }

    /**
     * Checks a gRPC call's model name and version (empty: any).
     *
     * @throws BadRequest 404 naming the model or version asked for when it is not this one
     */
    void check(String name, String askedVersion) {
        if (!name.equals(model)) {
            throw noSuchModel(name);
        }
        if (!askedVersion.isEmpty()) {
            checkVersion(askedVersion);
        }
    }

    private void checkVersion(String asked) {
        if (!asked.equals(version)) {
            throw new BadRequest(
                    404,
                    "model '"
                            + model
                            + "' has no version '"
                            + InferenceCodec.abbreviate(asked)
                            + "' here; this server serves version "
                            + version);
        }
    }

    private BadRequest noSuchModel(String asked) {
        return new BadRequest(
                404,
                "no model '"
                        + InferenceCodec.abbreviate(asked)
                        + "' here; this server serves '"
                        + model
                        + "' version "
                        + version);
    }

    private static String modelName(String path) {
        String rest = path.substring(MODELS.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }
}
