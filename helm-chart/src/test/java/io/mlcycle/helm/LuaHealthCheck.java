package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

import java.util.Iterator;
import java.util.Map;

/** Runs one of the chart's Argo CD health scripts the way Argo CD does: global obj in, hs out. */
final class LuaHealthCheck {

    /** What Argo CD reads from the returned table. */
    record Health(String status, String message) {}

    private final String kind;
    private final String script;

    LuaHealthCheck(String kind) {
        this.kind = kind;
        this.script = Chart.healthCheck(kind);
    }

    Health evaluate(JsonNode resource) {
        Globals globals = JsePlatform.standardGlobals();
        globals.set("obj", toLua(resource));
        LuaValue hs = globals.load(script, "mlcycle.io_" + kind + ".lua").call();
        if (!hs.istable()) {
            throw new AssertionError(kind + " health check returned " + hs.typename());
        }
        return new Health(text(hs.get("status")), text(hs.get("message")));
    }

    private static String text(LuaValue value) {
        return value.isnil() ? null : value.tojstring();
    }

    /**
     * Converts JSON as Argo CD converts an unstructured object: objects and arrays become tables.
     */
    static LuaValue toLua(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return LuaValue.NIL;
        }
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                table.set(field.getKey(), toLua(field.getValue()));
            }
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.booleanValue());
        }
        if (node.isIntegralNumber()) {
            return LuaValue.valueOf(node.longValue());
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.doubleValue());
        }
        return LuaValue.valueOf(node.asText());
    }
}
