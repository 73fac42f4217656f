package io.mlcycle.operator.api.modelversion;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** The registry record of one trained model version: metrics, lineage, approval. */
@JsonClassDescription(
        "ModelVersion is the registry record of one trained model version: metrics, SHAP top features, lineage, and approval by its metric gates. Created by TrainingRuns; approve or reject by hand with spec.approval.")
@Group("mlcycle.io")
@Version("v1alpha1")
@ShortNames("mv")
@Categories("mlcycle")
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Model",
        jsonPath = ".spec.model",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Version",
        jsonPath = ".spec.version",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "AUC",
        jsonPath = ".spec.metrics.auc",
        type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(
        name = "Approved",
        jsonPath = ".status.approved",
        type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ModelVersion extends CustomResource<ModelVersionSpec, ModelVersionStatus>
        implements Namespaced {

    /** Label every ModelVersion carries with its model name, for listing a model's versions. */
    public static final String MODEL_LABEL = "mlcycle.io/model";

    /**
     * Annotation a ModelDeployment puts on a version it rolled back from; the ModelVersion
     * reconciler turns it into the RolledBack condition and latestApproved skips it.
     */
    public static final String ROLLED_BACK_ANNOTATION = "mlcycle.io/rolled-back";
}
