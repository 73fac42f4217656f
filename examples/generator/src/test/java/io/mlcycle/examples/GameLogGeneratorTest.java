package io.mlcycle.examples;

import io.mlcycle.common.SparseTables;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class GameLogGeneratorTest {

    static final GameLogGenerator.Config CONFIG =
            new GameLogGenerator.Config(1500, 600, 7, LocalDate.parse("2026-11-21"), 11);

    @TempDir static Path tmp;
    static GameLogGenerator.Result result;

    @BeforeAll
    static void generate() throws Exception {
        result = GameLogGenerator.generate(CONFIG, tmp.resolve("a"));
    }

    static String query(String sql) throws Exception {
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String digest(Path root) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                md.update(root.relativize(p).toString().getBytes());
                md.update(Files.readAllBytes(p));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void writesDailyPartitionsWithMarkersLabelsBlacklistAndTruth() {
        Path out = tmp.resolve("a");
        assertThat(result.dates())
                .containsExactly(
                        "2026-11-14",
                        "2026-11-15",
                        "2026-11-16",
                        "2026-11-17",
                        "2026-11-18",
                        "2026-11-19",
                        "2026-11-20");
        for (String d : result.dates()) {
            assertThat(out.resolve("raw/kpi/dt=" + d + "/part-0.parquet")).isRegularFile();
            assertThat(out.resolve("raw/kpi/dt=" + d + "/_SUCCESS")).isRegularFile();
            assertThat(out.resolve("raw/item-events/dt=" + d + "/part-0.parquet")).isRegularFile();
            assertThat(out.resolve("raw/item-events/dt=" + d + "/_SUCCESS")).isRegularFile();
        }
        assertThat(out.resolve("labels/returned/asOf=2026-11-21/labels.parquet")).isRegularFile();
        assertThat(out.resolve("blacklist.csv")).content().startsWith("user_id\n");
        assertThat(out.resolve("truth.json")).content().contains(result.planted().get(2).feature());
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherData() throws Exception {
        GameLogGenerator.generate(CONFIG, tmp.resolve("b"));
        assertThat(digest(tmp.resolve("b"))).isEqualTo(digest(tmp.resolve("a")));
        GameLogGenerator.generate(
                new GameLogGenerator.Config(1500, 600, 7, CONFIG.end(), 12), tmp.resolve("c"));
        assertThat(digest(tmp.resolve("c"))).isNotEqualTo(digest(tmp.resolve("a")));
    }

    @Test
    void itemEventsAreLongZipfSkewedWithSomeTestRows() throws Exception {
        String items = tmp.resolve("a/raw/item-events/*/part-0.parquet").toString();
        String src = "read_parquet(" + SparseTables.literal(items) + ")";
        assertThat(Long.parseLong(query("SELECT count(DISTINCT event_id) FROM " + src)))
                .isGreaterThan(1000);
        assertThat(Long.parseLong(query("SELECT count(*) FROM " + src + " WHERE channel = 'test'")))
                .isPositive();
        // the most popular key is far more frequent than the median one
        double skew =
                Double.parseDouble(
                        query(
                                "SELECT max(n) / median(n) FROM (SELECT count(*) n FROM "
                                        + src
                                        + " GROUP BY event_id)"));
        assertThat(skew).isGreaterThan(20);
        assertThat(
                        query(
                                "SELECT string_agg(a, ',' ORDER BY a) FROM (SELECT DISTINCT"
                                        + " split_part(event_id, ':', 1) a FROM "
                                        + src
                                        + ")"))
                .isEqualTo("destroy,enhance_fail,enhance_ok,purchase");
        String kpi = tmp.resolve("a/raw/kpi/*/part-0.parquet").toString();
        assertThat(
                        query(
                                "SELECT string_agg(a, ',' ORDER BY a) FROM (SELECT DISTINCT event_id a FROM read_parquet("
                                        + SparseTables.literal(kpi)
                                        + "))"))
                .isEqualTo("logins,payments,playtime_min");
    }

    @Test
    void plantedItemEffectsMoveTheReturnRateTheirWay() throws Exception {
        String items =
                SparseTables.literal(tmp.resolve("a/raw/item-events/*/part-0.parquet").toString());
        String labels =
                SparseTables.literal(
                        tmp.resolve("a/labels/returned/asOf=2026-11-21/labels.parquet").toString());
        for (GameLogGenerator.Planted p : result.planted()) {
            if (!p.featureView().equals(GameLogGenerator.ITEM_EVENTS)) {
                continue;
            }
            String sql =
                    "SELECT avg(returned) FILTER (WHERE h) - avg(returned) FILTER (WHERE NOT h)"
                            + " FROM (SELECT l.returned, l.user_id IN (SELECT user_id FROM read_parquet("
                            + items
                            + ") WHERE event_id = "
                            + SparseTables.literal(p.feature())
                            + ") AS h FROM read_parquet("
                            + labels
                            + ") l)";
            double lift = Double.parseDouble(query(sql));
            assertThat(Math.signum(lift))
                    .as(p.feature() + " lift " + lift)
                    .isEqualTo(Math.signum(p.weight()));
            assertThat(Math.abs(lift)).as(p.feature()).isGreaterThan(0.03);
        }
        assertThat(result.returnRate()).isBetween(0.2, 0.8);
        assertThat(List.of(result.planted().get(0).feature(), result.planted().get(1).feature()))
                .containsExactly("logins", "payments");
    }
}
