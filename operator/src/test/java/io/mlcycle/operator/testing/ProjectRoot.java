package io.mlcycle.operator.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root, from {@code mlcycle.project.root} (set by surefire) or the working dir. */
public final class ProjectRoot {

    private ProjectRoot() {}

    public static Path get() {
        Path start =
                Path.of(System.getProperty("mlcycle.project.root", "."))
                        .toAbsolutePath()
                        .normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("crds")) && Files.isDirectory(p.resolve("operator"))) {
                return p;
            }
        }
        return start;
    }
}
