package io.mlcycle.common;

import io.mlcycle.task.PodEnv;

import java.net.URI;
import java.nio.file.Path;

/**
 * Data lives under URIs: {@code file://} (a volume mounted into every pod) or {@code s3://} (staged
 * to the pod's local disk by {@link Storage}).
 */
public final class Uris {

    /**
     * Local mode runs pods as processes on one machine: every {@code file://} path then lives under
     * this directory, so the same YAML works in a cluster and on a laptop.
     */
    public static final String FILE_ROOT_ENV = PodEnv.FILE_ROOT;

    private static final String FILE_ROOT = System.getenv(FILE_ROOT_ENV);

    private Uris() {}

    /**
     * The local path of a {@code file:} URI (or a plain absolute path), naming the field on error.
     * An {@code s3://} URI is downloaded first (see {@link Storage#stage}): use this for inputs
     * only.
     */
    public static Path toPath(String uri, String field) {
        if (uri == null || uri.isBlank()) {
            throw TaskFailure.invalid("MissingUri", field + " is empty");
        }
        if (uri.startsWith("/")) {
            return rooted(uri);
        }
        if (Storage.isS3(uri)) {
            return Storage.stage(uri, field);
        }
        URI parsed = parse(uri, field);
        if (!"file".equals(parsed.getScheme())) {
            throw TaskFailure.invalid(
                    "UnsupportedScheme",
                    field
                            + " '"
                            + uri
                            + "' uses scheme '"
                            + parsed.getScheme()
                            + "'; only file:// and s3:// are supported");
        }
        return rooted(parsed.getPath());
    }

    /** {@code uri} parsed, naming {@code field} when it is not a URI. */
    static URI parse(String uri, String field) {
        try {
            return URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw TaskFailure.invalid(
                    "InvalidUri", field + " '" + uri + "' is not a URI: " + e.getMessage());
        }
    }

    private static Path rooted(String path) {
        if (FILE_ROOT == null || FILE_ROOT.isBlank()) {
            return Path.of(path);
        }
        return Path.of(FILE_ROOT, path);
    }

    /** {@code dir} joined with {@code child}, keeping a trailing slash off. */
    public static String resolve(String dirUri, String child) {
        String base = dirUri.endsWith("/") ? dirUri : dirUri + "/";
        return base + child;
    }

    /** A path as a {@code file://} URI string ending in '/' when it is a directory name. */
    public static String fileUri(Path path, boolean directory) {
        Path p = path.toAbsolutePath().normalize();
        if (FILE_ROOT != null && !FILE_ROOT.isBlank()) {
            Path root = Path.of(FILE_ROOT).toAbsolutePath().normalize();
            if (p.startsWith(root)) {
                p = Path.of("/").resolve(root.relativize(p));
            }
        }
        String s = p.toUri().toString();
        if (directory && !s.endsWith("/")) {
            s = s + "/";
        }
        return s;
    }
}
