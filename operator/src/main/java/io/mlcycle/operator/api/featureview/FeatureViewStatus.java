package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.mlcycle.operator.api.MlcycleStatus;

import java.util.ArrayList;
import java.util.List;

/** Latest good table, running and waiting materializations, bounded history. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FeatureViewStatus extends MlcycleStatus {

    /** Short state for printer columns. */
    public enum Phase {
        Pending,
        Materializing,
        WaitingForData,
        Ready,
        Failed
    }

    @JsonPropertyDescription("Pending, Materializing, WaitingForData, Ready or Failed.")
    public Phase phase;

    @JsonPropertyDescription("The latest good materialization: what TrainingRuns read.")
    public Materialization latest;

    @JsonPropertyDescription("Materializations running now (one pivot Job each).")
    public List<Materialization> active = new ArrayList<>();

    @JsonPropertyDescription("As-of dates waiting for their source partitions.")
    public List<Materialization> waiting = new ArrayList<>();

    @JsonPropertyDescription("Recent finished materializations, newest first (bounded).")
    public List<Materialization> history = new ArrayList<>();

    @JsonPropertyDescription(
            "Materializations triggered but not started yet (maxConcurrent reached, or the as-of"
                    + " is still running).")
    public List<Materialization> queued = new ArrayList<>();

    @JsonPropertyDescription("Progress of the backfill range.")
    public BackfillProgress backfill;

    @JsonPropertyDescription("Last time the schedule fired (RFC 3339).")
    public String lastScheduleTime;

    @JsonPropertyDescription("Hash of the spec the last one-shot materialization was made for.")
    public String specHash;

    @JsonPropertyDescription("The version current in the online store (spec.online).")
    public Online online;

    /** What the online store serves for this view. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Online {
        @JsonPropertyDescription("As-of date (ISO) of the rows served online.")
        public String asOf;

        @JsonPropertyDescription("Version tag in Redis (<asOf without dashes>-<8 hex>).")
        public String version;

        @JsonPropertyDescription("Entities (rows) written.")
        public Long entities;

        @JsonPropertyDescription("When the version was written (RFC 3339).")
        public String writtenAt;

        @JsonPropertyDescription(
                "Feature columns written (fewer than the table's when spec.pivot.select narrows"
                        + " the online copy).")
        public Long columns;
    }

    @JsonPropertyDescription(
            "spec.pivot.select: the columns the next materialization writes online, and the model"
                    + " versions they come from; absent while every column is written.")
    public Selection selection;

    /** The online columns chosen from the named models. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Selection {
        @JsonPropertyDescription(
                "Columns selected from the features the models' versions record (margin not"
                        + " counted); with a topK beyond those, the pivot adds more from each"
                        + " version's full ranking: status.online.columns has what it wrote.")
        public Integer columns;

        @JsonPropertyDescription(
                "Extra columns by the view's own ranking (spec.pivot.select.margin).")
        public Integer margin;

        @JsonPropertyDescription("The versions read, <model> v<N>.")
        public java.util.List<String> models;
    }

    /** One as-of date's pivot run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Materialization {
        @JsonPropertyDescription("As-of date (ISO).")
        public String asOf;

        @JsonPropertyDescription(
                "Name of the pivot Job (engine duckdb) or SparkApplication (spark).")
        public String job;

        @JsonPropertyDescription("Engine that ran it: duckdb or spark.")
        public String engine;

        @JsonPropertyDescription(
                "While it runs: the pod's last progress report, e.g. read 1200000 rows.")
        public String progress;

        @JsonPropertyDescription("Attempt number for this as-of (waiting for data retries).")
        public Integer attempt;

        @JsonPropertyDescription(
                "Why it started: spec:<hash>, schedule:<time>, backfill:<date> or"
                        + " retry:<date>:<attempt>.")
        public String trigger;

        @JsonPropertyDescription("Succeeded, Failed, Invalid, WaitingForData or ValidationFailed.")
        public String outcome;

        @JsonPropertyDescription("CamelCase reason reported by the pod.")
        public String reason;

        @JsonPropertyDescription("Message reported by the pod.")
        public String message;

        @JsonPropertyDescription("URI of the table version.")
        public String uri;

        @JsonPropertyDescription("Rows (entities) in the table.")
        public Long entities;

        @JsonPropertyDescription("Feature columns in the table.")
        public Long features;

        @JsonPropertyDescription(
                "The table's feature column names, as the pivot published them (absent when the"
                        + " list does not fit the pod's summary).")
        public List<String> columns;

        @JsonPropertyDescription("Non-zero cells.")
        public Long nonZeros;

        @JsonPropertyDescription("Fraction of zero cells.")
        public Double sparsity;

        @JsonPropertyDescription("Source rows read.")
        public Long sourceRows;

        @JsonPropertyDescription("Rows left after the filters.")
        public Long filteredRows;

        @JsonPropertyDescription("Seconds the pivot took.")
        public Double seconds;

        @JsonPropertyDescription("When the Job or SparkApplication was created (RFC 3339).")
        public String startedAt;

        @JsonPropertyDescription("When it finished (RFC 3339).")
        public String completedAt;

        @JsonPropertyDescription("Earliest time of the next attempt while waiting for data.")
        public String nextAttemptAt;
    }

    /** How far a backfill range got. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class BackfillProgress {
        @JsonPropertyDescription("The range, <from>..<to>; a new range starts over.")
        public String range;

        @JsonPropertyDescription("Next as-of date to start (ISO); after the range end: done.")
        public String next;

        @JsonPropertyDescription("True once every date of the range was started.")
        public Boolean done;
    }
}
