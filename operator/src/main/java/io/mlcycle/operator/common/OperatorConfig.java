package io.mlcycle.operator.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Operator settings; the Helm chart sets them through MLCYCLE_* environment variables. */
@ConfigMapping(prefix = "mlcycle")
public interface OperatorConfig {

    /** Runtime images. */
    Images images();

    /** How runtime pods run. */
    Runtime runtime();

    /** The shared data volume mounted into every runtime pod. */
    Data data();

    /** Root URI of model artifacts: {@code <modelsUri>/<model>/v<N>/}. */
    @WithDefault("file:///data/models/")
    String modelsUri();

    /** Images of the three runtimes. */
    interface Images {
        String pivot();

        String trainer();

        String server();
    }

    /** Runtime pod settings. */
    interface Runtime {
        /** ServiceAccount of runtime pods (no API permissions). */
        Optional<String> serviceAccount();

        /** JSON of the container securityContext for runtime pods. */
        Optional<String> securityContext();
    }

    /** Data volume. */
    interface Data {
        /** PersistentVolumeClaim mounted into runtime pods; none: no volume. */
        Optional<String> claim();

        @WithDefault("/data")
        String mountPath();
    }
}
