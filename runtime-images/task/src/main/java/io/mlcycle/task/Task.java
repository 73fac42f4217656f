package io.mlcycle.task;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A fully resolved unit of work for one runtime pod: concrete URIs, dates and parameters, so a
 * runtime never reads the Kubernetes API.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PivotTask.class, name = "pivot"),
    @JsonSubTypes.Type(value = TrainTask.class, name = "train"),
    @JsonSubTypes.Type(value = ServeTask.class, name = "serve"),
    @JsonSubTypes.Type(value = ScoreTask.class, name = "score"),
    @JsonSubTypes.Type(value = ReplayTask.class, name = "replay")
})
public sealed interface Task permits PivotTask, TrainTask, ServeTask, ScoreTask, ReplayTask {

    /** The resource this task was created for. */
    Owner owner();

    /** Namespace, name and kind of the resource that asked for a task. */
    record Owner(String kind, String namespace, String name) {}
}
