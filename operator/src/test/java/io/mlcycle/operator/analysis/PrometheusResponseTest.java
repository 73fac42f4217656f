package io.mlcycle.operator.analysis;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class PrometheusResponseTest {

    private static String vector(String... samples) {
        StringBuilder b = new StringBuilder();
        for (String s : samples) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append("{\"metric\":{},\"value\":[1700000000.1,\"").append(s).append("\"]}");
        }
        return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                + b
                + "]}}";
    }

    @Test
    void aSingleSampleVectorGivesItsValue() {
        assertThat(PrometheusClient.parse(200, vector("0.42")))
                .isEqualTo(new QueryResult.Value(0.42));
    }

    @Test
    void aScalarGivesItsValue() {
        String body =
                "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1.5,\"3\"]}}";
        assertThat(PrometheusClient.parse(200, body)).isEqualTo(new QueryResult.Value(3));
    }

    @Test
    void emptyNanAndManySeriesAreInconclusiveWithTheReason() {
        assertThat(PrometheusClient.parse(200, vector()))
                .isEqualTo(QueryResult.inconclusive("query returned no data"));
        assertThat(PrometheusClient.parse(200, vector("NaN")))
                .isEqualTo(QueryResult.inconclusive("query returned NaN"));
        assertThat(PrometheusClient.parse(200, vector("1", "2")))
                .extracting(r -> ((QueryResult.Inconclusive) r).reason())
                .asString()
                .contains("2 series");
    }

    @Test
    void infinityIsAValue() {
        assertThat(PrometheusClient.parse(200, vector("+Inf")))
                .isEqualTo(new QueryResult.Value(Double.POSITIVE_INFINITY));
    }

    @Test
    void errorsAndNonJsonAreInconclusiveNamingTheStatus() {
        String error =
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}";
        assertThat(PrometheusClient.parse(400, error))
                .isEqualTo(
                        QueryResult.inconclusive(
                                "Prometheus answered HTTP 400: parse error at char 3"));
        assertThat(PrometheusClient.parse(502, "<html>bad gateway</html>"))
                .isEqualTo(
                        QueryResult.inconclusive(
                                "Prometheus answered HTTP 502 with a body that is not JSON"));
    }
}
