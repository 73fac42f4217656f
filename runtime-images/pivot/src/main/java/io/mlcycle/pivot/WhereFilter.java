package io.mlcycle.pivot;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Guards {@code filters.where}: it must be exactly one SQL boolean expression over source columns.
 * DuckDB parses it inside a fixed {@code SELECT 1 FROM t WHERE (...)}; anything that changes the
 * shape of that statement (a second statement, a set operation, GROUP BY, ORDER BY, LIMIT) or holds
 * a subquery is refused before it can run.
 */
public final class WhereFilter {

    public static final String FIELD = "filters.where";

    private WhereFilter() {}

    /** Parses the expression without any source; throws InvalidFilter naming the field. */
    static void check(Connection c, String where) {
        if (where.contains(";")) {
            throw refuse("';' is not allowed: give one boolean expression, not statements");
        }
        String sql = "SELECT 1 FROM t WHERE (" + where + ")";
        JsonNode parsed;
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT json_serialize_sql(" + SparseTables.literal(sql) + ")")) {
            rs.next();
            parsed = TaskJson.MAPPER.readTree(rs.getString(1));
        } catch (SQLException | IOException e) {
            throw refuse("cannot parse it: " + e.getMessage());
        }
        if (parsed.path("error").asBoolean(false)) {
            throw refuse("cannot parse it: " + parsed.path("error_message").asText());
        }
        JsonNode statements = parsed.path("statements");
        if (statements.size() != 1) {
            throw refuse("it must be a single expression");
        }
        JsonNode node = statements.get(0).path("node");
        boolean plain =
                "SELECT_NODE".equals(node.path("type").asText())
                        && node.path("modifiers").isEmpty()
                        && node.path("group_expressions").isEmpty()
                        && node.path("having").isNull()
                        && node.path("qualify").isNull()
                        && node.path("sample").isNull()
                        && node.path("select_list").size() == 1
                        && "BASE_TABLE".equals(node.path("from_table").path("type").asText())
                        && "t".equals(node.path("from_table").path("table_name").asText())
                        && !node.path("cte_map").path("map").elements().hasNext();
        if (!plain) {
            throw refuse("it must be a single boolean expression, not a query fragment");
        }
        if (containsSubquery(node.path("where_clause"))) {
            throw refuse("subqueries are not allowed; use source columns only");
        }
    }

    /** Binds the expression against the source relation: unknown columns or types fail here. */
    static void bind(Connection c, String relation, String where) {
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT count(*) FROM (SELECT * FROM "
                                        + relation
                                        + " WHERE ("
                                        + where
                                        + ") LIMIT 0)")) {
            rs.next();
        } catch (SQLException e) {
            throw refuse(firstLine(e.getMessage()));
        }
    }

    private static boolean containsSubquery(JsonNode n) {
        if (n.isObject()) {
            if ("SUBQUERY".equals(n.path("class").asText())
                    || "SUBQUERY".equals(n.path("type").asText())) {
                return true;
            }
            var it = n.elements();
            while (it.hasNext()) {
                if (containsSubquery(it.next())) {
                    return true;
                }
            }
        } else if (n.isArray()) {
            for (JsonNode child : n) {
                if (containsSubquery(child)) {
                    return true;
                }
            }
        }
        return false;
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static TaskFailure refuse(String why) {
        return TaskFailure.invalid("InvalidFilter", FIELD + " is refused: " + why);
    }
}
