package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.stream.StreamSupport;

/** Reading rendered manifests: RBAC rules, their verbs, arrays of texts, namespaces. */
final class Manifests {

    private Manifests() {}

    /** The rules of a Role or ClusterRole that grant on {@code apiGroup}/{@code resource}. */
    static List<JsonNode> rulesFor(JsonNode role, String apiGroup, String resource) {
        return StreamSupport.stream(role.path("rules").spliterator(), false)
                .filter(r -> texts(r.get("apiGroups")).contains(apiGroup))
                .filter(r -> texts(r.get("resources")).contains(resource))
                .toList();
    }

    /** Every verb those rules grant. */
    static List<String> verbs(List<JsonNode> rules) {
        return rules.stream().flatMap(r -> texts(r.get("verbs")).stream()).distinct().toList();
    }

    /** The texts of a JSON array (empty when absent). */
    static List<String> texts(JsonNode array) {
        if (array == null) {
            return List.of();
        }
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** One field of each element of a JSON array (empty when absent). */
    static List<String> texts(JsonNode array, String field) {
        if (array == null) {
            return List.of();
        }
        return StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.path(field).asText())
                .toList();
    }

    /** The namespaces the rendered objects of one kind and name land in. */
    static List<String> namespacesOf(Chart.Rendered rendered, String kind, String name) {
        return rendered.ofKind(kind).stream()
                .filter(o -> o.at("/metadata/name").asText().equals(name))
                .map(o -> o.at("/metadata/namespace").asText())
                .toList();
    }
}
