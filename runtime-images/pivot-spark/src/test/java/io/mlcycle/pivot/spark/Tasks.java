package io.mlcycle.pivot.spark;

import io.mlcycle.task.PivotTask;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.Task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A mutable pivot task over the generator's item-event log, with the defaults tests share. */
final class Tasks {

    String asOf = "2026-11-21";
    String uri;
    String format = "parquet";
    String marker = "_SUCCESS";
    String timeColumn;
    String from = "2026-11-19";
    String to = "2026-11-21";
    String key = "event_id";
    String value = "cnt";
    String aggregate = "sum";
    int minEntities = 1;
    int maxFeatures = 0;
    String where;
    List<PivotTask.EntityList> exclude = new ArrayList<>();
    Path store;
    int keep = 5;

    /** The store as a URI ({@code s3://}); {@link #store} when null. */
    String storeUri;

    /** {@code iceberg} with {@link #catalog}; null: the parquet layout. */
    String storeFormat;

    TableCatalog catalog;

    PivotTask.Validation validation;
    int wide = 0;

    Tasks(String uri, Path store) {
        this.uri = uri;
        this.store = store;
    }

    /** The as-of date and its two-day window ending the day before. */
    Tasks day(String asOf, String from) {
        this.asOf = asOf;
        this.from = from;
        this.to = asOf;
        return this;
    }

    /** A source whose partitions count as soon as they exist. */
    Tasks withoutMarker() {
        this.marker = null;
        return this;
    }

    PivotTask build() {
        return new PivotTask(
                new Task.Owner("FeatureView", "default", "items"),
                asOf,
                "user_id",
                new PivotTask.Source(uri, format, marker, timeColumn, null),
                new PivotTask.Window(from, to),
                new PivotTask.Pivot(key, value, aggregate, "", minEntities, maxFeatures),
                new PivotTask.Filters(where, exclude),
                new PivotTask.Store(
                        storeUri != null ? storeUri : store.toUri().toString(),
                        keep,
                        storeFormat,
                        catalog),
                validation,
                wide,
                null);
    }
}
