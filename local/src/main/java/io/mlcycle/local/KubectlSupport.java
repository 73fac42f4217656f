package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What kubectl needs from an API server that the mock does not answer: version and discovery (core
 * and built-in groups the operator uses, the mlcycle CRDs with their short names and the {@code
 * mlcycle} category) and server-side printing ({@code as=Table}) with the CRDs' printer columns, so
 * that {@code kubectl get mlcycle}, {@code apply --server-side} and {@code edit} work against local
 * mode.
 */
final class KubectlSupport {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    /** Built-in resources by group/version: name, kind, namespaced, short names. */
    private static final Map<String, List<String[]>> BUILT_IN = new LinkedHashMap<>();

    static {
        BUILT_IN.put(
                "v1",
                List.of(
                        new String[] {"pods", "Pod", "true", "po"},
                        new String[] {"services", "Service", "true", "svc"},
                        new String[] {"configmaps", "ConfigMap", "true", "cm"},
                        new String[] {"secrets", "Secret", "true", ""},
                        new String[] {"events", "Event", "true", "ev"},
                        new String[] {"serviceaccounts", "ServiceAccount", "true", "sa"},
                        new String[] {"namespaces", "Namespace", "false", "ns"}));
        BUILT_IN.put(
                "apps/v1",
                List.of(
                        new String[] {"deployments", "Deployment", "true", "deploy"},
                        new String[] {"replicasets", "ReplicaSet", "true", "rs"}));
        BUILT_IN.put("batch/v1", List.<String[]>of(new String[] {"jobs", "Job", "true", ""}));
        // what a ModelDeployment's spec.autoscaling and spec.disruption make (kubectl get hpa,pdb)
        BUILT_IN.put(
                "autoscaling/v2",
                List.<String[]>of(
                        new String[] {
                            "horizontalpodautoscalers", "HorizontalPodAutoscaler", "true", "hpa"
                        }));
        BUILT_IN.put(
                "policy/v1",
                List.<String[]>of(
                        new String[] {
                            "poddisruptionbudgets", "PodDisruptionBudget", "true", "pdb"
                        }));
        BUILT_IN.put(
                "apiextensions.k8s.io/v1",
                List.<String[]>of(
                        new String[] {
                            "customresourcedefinitions", "CustomResourceDefinition", "false", "crd"
                        }));
        BUILT_IN.put(
                "coordination.k8s.io/v1",
                List.<String[]>of(new String[] {"leases", "Lease", "true", ""}));
    }

    private KubectlSupport() {}

    /** The kind of a built-in resource local mode answers discovery for, or null. */
    static String builtInKind(String apiVersion, String plural) {
        for (String[] r : BUILT_IN.getOrDefault(apiVersion, List.of())) {
            if (r[0].equals(plural)) {
                return r[1];
            }
        }
        return null;
    }

    /**
     * The answer to a discovery or version request, or null when {@code path} (without query) is
     * not one; {@code get} reads from the mock's store.
     */
    static MockResponse discovery(String path, Function<String, MockResponse> get) {
        switch (path) {
            case "/openapi/v2" -> {
                return new MockResponse()
                        .setResponseCode(404)
                        .setHeader("Content-Type", "application/json")
                        .setBody(
                                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
                                        + "\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
            }
            case "/openapi/v3" -> {
                ObjectNode o = JSON.objectNode();
                o.putObject("paths")
                        .putObject("api/v1")
                        .put("serverRelativeURL", "/openapi/v3/api/v1?hash=mlcycle-local");
                return json(o);
            }
            case "/openapi/v3/api/v1" -> {
                // kubectl asks a CRD's group or, missing it, the Namespace PATCH whether the server
                // validates fields itself (fieldValidation); it then sends ?fieldValidation=Strict
                // and does no client-side validation, which needs OpenAPI schemas the mock lacks
                ObjectNode o = JSON.objectNode().put("openapi", "3.0.0");
                o.putObject("info").put("title", "Kubernetes").put("version", "v1.30.0");
                ObjectNode patch =
                        o.putObject("paths")
                                .putObject("/api/v1/namespaces/{name}")
                                .putObject("patch");
                patch.putObject("x-kubernetes-group-version-kind")
                        .put("group", "")
                        .put("version", "v1")
                        .put("kind", "Namespace");
                patch.putArray("parameters")
                        .addObject()
                        .put("name", "fieldValidation")
                        .put("in", "query")
                        .putObject("schema")
                        .put("type", "string");
                return json(o);
            }
            case "/version" -> {
                return json(
                        JSON.objectNode()
                                .put("major", "1")
                                .put("minor", "30")
                                .put("gitVersion", "v1.30.0-mlcycle-local")
                                .put("platform", "linux/amd64"));
            }
            case "/api" -> {
                ObjectNode o = JSON.objectNode().put("kind", "APIVersions");
                o.putArray("versions").add("v1");
                o.putArray("serverAddressByClientCIDRs")
                        .addObject()
                        .put("clientCIDR", "0.0.0.0/0")
                        .put("serverAddress", "127.0.0.1");
                return json(o);
            }
            case "/apis" -> {
                ObjectNode o =
                        JSON.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
                ArrayNode groups = o.putArray("groups");
                Map<String, List<String>> versions = new LinkedHashMap<>();
                for (String gv : BUILT_IN.keySet()) {
                    if (gv.contains("/")) {
                        versions.computeIfAbsent(group(gv), g -> new ArrayList<>())
                                .add(gv.substring(gv.indexOf('/') + 1));
                    }
                }
                for (JsonNode crd : crds(get)) {
                    String g = crd.path("spec").path("group").asText();
                    for (JsonNode v : crd.path("spec").path("versions")) {
                        List<String> vs = versions.computeIfAbsent(g, k -> new ArrayList<>());
                        if (!vs.contains(v.path("name").asText())) {
                            vs.add(v.path("name").asText());
                        }
                    }
                }
                versions.forEach(
                        (g, vs) -> {
                            ObjectNode group = groups.addObject().put("name", g);
                            ArrayNode list = group.putArray("versions");
                            for (String v : vs) {
                                list.addObject().put("groupVersion", g + "/" + v).put("version", v);
                            }
                            group.putObject("preferredVersion")
                                    .put("groupVersion", g + "/" + vs.get(0))
                                    .put("version", vs.get(0));
                        });
                return json(o);
            }
            default -> {
                String gv =
                        path.startsWith("/api/")
                                ? path.substring("/api/".length())
                                : path.startsWith("/apis/")
                                        ? path.substring("/apis/".length())
                                        : "";
                if (gv.isEmpty() || gv.split("/").length > 2) {
                    return null;
                }
                if (BUILT_IN.containsKey(gv)) {
                    return json(resourceList(gv, BUILT_IN.get(gv)));
                }
                if (gv.split("/").length != 2) {
                    return null;
                }
                ObjectNode list = resourceList(gv, List.of());
                ArrayNode resources = (ArrayNode) list.get("resources");
                boolean any = false;
                for (JsonNode crd : crds(get)) {
                    JsonNode spec = crd.path("spec");
                    boolean served = false;
                    for (JsonNode v : spec.path("versions")) {
                        served |=
                                gv.equals(
                                        spec.path("group").asText()
                                                + "/"
                                                + v.path("name").asText());
                    }
                    if (!served) {
                        continue;
                    }
                    any = true;
                    JsonNode names = spec.path("names");
                    ObjectNode r =
                            resource(
                                    resources,
                                    names.path("plural").asText(),
                                    names.path("kind").asText(),
                                    "Namespaced".equals(spec.path("scope").asText()));
                    r.put("singularName", names.path("singular").asText());
                    r.set("shortNames", names.path("shortNames").deepCopy());
                    r.set("categories", names.path("categories").deepCopy());
                    resources
                            .addObject()
                            .put("name", names.path("plural").asText() + "/status")
                            .put("singularName", "")
                            .put("namespaced", "Namespaced".equals(spec.path("scope").asText()))
                            .put("kind", names.path("kind").asText())
                            .putArray("verbs")
                            .add("get")
                            .add("patch")
                            .add("update");
                }
                return any ? json(list) : null;
            }
        }
    }

    /**
     * The mock's answer to a GET of mlcycle resources as a {@code meta.k8s.io/v1} Table with the
     * CRD's printer columns (Name first, then the columns in the CRD's order); null when {@code
     * path} is not an mlcycle resource or the answer is not a success.
     */
    static MockResponse table(
            String path, MockResponse answer, Function<String, MockResponse> get) {
        if (ApplyingCrudDispatcher.code(answer) != 200) {
            return null;
        }
        JsonNode columns = columns(path, crds(get));
        if (columns == null) {
            return null;
        }
        return json(
                tableOf(
                        Serialization.unmarshal(answer.getBody().readUtf8(), JsonNode.class),
                        columns));
    }

    /**
     * The printer columns of the mlcycle resource a path names ({@code /apis/<group>/<version>/
     * [namespaces/<ns>/]<plural>[/<name>]}), or null when it names none.
     */
    static JsonNode columns(String path, List<JsonNode> crds) {
        String[] parts = path.split("/");
        if (parts.length < 5 || !"apis".equals(parts[1])) {
            return null;
        }
        String plural = "namespaces".equals(parts[4]) && parts.length >= 7 ? parts[6] : parts[4];
        for (JsonNode c : crds) {
            if (parts[2].equals(c.path("spec").path("group").asText())
                    && plural.equals(c.path("spec").path("names").path("plural").asText())) {
                for (JsonNode v : c.path("spec").path("versions")) {
                    if (parts[3].equals(v.path("name").asText())) {
                        return v.path("additionalPrinterColumns");
                    }
                }
                return JSON.arrayNode();
            }
        }
        return null;
    }

    /** An object or a list as a {@code meta.k8s.io/v1} Table with these printer columns. */
    static ObjectNode tableOf(JsonNode body, JsonNode columns) {
        ObjectNode table =
                JSON.objectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata")
                .put("resourceVersion", body.path("metadata").path("resourceVersion").asText(""));
        ArrayNode defs = table.putArray("columnDefinitions");
        defs.addObject()
                .put("name", "Name")
                .put("type", "string")
                .put("format", "name")
                .put("description", "Name of the resource")
                .put("priority", 0);
        for (JsonNode c : columns) {
            defs.addObject()
                    .put("name", c.path("name").asText())
                    .put("type", c.path("type").asText("string"))
                    .put("format", c.path("format").asText(""))
                    .put("description", c.path("description").asText(""))
                    .put("priority", c.path("priority").asInt(0));
        }
        ArrayNode rows = table.putArray("rows");
        List<JsonNode> items = new ArrayList<>();
        if (body.has("items")) {
            body.path("items").forEach(items::add);
        } else {
            items.add(body);
        }
        for (JsonNode item : items) {
            rows.add(row(item, columns));
        }
        return table;
    }

    /** One Table row: the name, each printer column's value, and the object's metadata. */
    static ObjectNode row(JsonNode item, JsonNode columns) {
        ObjectNode row = JSON.objectNode();
        ArrayNode cells = row.putArray("cells");
        cells.add(item.path("metadata").path("name").asText());
        for (JsonNode c : columns) {
            JsonNode v = item;
            for (String key : c.path("jsonPath").asText().replaceFirst("^\\.", "").split("\\.")) {
                // a list element: name[0]
                int bracket = key.indexOf('[');
                if (bracket > 0 && key.endsWith("]")) {
                    v =
                            v.path(key.substring(0, bracket))
                                    .path(
                                            Integer.parseInt(
                                                    key.substring(bracket + 1, key.length() - 1)));
                } else {
                    v = v.path(key);
                }
            }
            if (v.isMissingNode() || v.isNull()) {
                cells.addNull();
            } else if ("date".equals(c.path("type").asText())) {
                cells.add(age(v.asText(), java.time.Instant.now()));
            } else {
                cells.add(v.deepCopy());
            }
        }
        ObjectNode object =
                row.putObject("object")
                        .put("kind", "PartialObjectMetadata")
                        .put("apiVersion", "meta.k8s.io/v1");
        object.set("metadata", item.path("metadata").deepCopy());
        return row;
    }

    /** A timestamp as kubectl shows an age: 45s, 3m12s, 42m, 5h3m, 30h, 4d. */
    static String age(String timestamp, java.time.Instant now) {
        long s;
        try {
            s =
                    Math.max(
                            0,
                            now.getEpochSecond()
                                    - java.time.Instant.parse(timestamp).getEpochSecond());
        } catch (java.time.format.DateTimeParseException e) {
            return "<invalid>";
        }
        if (s < 120) {
            return s + "s";
        }
        long m = s / 60;
        if (m < 10) {
            return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        if (m < 180) {
            return m + "m";
        }
        long h = m / 60;
        if (h < 8) {
            return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
        }
        return h < 48 ? h + "h" : (h / 24) + "d";
    }

    private static ObjectNode resourceList(String gv, List<String[]> builtIn) {
        ObjectNode o =
                JSON.objectNode()
                        .put("kind", "APIResourceList")
                        .put("apiVersion", "v1")
                        .put("groupVersion", gv);
        ArrayNode resources = o.putArray("resources");
        for (String[] r : builtIn) {
            ObjectNode res = resource(resources, r[0], r[1], Boolean.parseBoolean(r[2]));
            if (!r[3].isEmpty()) {
                res.putArray("shortNames").add(r[3]);
            }
        }
        return o;
    }

    private static ObjectNode resource(
            ArrayNode resources, String plural, String kind, boolean namespaced) {
        ObjectNode r =
                resources
                        .addObject()
                        .put("name", plural)
                        .put("singularName", "")
                        .put("namespaced", namespaced)
                        .put("kind", kind);
        ArrayNode verbs = r.putArray("verbs");
        for (String v : List.of("create", "delete", "get", "list", "patch", "update", "watch")) {
            verbs.add(v);
        }
        return r;
    }

    static List<JsonNode> crds(Function<String, MockResponse> get) {
        MockResponse r = get.apply(CRDS);
        if (ApplyingCrudDispatcher.code(r) != 200) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        Serialization.unmarshal(r.getBody().readUtf8(), JsonNode.class)
                .path("items")
                .forEach(out::add);
        return out;
    }

    private static String group(String gv) {
        return gv.substring(0, gv.indexOf('/'));
    }

    private static MockResponse json(JsonNode body) {
        return new MockResponse()
                .setResponseCode(200)
                .setHeader("Content-Type", "application/json")
                .setBody(Serialization.asJson(body));
    }
}
