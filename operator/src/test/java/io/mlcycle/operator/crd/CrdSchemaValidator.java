package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates resources against the openAPIV3Schema of our generated CRDs the way the API server does
 * for the parts we use: defaults first, then types, required, enums, patterns, bounds, unknown
 * fields, and the CEL rules ({@code x-kubernetes-validations}, compiled by Google's CEL for Java
 * when the CRDs are loaded: a rule that does not compile fails the constructor). Errors name the
 * field.
 */
final class CrdSchemaValidator {

    static final YAMLMapper YAML = new YAMLMapper();

    /** kind → schema of its served version. */
    private final Map<String, JsonNode> schemas = new HashMap<>();

    /** schema node → its compiled CEL rules. */
    private final Map<JsonNode, List<CelRules.Rule>> rules = new IdentityHashMap<>();

    /**
     * Loads every {@code *.yml} CRD of a directory.
     *
     * @throws IllegalArgumentException naming each CEL rule that does not compile
     */
    CrdSchemaValidator(Path crdDir) throws IOException {
        List<String> errors = new ArrayList<>();
        try (var files = Files.list(crdDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
                JsonNode crd = YAML.readTree(f.toFile());
                String kind = crd.at("/spec/names/kind").asText();
                JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
                schemas.put(kind, schema);
                compileRules(schema, kind, errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(
                    "CEL rules the API server would reject:\n" + String.join("\n", errors));
        }
    }

    private void compileRules(JsonNode schema, String path, List<String> errors) {
        if (schema.has("x-kubernetes-validations")) {
            rules.put(schema, CelRules.compile(schema, path, errors));
        }
        schema.path("properties")
                .fields()
                .forEachRemaining(e -> compileRules(e.getValue(), path + "." + e.getKey(), errors));
        if (schema.path("items").isObject()) {
            compileRules(schema.get("items"), path + "[]", errors);
        }
        if (schema.path("additionalProperties").isObject()) {
            compileRules(schema.get("additionalProperties"), path + ".*", errors);
        }
    }

    boolean knows(String kind) {
        return schemas.containsKey(kind);
    }

    /** Errors of one resource as created; empty when valid (transition rules do not apply). */
    List<String> validate(JsonNode resource) {
        return validate(resource, null);
    }

    /**
     * Errors of an update from {@code old} to {@code resource}; rules reading {@code oldSelf} see
     * the old value where the field existed before (as the API server correlates it).
     */
    List<String> validateUpdate(JsonNode old, JsonNode resource) {
        return validate(resource, old);
    }

    private List<String> validate(JsonNode resource, JsonNode old) {
        List<String> errors = new ArrayList<>();
        String kind = resource.path("kind").asText();
        if (!"mlcycle.io/v1alpha1".equals(resource.path("apiVersion").asText())) {
            errors.add(
                    "apiVersion: '"
                            + resource.path("apiVersion").asText()
                            + "' is not mlcycle.io/v1alpha1");
            return errors;
        }
        JsonNode schema = schemas.get(kind);
        if (schema == null) {
            errors.add("kind: unknown kind '" + kind + "'");
            return errors;
        }
        if (resource.path("metadata").path("name").asText().isEmpty()) {
            errors.add("metadata.name: Required value");
        }
        JsonNode copy = resource.deepCopy();
        JsonNode oldSpec = old == null ? null : defaulted(old.deepCopy().get("spec"), schema);
        validate(copy.get("spec"), oldSpec, schema.path("properties").path("spec"), "spec", errors);
        if (copy.get("spec") == null && schema.path("required").toString().contains("\"spec\"")) {
            errors.add("spec: Required value");
        }
        return errors;
    }

    /** The old spec with its defaults applied, as the API server stored it. */
    private JsonNode defaulted(JsonNode spec, JsonNode schema) {
        validate(spec, null, schema.path("properties").path("spec"), "spec", new ArrayList<>());
        return spec;
    }

    private void validate(
            JsonNode value, JsonNode old, JsonNode schema, String path, List<String> errors) {
        if (value == null || schema.isMissingNode()) {
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isTextual() && !value.isIntegralNumber()) {
                errors.add(path + ": must be an integer or a string");
            }
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    errors.add(path + ": must be an object, got " + value.getNodeType());
                    return;
                }
                object((ObjectNode) value, old, schema, path, errors);
            }
            case "array" -> {
                if (!value.isArray()) {
                    errors.add(path + ": must be an array, got " + value.getNodeType());
                    return;
                }
                if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                    errors.add(
                            path
                                    + ": must have at least "
                                    + schema.get("minItems").asInt()
                                    + " items");
                }
                if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                    errors.add(
                            path
                                    + ": must have at most "
                                    + schema.get("maxItems").asInt()
                                    + " items");
                }
                for (int i = 0; i < value.size(); i++) {
                    validate(
                            value.get(i), null, schema.path("items"), path + "[" + i + "]", errors);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    errors.add(path + ": must be a string, got " + value.getNodeType());
                    return;
                }
                String s = value.asText();
                if (schema.has("pattern")
                        && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
                    errors.add(
                            path
                                    + ": '"
                                    + s
                                    + "' does not match "
                                    + schema.get("pattern").asText());
                }
                if (schema.has("minLength") && s.length() < schema.get("minLength").asInt()) {
                    errors.add(path + ": shorter than " + schema.get("minLength").asInt());
                }
                if (schema.has("maxLength") && s.length() > schema.get("maxLength").asInt()) {
                    errors.add(path + ": longer than " + schema.get("maxLength").asInt());
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    errors.add(path + ": must be an integer, got " + value.getNodeType());
                    return;
                }
                bounds(value.asDouble(), schema, path, errors);
            }
            case "number" -> {
                if (!value.isNumber()) {
                    errors.add(path + ": must be a number, got " + value.getNodeType());
                    return;
                }
                bounds(value.asDouble(), schema, path, errors);
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    errors.add(path + ": must be a boolean, got " + value.getNodeType());
                }
            }
            default -> {}
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                errors.add(
                        path
                                + ": unsupported value "
                                + value
                                + ", supported: "
                                + schema.get("enum"));
            }
        }
        celRules(value, old, schema, path, errors);
    }

    private void celRules(
            JsonNode value, JsonNode old, JsonNode schema, String path, List<String> errors) {
        List<CelRules.Rule> compiled = rules.getOrDefault(schema, List.of());
        if (compiled.isEmpty()) {
            return;
        }
        Object self;
        Object oldSelf;
        try {
            self = CelRules.value(value, schema);
            oldSelf = old == null ? null : CelRules.value(old, schema);
        } catch (CelRules.NotOfSchemaType e) {
            return; // the structural checks above report it; the API server runs no rule then
        }
        for (CelRules.Rule rule : compiled) {
            if (rule.transition() && oldSelf == null) {
                continue;
            }
            try {
                if (!CelRules.holds(rule, self, oldSelf)) {
                    errors.add(path + ": " + rule.message());
                }
            } catch (dev.cel.runtime.CelEvaluationException e) {
                errors.add(path + ": " + rule.message() + " (" + e.getMessage() + ")");
            }
        }
    }

    private void object(
            ObjectNode value, JsonNode old, JsonNode schema, String path, List<String> errors) {
        JsonNode props = schema.path("properties");
        if (props.isObject()) {
            // Defaults first, as the API server applies them before validation.
            Iterator<Map.Entry<String, JsonNode>> it = props.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!value.has(e.getKey()) && e.getValue().has("default")) {
                    value.set(e.getKey(), e.getValue().get("default").deepCopy());
                }
            }
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText()) || value.get(r.asText()).isNull()) {
                    errors.add(path + "." + r.asText() + ": Required value");
                }
            }
            Iterator<String> names = value.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!props.has(name)
                        && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                    errors.add(path + "." + name + ": unknown field");
                }
            }
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                JsonNode oldField = old == null ? null : old.get(f.getKey());
                validate(
                        f.getValue(),
                        oldField,
                        props.path(f.getKey()),
                        path + "." + f.getKey(),
                        errors);
            }
        } else if (schema.path("additionalProperties").isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                validate(
                        f.getValue(),
                        old == null ? null : old.get(f.getKey()),
                        schema.get("additionalProperties"),
                        path + "." + f.getKey(),
                        errors);
            }
        }
    }

    private static void bounds(double v, JsonNode schema, String path, List<String> errors) {
        if (schema.has("minimum") && v < schema.get("minimum").asDouble()) {
            errors.add(
                    path
                            + ": "
                            + fmt(v)
                            + " is less than the minimum "
                            + fmt(schema.get("minimum").asDouble()));
        }
        if (schema.has("maximum") && v > schema.get("maximum").asDouble()) {
            errors.add(
                    path
                            + ": "
                            + fmt(v)
                            + " is greater than the maximum "
                            + fmt(schema.get("maximum").asDouble()));
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
