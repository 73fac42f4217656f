package io.mlcycle.lake;

import io.mlcycle.task.FeatureInput;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Plans the feature table versions a task reads: each input that names an Iceberg catalog is
 * planned by its {@code asOf-<date>} tag (the trainer's and the batch scorer's one scan) and
 * carries the snapshot id; inputs in the parquet layout stay as they are.
 *
 * @param inputs the task's inputs in order, the Iceberg ones pinned to their snapshot
 * @param plans the scan of each pinned input; a reader reads these files, never the input's uri
 */
public record LakeInputs(List<FeatureInput> inputs, Map<FeatureInput, ScanPlan> plans) {

    /**
     * Plans every Iceberg input. A table that does not exist is {@code TableNotFound}, a missing
     * as-of {@code AsOfNotInTable}, an unreachable catalog {@code CatalogUnreachable}, each naming
     * catalog and table.
     *
     * @param env the pod's environment (catalog user and password)
     */
    public static LakeInputs plan(List<FeatureInput> inputs, Function<String, String> env) {
        List<FeatureInput> planned = new ArrayList<>();
        Map<FeatureInput, ScanPlan> plans = new HashMap<>();
        for (FeatureInput in : inputs == null ? List.<FeatureInput>of() : inputs) {
            if (in.catalog() == null) {
                planned.add(in);
                continue;
            }
            ScanPlan plan = LakeTable.open(LakeCatalog.of(in.catalog(), null, env)).plan(in.asOf());
            FeatureInput pinned = in.withSnapshot(plan.snapshotId());
            planned.add(pinned);
            plans.put(pinned, plan);
        }
        return new LakeInputs(List.copyOf(planned), Map.copyOf(plans));
    }
}
