package io.mlcycle.common;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The content of a marker that names a generation: its name ({@code .gen-<millis>-<hex>}) and every
 * file's relative path and size, in path order.
 */
record Generation(String name, Map<String, Long> files) {

    private static final String HEADER = "mlcycle-generation ";
    private static final SecureRandom RANDOM = new SecureRandom();

    static Generation fresh(Map<String, Long> files) {
        byte[] r = new byte[6];
        RANDOM.nextBytes(r);
        return new Generation(
                ObjectDirs.GENERATION_PREFIX
                        + System.currentTimeMillis()
                        + "-"
                        + HexFormat.of().formatHex(r),
                files);
    }

    /** The generation a marker names; empty for an empty or foreign marker (old layout). */
    static Optional<Generation> parse(byte[] marker) {
        String text = new String(marker, StandardCharsets.UTF_8);
        if (!text.startsWith(HEADER)) {
            return Optional.empty();
        }
        List<String> lines = text.lines().toList();
        String name = lines.get(0).substring(HEADER.length()).trim();
        Map<String, Long> files = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int space = line.indexOf(' ');
            try {
                files.put(line.substring(space + 1), Long.parseLong(line.substring(0, space)));
            } catch (RuntimeException e) {
                // never read a version partly: a marker we cannot read names nothing whole
                throw new IllegalArgumentException(
                        "malformed line '" + line + "' in a generation marker");
            }
        }
        return Optional.of(new Generation(name, files));
    }

    byte[] render() {
        StringBuilder b = new StringBuilder(HEADER).append(name).append('\n');
        files.forEach((rel, size) -> b.append(size).append(' ').append(rel).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    long bytes() {
        return files.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Creation time from the name; 0 (always old enough) when the name does not carry one. */
    static long createdMillis(String name) {
        try {
            String rest = name.substring(ObjectDirs.GENERATION_PREFIX.length());
            return Long.parseLong(rest.substring(0, rest.indexOf('-')));
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
