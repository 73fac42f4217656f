package io.mlcycle.operator.api.trainingrun;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Trains, evaluates and explains a model on FeatureView tables and registers ModelVersions. */
@JsonClassDescription(
        "TrainingRun trains, evaluates and explains a model on FeatureView tables plus labels (algorithm auto by default: logistic, XGBoost and a ResNet compared), registers each result as a numbered ModelVersion and retrains when its features refresh.")
@Group("mlcycle.io")
@Version("v1alpha1")
@ShortNames("tr")
@Categories("mlcycle")
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Version",
        jsonPath = ".status.modelVersion",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "AUC",
        jsonPath = ".status.auc",
        type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(
        name = "Approved",
        jsonPath = ".status.approved",
        type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
        name = "Progress",
        jsonPath = ".status.active.progress",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class TrainingRun extends CustomResource<TrainingRunSpec, TrainingRunStatus>
        implements Namespaced {}
