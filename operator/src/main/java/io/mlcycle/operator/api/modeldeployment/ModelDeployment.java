package io.mlcycle.operator.api.modeldeployment;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Serves a model version, scores in batch, and rolls back when online metrics fall. */
@JsonClassDescription(
        "ModelDeployment serves a ModelVersion over the Open Inference Protocol v2 (REST and gRPC), turns feedback into online metrics, rolls a new version out as a canary, rolls back when its metrics fall, and scores in batch on a schedule.")
@Group("mlcycle.io")
@Version("v1alpha1")
@ShortNames("md")
@Categories("mlcycle")
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Current",
        jsonPath = ".status.currentVersion",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.ready",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Canary",
        jsonPath = ".status.canary.phase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Canary-Version",
        jsonPath = ".status.canary.version",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Weight",
        jsonPath = ".status.canary.weight",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Canary-Verdict",
        jsonPath = ".status.canary.analysis.verdict",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Shadow-Version",
        jsonPath = ".status.shadow.version",
        type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Shadow",
        jsonPath = ".status.shadow.verdict",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Verdict",
        jsonPath = ".status.analysis.verdict",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(
        name = "URL",
        jsonPath = ".status.url",
        type = AdditionalPrinterColumn.Type.STRING,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ModelDeployment extends CustomResource<ModelDeploymentSpec, ModelDeploymentStatus>
        implements Namespaced {}
