package io.mlcycle.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON mapping of tasks and summaries, shared by the operator and every runtime. */
public final class TaskJson {

    /** Environment variable through which the operator hands a pod its task. */
    public static final String TASK_ENV = PodEnv.TASK;

    /** Where a pod writes its summary by default (the kubelet's terminationMessagePath). */
    public static final String TERMINATION_LOG = "/dev/termination-log";

    /**
     * Version of the task contract this build writes and understands. Raise it when a task gains a
     * field a runtime must not ignore: an older runtime then refuses the task ({@link
     * UnsupportedContractException}, exit code 2) instead of silently dropping the field.
     */
    public static final int CONTRACT_VERSION = 1;

    /**
     * The task JSON field carrying {@link #CONTRACT_VERSION}; absent (older operators) reads as 1.
     */
    public static final String CONTRACT_FIELD = "contractVersion";

    public static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .findAndAddModules()
                    .build();

    private TaskJson() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** A task as the operator hands it to a pod: its JSON with this build's contract version. */
    public static String writeTask(Task task) {
        ObjectNode node = MAPPER.valueToTree(task);
        node.put(CONTRACT_FIELD, CONTRACT_VERSION);
        return write(node);
    }

    /**
     * Reads a task, refusing one written for a newer contract than this runtime knows.
     *
     * @throws UnsupportedContractException when the task's contract version is newer
     * @throws IllegalArgumentException when the JSON is not a task
     */
    public static Task readTask(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            JsonNode version = node == null ? null : node.get(CONTRACT_FIELD);
            if (version != null && !(version.isInt() && version.asInt() >= 1)) {
                throw new IllegalArgumentException(
                        "invalid task JSON: "
                                + CONTRACT_FIELD
                                + " "
                                + version
                                + " is not a version");
            }
            if (version != null && version.asInt() > CONTRACT_VERSION) {
                throw new UnsupportedContractException(version.asInt());
            }
            return MAPPER.treeToValue(node, Task.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid task JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A task written for a newer contract than this runtime implements. */
    public static final class UnsupportedContractException extends IllegalArgumentException {

        public UnsupportedContractException(int taskVersion) {
            super(
                    "the task uses contract version "
                            + taskVersion
                            + " but this runtime image implements contract version "
                            + CONTRACT_VERSION
                            + ": it is older than the operator; upgrade the runtime images to the"
                            + " operator's release (refusing the task rather than ignoring fields"
                            + " it does not know)");
        }
    }

    public static Summary readSummary(String json) {
        try {
            return MAPPER.readValue(json, Summary.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "invalid summary JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Serializes a summary so it fits the termination message: drops details first, then shortens
     * the message, never the outcome, reason, uri or figures.
     */
    public static String writeSummary(Summary summary) {
        String json = write(summary);
        if (fits(json)) {
            return json;
        }
        Map<String, Object> kept = new LinkedHashMap<>();
        if (summary.details() != null) {
            for (var e : summary.details().entrySet()) {
                kept.put(e.getKey(), e.getValue());
                if (!fits(write(withDetails(summary, kept)))) {
                    kept.remove(e.getKey());
                }
            }
        }
        Summary trimmed = withDetails(summary, kept.isEmpty() ? null : kept);
        json = write(trimmed);
        if (fits(json) || trimmed.message() == null) {
            return json;
        }
        int over = json.getBytes(StandardCharsets.UTF_8).length - Summary.MAX_BYTES;
        String message = trimmed.message();
        int keep = Math.max(0, message.length() - over - 16);
        return write(
                new Summary(
                        trimmed.outcome(),
                        trimmed.reason(),
                        message.substring(0, keep) + "…",
                        trimmed.uri(),
                        trimmed.figures(),
                        trimmed.details()));
    }

    private static Summary withDetails(Summary s, Map<String, Object> details) {
        return new Summary(s.outcome(), s.reason(), s.message(), s.uri(), s.figures(), details);
    }

    private static boolean fits(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length <= Summary.MAX_BYTES;
    }
}
