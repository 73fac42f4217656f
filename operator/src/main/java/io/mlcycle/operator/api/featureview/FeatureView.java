package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Pivots a long per-entity event log into dated, validated sparse feature tables. */
@JsonClassDescription(
        "FeatureView pivots a long per-entity event log (entity, event, count, time) into dated, validated sparse feature tables, on a schedule or when the day's _SUCCESS marker lands, with backfill; optionally also into a Redis online store.")
@Group("mlcycle.io")
@Version("v1alpha1")
@ShortNames("fv")
@Categories("mlcycle")
@AdditionalPrinterColumn(
        name = "Phase",
        jsonPath = ".status.phase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "As-Of",
        jsonPath = ".status.latest.asOf",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Entities",
        jsonPath = ".status.latest.entities",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Features",
        jsonPath = ".status.latest.features",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Progress",
        jsonPath = ".status.active[0].progress",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class FeatureView extends CustomResource<FeatureViewSpec, FeatureViewStatus>
        implements Namespaced {}
