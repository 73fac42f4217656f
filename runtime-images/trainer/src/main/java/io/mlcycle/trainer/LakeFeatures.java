package io.mlcycle.trainer;

import io.mlcycle.lake.LakeInputs;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.task.FeatureInput;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Feature tables stored as Iceberg tables: each version is planned by its {@code asOf-<date>} tag
 * ({@link LakeInputs}), read from the planned files, and its input carries the snapshot id into the
 * model's lineage. Versions in the parquet layout are read from their directory as before.
 */
final class LakeFeatures {

    private LakeFeatures() {}

    /** Reads and joins the task's feature tables; the inputs of the result name the snapshots. */
    static FeatureAssembler.Assembled assemble(
            List<FeatureInput> inputs, Function<String, String> env) throws IOException {
        LakeInputs planned = LakeInputs.plan(inputs, env);
        return FeatureAssembler.assemble(
                planned.inputs(), FeatureAssembler.planned(planned.plans()));
    }
}
