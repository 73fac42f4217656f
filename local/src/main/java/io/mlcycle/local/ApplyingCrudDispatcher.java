package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * The mock API's CRUD dispatcher plus server-side apply, which the mock refuses (415): an apply
 * creates the object when it does not exist, else it is merged into it as an RFC 7386 merge patch
 * (lists replaced whole, as server-side apply does for atomic lists). Close enough for one field
 * manager per object, which is how the operator uses it (an applied status replaces the stored one:
 * what the operator leaves out of it is removed, as server-side apply removes the fields its only
 * manager no longer applies); a production build of the operator applies its status and dependents
 * this way, so local mode must accept it.
 */
final class ApplyingCrudDispatcher extends KubernetesCrudDispatcher {

    static final String APPLY = "application/apply-patch+yaml";
    static final String JSON_PATCH = "application/json-patch+json";

    private volatile BiPredicate<String, String> refused = (method, path) -> false;
    private volatile java.util.function.Consumer<RecordedRequest> observer = r -> {};
    private volatile java.util.function.ObjLongConsumer<RecordedRequest> timer = (r, nanos) -> {};

    ApplyingCrudDispatcher() {
        super(List.of());
    }

    /**
     * From now on answers 503 to the writes whose method and path (without the query) {@code
     * refuse} matches, as an API server that never took them; {@code null} takes every write again.
     */
    void refuseWrites(BiPredicate<String, String> refuse) {
        refused = refuse == null ? (method, path) -> false : refuse;
    }

    private static final java.util.regex.Pattern PODS =
            java.util.regex.Pattern.compile("^/api/v1/namespaces/[^/]+/pods/?$");

    private static final java.util.regex.Pattern POD_LOG =
            java.util.regex.Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$");

    private volatile java.util.function.BiFunction<String, String, java.nio.file.Path> podLogs;

    /** Answers pod log reads from the file {@code logs} names for a namespace and pod. */
    void servePodLogs(java.util.function.BiFunction<String, String, java.nio.file.Path> logs) {
        this.podLogs = logs;
    }

    /** Calls {@code observer} with every request before answering it. */
    void observe(java.util.function.Consumer<RecordedRequest> observer) {
        this.observer = observer == null ? r -> {} : observer;
    }

    /** Calls {@code timer} with every request and the nanoseconds it took to answer it. */
    void time(java.util.function.ObjLongConsumer<RecordedRequest> timer) {
        this.timer = timer == null ? (r, nanos) -> {} : timer;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        observer.accept(request);
        long start = System.nanoTime();
        try {
            return answer(request);
        } finally {
            timer.accept(request, System.nanoTime() - start);
        }
    }

    private MockResponse answer(RecordedRequest request) {
        String path = request.getPath();
        int q = path == null ? -1 : path.indexOf('?');
        String bare = q < 0 ? path : path.substring(0, q);
        if (!"GET".equalsIgnoreCase(request.getMethod())
                && refused.test(request.getMethod().toUpperCase(java.util.Locale.ROOT), bare)) {
            return new MockResponse()
                    .setResponseCode(503)
                    .setHeader("Content-Type", "application/json")
                    .setBody(
                            "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\","
                                    + "\"reason\":\"ServiceUnavailable\",\"code\":503,"
                                    + "\"message\":\"write refused by local mode\"}");
        }
        if ("POST".equalsIgnoreCase(request.getMethod()) && SELF_RULES_REVIEWS.equals(bare)) {
            return selfRulesReview(request);
        }
        if ("GET".equalsIgnoreCase(request.getMethod()) && bare != null) {
            java.util.regex.Matcher log = POD_LOG.matcher(bare);
            if (log.matches() && podLogs != null) {
                return podLog(podLogs.apply(log.group(1), log.group(2)), path);
            }
            MockResponse discovery = KubectlSupport.discovery(bare, this::handleGet);
            if (discovery != null) {
                return discovery;
            }
            String accept = request.getHeader("Accept");
            if (accept != null && accept.contains("as=Table") && !path.contains("watch=")) {
                MockResponse answer = super.dispatch(request);
                MockResponse table = KubectlSupport.table(bare, answer, this::handleGet);
                return table != null ? table : answer;
            }
        }
        return super.dispatch(request);
    }

    static final String SELF_RULES_REVIEWS =
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    /**
     * The answer of an API server to "what may I do here": local mode has no authorization, so
     * every verb on every resource. The operator SDK asks before it runs leader election.
     */
    static MockResponse selfRulesReview(RecordedRequest request) {
        var review =
                Serialization.unmarshal(
                        request.getBody().readUtf8(),
                        io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview
                                .class);
        review.setStatus(
                new io.fabric8.kubernetes.api.model.authorization.v1
                                .SubjectRulesReviewStatusBuilder()
                        .addNewResourceRule()
                        .withApiGroups("*")
                        .withResources("*")
                        .withVerbs("*")
                        .endResourceRule()
                        .addNewNonResourceRule()
                        .withNonResourceURLs("*")
                        .withVerbs("*")
                        .endNonResourceRule()
                        .withIncomplete(false)
                        .build());
        return new MockResponse()
                .setResponseCode(201)
                .setHeader("Content-Type", "application/json")
                .setBody(Serialization.asJson(review));
    }

    /** A pod's log as the API server gives it: text, the last {@code tailLines} lines. */
    static MockResponse podLog(java.nio.file.Path file, String path) {
        if (file == null || !java.nio.file.Files.isRegularFile(file)) {
            return new MockResponse()
                    .setResponseCode(404)
                    .setHeader("Content-Type", "application/json")
                    .setBody(
                            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                    + "\"reason\":\"NotFound\",\"code\":404}");
        }
        java.util.regex.Matcher tail =
                java.util.regex.Pattern.compile("[?&]tailLines=([0-9]+)").matcher(path);
        int keep = tail.find() ? Integer.parseInt(tail.group(1)) : Integer.MAX_VALUE;
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException e) {
            lines = List.of();
        }
        List<String> kept = lines.subList(Math.max(0, lines.size() - keep), lines.size());
        return new MockResponse()
                .setResponseCode(200)
                .setHeader("Content-Type", "text/plain")
                .setBody(String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"));
    }

    /** A created Pod without a phase is Pending, as the API server writes it on create. */
    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        String path = request.getPath() == null ? "" : request.getPath();
        int q = path.indexOf('?');
        String bare = q < 0 ? path : path.substring(0, q);
        if (!PODS.matcher(bare).matches()) {
            return super.handleCreate(request);
        }
        // reading the body consumes it: the create always gets a fresh request
        String body = request.getUtf8Body();
        JsonNode pod = Serialization.unmarshal(body, JsonNode.class);
        if (pod instanceof com.fasterxml.jackson.databind.node.ObjectNode o
                && !pod.path("status").hasNonNull("phase")) {
            com.fasterxml.jackson.databind.node.ObjectNode status =
                    o.get("status") instanceof com.fasterxml.jackson.databind.node.ObjectNode given
                            ? given
                            : o.putObject("status");
            status.put("phase", "Pending");
            body = Serialization.asJson(o);
        }
        return super.handleCreate(
                new RecordedRequest(
                        request.getHttpVersion(),
                        io.fabric8.mockwebserver.dsl.HttpMethod.POST,
                        path,
                        headers("application/json"),
                        new Buffer().writeUtf8(body)));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        String type = request.getHeader("Content-Type");
        if (type == null || !type.startsWith(APPLY)) {
            return super.handlePatch(request);
        }
        String path = request.getPath();
        int q = path.indexOf('?');
        String bare = q < 0 ? path : path.substring(0, q);
        String body = applyBody(request.getUtf8Body());
        boolean status = bare.endsWith("/status");
        String objectPath = status ? bare.substring(0, bare.length() - "/status".length()) : bare;
        if (code(handleGet(objectPath)) == 404) {
            if (status) {
                return super.handlePatch(request);
            }
            String collection = objectPath.substring(0, objectPath.lastIndexOf('/'));
            MockResponse created =
                    handleCreate(
                            new RecordedRequest(
                                    request.getHttpVersion(),
                                    io.fabric8.mockwebserver.dsl.HttpMethod.POST,
                                    collection,
                                    headers("application/json"),
                                    new Buffer().writeUtf8(body)));
            // a created object answers 201; an apply answers 200
            return code(created) == 201 ? created.setResponseCode(200) : created;
        }
        // The mock's own merge patch appends to lists instead of replacing them, so a status list
        // could never shrink: merge here and write the merged members back as a JSON patch.
        JsonNode current =
                Serialization.unmarshal(handleGet(objectPath).getBody().readUtf8(), JsonNode.class);
        JsonNode applied = Serialization.unmarshal(body, JsonNode.class);
        JsonNode merged = mergePatch(current, applied);
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        applied.fieldNames()
                .forEachRemaining(
                        field -> {
                            if (!status || field.equals("status")) {
                                ObjectNode op = ops.addObject();
                                // A status has one field manager, the operator: what its
                                // apply leaves out, server-side apply removes (e.g. a finished
                                // training's status.active), so the applied status replaces it.
                                JsonNode value = status ? applied.get(field) : merged.get(field);
                                if (value != null) {
                                    op.put("op", "add")
                                            .put("path", "/" + field)
                                            .set("value", value);
                                } else if (current.has(field)) {
                                    op.put("op", "remove").put("path", "/" + field);
                                }
                            }
                        });
        return super.handlePatch(
                new RecordedRequest(
                        request.getHttpVersion(),
                        io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
                        bare,
                        headers(JSON_PATCH),
                        new Buffer().writeUtf8(Serialization.asJson(ops))));
    }

    /**
     * RFC 7386: objects merge member by member, null removes, everything else (lists too) replaces.
     */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result =
                target != null && target.isObject()
                        ? ((ObjectNode) target).deepCopy()
                        : JsonNodeFactory.instance.objectNode();
        patch.fields()
                .forEachRemaining(
                        e -> {
                            if (e.getValue().isNull()) {
                                result.remove(e.getKey());
                            } else {
                                result.set(
                                        e.getKey(),
                                        mergePatch(result.get(e.getKey()), e.getValue()));
                            }
                        });
        return result;
    }

    /** The apply body as JSON, without the fields a merge must not compare or overwrite. */
    static String applyBody(String yamlOrJson) {
        JsonNode node = Serialization.unmarshal(yamlOrJson, JsonNode.class);
        if (node instanceof ObjectNode o && o.get("metadata") instanceof ObjectNode meta) {
            meta.remove("resourceVersion");
            meta.remove("managedFields");
            meta.remove("uid");
            meta.remove("creationTimestamp");
            meta.remove("generation");
        }
        return Serialization.asJson(node);
    }

    private static Headers headers(String contentType) {
        return Headers.builder().add("Content-Type", contentType).build();
    }

    static int code(MockResponse r) {
        String s = r.getStatus();
        String[] parts = s == null ? new String[0] : s.split(" ");
        try {
            return parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
