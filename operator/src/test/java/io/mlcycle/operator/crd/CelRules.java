package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code x-kubernetes-validations} rules of one schema node, compiled and evaluated by Google's
 * CEL for Java as the API server does: {@code self} (and {@code oldSelf}) typed from the OpenAPI
 * schema (objects with properties as structs whose unknown fields fail to compile, {@code integer}
 * as int, {@code number} as double, maps, lists, int-or-string and preserved fields as dyn), the
 * standard macros ({@code has}, {@code all}, {@code exists}…), CEL's string, list and set
 * extensions and cross-type numeric comparisons. Kubernetes' own libraries (quantity, url, ip…) are
 * not declared: a rule using one fails to compile here.
 */
final class CelRules {

    /** One compiled rule; {@code transition} when it reads {@code oldSelf}. */
    record Rule(String expr, String message, CelRuntime.Program program, boolean transition) {}

    /** Thrown when a value does not have its schema's type (the structural check reports it). */
    static final class NotOfSchemaType extends RuntimeException {
        NotOfSchemaType(String what) {
            super(what);
        }
    }

    private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");

    /** CEL's reserved words: the API server exposes such property names as {@code __name__}. */
    private static final Set<String> RESERVED =
            Set.of(
                    "true",
                    "false",
                    "null",
                    "in",
                    "as",
                    "break",
                    "const",
                    "continue",
                    "else",
                    "for",
                    "function",
                    "if",
                    "import",
                    "let",
                    "loop",
                    "package",
                    "namespace",
                    "return",
                    "var",
                    "void",
                    "while");

    private static final CelOptions OPTIONS =
            CelOptions.current().enableHeterogeneousNumericComparisons(true).build();

    private CelRules() {}

    /**
     * Compiles the rules of a schema node; the errors (one per rule that does not compile, naming
     * it and CEL's message) are added to {@code errors}.
     */
    static List<Rule> compile(JsonNode schema, String typeName, List<String> errors) {
        List<CelType> structs = new ArrayList<>();
        CelType selfType = type(schema, typeName, structs);
        Cel cel = environment(selfType, structs);
        List<Rule> rules = new ArrayList<>();
        for (JsonNode r : schema.path("x-kubernetes-validations")) {
            String expr = r.path("rule").asText();
            CelValidationResult result = cel.compile(expr);
            if (result.hasError()) {
                errors.add(
                        typeName
                                + ": rule '"
                                + expr
                                + "' does not compile: "
                                + result.getErrorString());
                continue;
            }
            try {
                CelAbstractSyntaxTree ast = result.getAst();
                rules.add(
                        new Rule(
                                expr,
                                r.path("message").asText(expr),
                                cel.createProgram(ast),
                                OLD_SELF.matcher(expr).find()));
            } catch (CelValidationException | CelEvaluationException e) {
                errors.add(typeName + ": rule '" + expr + "' does not compile: " + e.getMessage());
            }
        }
        return rules;
    }

    private static Cel environment(CelType selfType, List<CelType> structs) {
        ImmutableList<CelType> types = ImmutableList.copyOf(structs);
        CelTypeProvider provider =
                new CelTypeProvider() {
                    @Override
                    public ImmutableCollection<CelType> types() {
                        return types;
                    }

                    @Override
                    public Optional<CelType> findType(String name) {
                        return types.stream().filter(t -> t.name().equals(name)).findFirst();
                    }
                };
        return CelFactory.standardCelBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .setTypeProvider(provider)
                .addVar("self", selfType)
                .addVar("oldSelf", selfType)
                .setResultType(SimpleType.BOOL)
                .addCompilerLibraries(
                        CelExtensions.strings(), CelExtensions.lists(), CelExtensions.sets(OPTIONS))
                .addRuntimeLibraries(
                        CelExtensions.strings(), CelExtensions.lists(), CelExtensions.sets(OPTIONS))
                .build();
    }

    /** The CEL type the API server declares for a schema node. */
    private static CelType type(JsonNode schema, String name, List<CelType> structs) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return SimpleType.DYN;
        }
        return switch (schema.path("type").asText("")) {
            case "string" -> SimpleType.STRING;
            case "integer" -> SimpleType.INT;
            case "number" -> SimpleType.DOUBLE;
            case "boolean" -> SimpleType.BOOL;
            case "array" -> ListType.create(type(schema.path("items"), name + ".@items", structs));
            case "object" -> objectType(schema, name, structs);
            default -> SimpleType.DYN;
        };
    }

    private static CelType objectType(JsonNode schema, String name, List<CelType> structs) {
        JsonNode props = schema.path("properties");
        if (props.isObject() && props.size() > 0) {
            Map<String, CelType> fields = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = props.fields();
            while (it.hasNext()) {
                var e = it.next();
                fields.put(
                        escape(e.getKey()), type(e.getValue(), name + "." + e.getKey(), structs));
            }
            StructType struct =
                    StructType.create(
                            name,
                            ImmutableSet.copyOf(fields.keySet()),
                            f -> Optional.ofNullable(fields.get(f)));
            structs.add(struct);
            return struct;
        }
        if (schema.path("additionalProperties").isObject()) {
            return MapType.create(
                    SimpleType.STRING,
                    type(schema.path("additionalProperties"), name + ".@value", structs));
        }
        return SimpleType.DYN;
    }

    private static String escape(String property) {
        return RESERVED.contains(property) ? "__" + property + "__" : property;
    }

    /** The CEL value of a JSON value, typed by its schema as the API server converts it. */
    static Object value(JsonNode value, JsonNode schema) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return dyn(value);
        }
        String type = schema.path("type").asText("");
        return switch (type) {
            case "string" -> expect(value.isTextual(), value, type, value.asText());
            case "integer" -> expect(value.isIntegralNumber(), value, type, value.asLong());
            case "number" -> expect(value.isNumber(), value, type, value.asDouble());
            case "boolean" -> expect(value.isBoolean(), value, type, value.asBoolean());
            case "array" -> list(value, schema.path("items"));
            case "object" -> object(value, schema);
            default -> dyn(value);
        };
    }

    private static Object expect(boolean ok, JsonNode value, String type, Object converted) {
        if (!ok) {
            throw new NotOfSchemaType(value + " is not a " + type);
        }
        return converted;
    }

    private static List<Object> list(JsonNode value, JsonNode items) {
        expect(value.isArray(), value, "array", null);
        List<Object> out = new ArrayList<>();
        for (JsonNode v : value) {
            out.add(value(v, items));
        }
        return out;
    }

    private static Map<String, Object> object(JsonNode value, JsonNode schema) {
        expect(value.isObject(), value, "object", null);
        JsonNode props = schema.path("properties");
        boolean struct = props.isObject() && props.size() > 0;
        JsonNode additional = schema.path("additionalProperties");
        Map<String, Object> out = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            var f = it.next();
            if (f.getValue().isNull()) {
                continue;
            }
            if (struct) {
                JsonNode p = props.get(f.getKey());
                if (p != null) {
                    out.put(escape(f.getKey()), value(f.getValue(), p));
                }
            } else {
                out.put(
                        f.getKey(),
                        additional.isObject()
                                ? value(f.getValue(), additional)
                                : dyn(f.getValue()));
            }
        }
        return out;
    }

    private static Object dyn(JsonNode v) {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isArray()) {
            List<Object> out = new ArrayList<>();
            v.forEach(e -> out.add(dyn(e)));
            return out;
        }
        Map<String, Object> out = new HashMap<>();
        v.fields().forEachRemaining(e -> out.put(e.getKey(), dyn(e.getValue())));
        return out;
    }

    /** Evaluates a rule; true when it holds. */
    static boolean holds(Rule rule, Object self, Object oldSelf) throws CelEvaluationException {
        Map<String, Object> vars = new HashMap<>();
        vars.put("self", self);
        if (oldSelf != null) {
            vars.put("oldSelf", oldSelf);
        }
        return Boolean.TRUE.equals(rule.program().eval(vars));
    }
}
