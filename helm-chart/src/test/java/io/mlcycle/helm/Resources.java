package io.mlcycle.helm;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Test resources as paths. */
final class Resources {

    private Resources() {}

    static Path path(String resource) {
        URL url = Resources.class.getResource("/" + resource);
        if (url == null) {
            throw new IllegalArgumentException("test resource not found: " + resource);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(resource, e);
        }
    }
}
