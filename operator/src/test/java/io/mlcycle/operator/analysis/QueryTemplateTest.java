package io.mlcycle.operator.analysis;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class QueryTemplateTest {

    @Test
    void replacesNameNamespaceAndVersion() {
        String q =
                QueryTemplate.render(
                        "sum(x{deployment=\"{{name}}\",namespace=\"{{ namespace }}\",version=\"{{version}}\"})",
                        "ret",
                        "ml",
                        4);
        assertThat(q).isEqualTo("sum(x{deployment=\"ret\",namespace=\"ml\",version=\"4\"})");
    }

    @Test
    void keepsPromqlBracesThatAreNotPlaceholders() {
        assertThat(QueryTemplate.render("rate(x{a=\"$1\"}[5m])", "n", "ns", 1))
                .isEqualTo("rate(x{a=\"$1\"}[5m])");
    }

    @Test
    void anUnknownPlaceholderIsAnErrorNamingIt() {
        assertThatThrownBy(() -> QueryTemplate.render("x{a=\"{{model}}\"}", "n", "ns", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{{model}}");
    }

    @Test
    void usesTellsWhetherAPlaceholderAppears() {
        assertThat(QueryTemplate.uses("x{version=\"{{ version }}\"}", "version")).isTrue();
        assertThat(QueryTemplate.uses("x{deployment=\"{{name}}\"}", "version")).isFalse();
    }
}
