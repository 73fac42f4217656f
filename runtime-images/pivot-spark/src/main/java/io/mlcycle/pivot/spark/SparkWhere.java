package io.mlcycle.pivot.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.pivot.WhereFilter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;

/**
 * Guards {@code filters.where} on the Spark engine: Spark's parser must read it as exactly one
 * expression (trailing tokens, a second statement or a query fragment fail to parse), it may hold
 * no subquery, and it must bind to the source as a boolean row filter (unknown columns, aggregates
 * and windows fail there). The expression is applied as a parsed tree, never spliced into SQL text.
 */
final class SparkWhere {

    private SparkWhere() {}

    /** Parses the expression without any source; throws InvalidFilter naming the field. */
    static Expression check(SparkSession spark, String where) {
        if (where.contains(";")) {
            throw refuse("';' is not allowed: give one boolean expression, not statements");
        }
        Expression parsed;
        try {
            parsed = spark.sessionState().sqlParser().parseExpression(where);
        } catch (ParseException e) {
            throw refuse("it must be a single expression; cannot parse it: " + firstLine(e));
        }
        if (containsSubquery(parsed)) {
            throw refuse("subqueries are not allowed; use source columns only");
        }
        return parsed;
    }

    /** The filter bound against {@code src}: unknown columns or non-boolean types fail here. */
    static Column bind(SparkSession spark, Dataset<Row> src, String where) {
        Column filter = new Column(check(spark, where));
        try {
            src.where(filter).queryExecution().assertAnalyzed();
        } catch (Exception e) { // AnalysisException: checked in Java's eyes, thrown unchecked
            throw refuse(firstLine(e));
        }
        return filter;
    }

    private static boolean containsSubquery(Expression e) {
        if (e instanceof SubqueryExpression) {
            return true;
        }
        scala.collection.Iterator<Expression> children = e.children().iterator();
        while (children.hasNext()) {
            if (containsSubquery(children.next())) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Exception e) {
        return WhereFilter.firstLine(e.getMessage()).trim();
    }

    private static TaskFailure refuse(String why) {
        return TaskFailure.invalid("InvalidFilter", WhereFilter.FIELD + " is refused: " + why);
    }
}
