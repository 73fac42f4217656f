package io.mlcycle.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The identity of a published version directory: SHA-256 over every file's relative path, size and
 * bytes in path order ({@code _SUCCESS} and hidden files left out), as {@code sha256:<hex>}. The
 * trainer reports it, the registry records it, the server refuses to serve a directory that no
 * longer matches.
 */
public final class ArtifactDigest {

    public static final String PREFIX = "sha256:";

    private ArtifactDigest() {}

    public static String of(Path dir) {
        MessageDigest sha = sha256();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files =
                    walk.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().equals(VersionedStore.SUCCESS))
                            .filter(f -> !hidden(dir.relativize(f)))
                            .sorted()
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        byte[] buffer = new byte[1 << 16];
        for (Path f : files) {
            String name = dir.relativize(f).toString().replace('\\', '/');
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            try (InputStream in = Files.newInputStream(f)) {
                sha.update(longBytes(Files.size(f)));
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
        }
        return PREFIX + HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Fails with reason {@code ArtifactDigestMismatch} when {@code dir} is not the artifact the
     * registry recorded as {@code expected}; a null or blank {@code expected} (a version registered
     * before digests existed) is not checked.
     */
    public static void verify(Path dir, String expected, String what) {
        if (expected == null || expected.isBlank()) {
            return;
        }
        String actual = of(dir);
        if (!actual.equals(expected)) {
            throw TaskFailure.invalid(
                    "ArtifactDigestMismatch",
                    what
                            + ": "
                            + dir
                            + " has digest "
                            + actual
                            + " but the registry recorded "
                            + expected
                            + "; refusing to use a different artifact under this version");
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
