package io.mlcycle.trainer;

import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.model.FeatureAssembler;
import io.mlcycle.task.FeatureInput;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Feature tables stored as Iceberg tables: each version is planned by its {@code asOf-<date>} tag,
 * read from the planned files, and its input carries the snapshot id into the model's lineage.
 * Versions in the parquet layout are read from their directory as before.
 */
final class LakeFeatures {

    private LakeFeatures() {}

    /** Reads and joins the task's feature tables; the inputs of the result name the snapshots. */
    static FeatureAssembler.Assembled assemble(
            List<FeatureInput> inputs, Function<String, String> env) throws IOException {
        if (inputs == null || inputs.stream().allMatch(in -> in.catalog() == null)) {
            return FeatureAssembler.assemble(inputs);
        }
        List<FeatureInput> planned = new ArrayList<>();
        Map<FeatureInput, ScanPlan> plans = new HashMap<>();
        for (FeatureInput in : inputs) {
            if (in.catalog() == null) {
                planned.add(in);
                continue;
            }
            LakeTable table = LakeTable.open(LakeCatalog.of(in.catalog(), null, env));
            ScanPlan plan = table.plan(in.asOf());
            FeatureInput pinned = in.withSnapshot(plan.snapshotId());
            planned.add(pinned);
            plans.put(pinned, plan);
        }
        return FeatureAssembler.assemble(
                planned,
                (in, field) -> {
                    ScanPlan plan = plans.get(in);
                    return plan == null
                            ? FeatureAssembler.readDirectory(in, field)
                            : new FeatureAssembler.Table(
                                    in.featureView(), plan.read(), plan.featureCatalog());
                });
    }
}
