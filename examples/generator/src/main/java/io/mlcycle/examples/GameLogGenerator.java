package io.mlcycle.examples;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.TaskJson;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded game-log generator for examples and tests: per-day partitions of a dense KPI log and a
 * long item-event log (thousands of Zipf-skewed item ids), a blacklist, and "returned" labels
 * driven by a few planted KPI and item effects plus noise. The same arguments always write the same
 * data.
 *
 * <pre>
 * out/raw/kpi/dt=DATE/part-0.parquet          user_id, event_id (logins|playtime_min|payments), cnt, ts, channel
 * out/raw/item-events/dt=DATE/part-0.parquet  user_id, event_id (enhance_fail:item_12 …), cnt, ts, channel
 * out/blacklist.csv                           user_id
 * out/labels/returned/asOf=END/labels.parquet user_id, returned (0/1)
 * out/truth.json                              the planted features, named as the pivot names them
 * </pre>
 *
 * Partitions cover the dates [end − days, end), each with a {@code _SUCCESS} marker; labels are as
 * of {@code end} and depend on the last seven days (or all days, if fewer), the window a
 * FeatureView with {@code window: 7d} reads for that date.
 */
public final class GameLogGenerator {

    /** Feature view names used in {@code truth.json}, matching the raw directories. */
    public static final String KPI = "kpi";

    public static final String ITEM_EVENTS = "item-events";

    static final String[] KPIS = {"logins", "playtime_min", "payments"};
    static final String[] ACTIONS = {"enhance_fail", "enhance_ok", "destroy", "purchase"};
    static final double[] ACTION_SHARE = {0.35, 0.25, 0.15, 0.25};
    static final int LABEL_DAYS = 7;

    /**
     * What to generate.
     *
     * @param end labels are as of this date; partitions cover [end − days, end)
     */
    public record Config(int users, int items, int days, LocalDate end, long seed) {

        public Config {
            if (users < 1 || items < 20 || days < 1) {
                throw new IllegalArgumentException(
                        "need users >= 1, items >= 20, days >= 1; got users="
                                + users
                                + " items="
                                + items
                                + " days="
                                + days);
            }
        }

        public static Config small(LocalDate end, long seed) {
            return new Config(500, 400, 7, end, seed);
        }
    }

    /** One planted effect: a feature (as the pivot names it, no prefix) and its logit weight. */
    public record Planted(String featureView, String feature, double weight, String rule) {}

    /** What was written. */
    public record Result(
            Path out,
            List<String> dates,
            String labelsAsOf,
            long kpiRows,
            long itemRows,
            long blacklisted,
            double returnRate,
            List<Planted> planted) {}

    private GameLogGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = null;
        int users = 5000;
        int items = 3000;
        int days = 14;
        LocalDate end = LocalDate.of(2026, 11, 21);
        long seed = 42;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--users" -> users = Integer.parseInt(v);
                case "--items" -> items = Integer.parseInt(v);
                case "--days" -> days = Integer.parseInt(v);
                case "--end" -> end = LocalDate.parse(v);
                case "--seed" -> seed = Long.parseLong(v);
                default -> usage("unknown argument " + a);
            }
        }
        if (out == null) {
            usage("--out is required");
        }
        long t0 = System.nanoTime();
        Result r = generate(new Config(users, items, days, end, seed), out);
        System.out.printf(
                "wrote %s: %d dates %s..%s, %d KPI rows, %d item events, %d blacklisted, labels"
                        + " asOf=%s (return rate %.3f) in %.1f s%n",
                out,
                r.dates().size(),
                r.dates().get(0),
                r.dates().get(r.dates().size() - 1),
                r.kpiRows(),
                r.itemRows(),
                r.blacklisted(),
                r.labelsAsOf(),
                r.returnRate(),
                (System.nanoTime() - t0) / 1e9);
    }

    private static void usage(String why) {
        System.err.println(
                why
                        + "\nusage: GameLogGenerator --out <dir> [--users N] [--items N] [--days D]"
                        + " [--end yyyy-MM-dd] [--seed S]");
        System.exit(2);
    }

    /** The planted item ids: popular enough (by Zipf rank) that many users touch them. */
    static Map<String, Integer> plantedItems(Config c) {
        int[] rankToItem = itemPermutation(c);
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("purchase", rankToItem[2]);
        m.put("enhance_fail", rankToItem[4]);
        m.put("enhance_ok", rankToItem[7]);
        m.put("destroy", rankToItem[11]);
        return m;
    }

    static String itemEvent(String action, int item) {
        return action + ":item_" + item;
    }

    static String userId(int u) {
        return String.format("u%07d", u);
    }

    /** Writes the whole data set under {@code out}. */
    public static Result generate(Config c, Path out) throws IOException {
        SplittableRandom rnd = new SplittableRandom(c.seed());
        int[] rankToItem = itemPermutation(c);
        double[] zipfCdf = zipfCdf(c.items(), 1.1);
        Map<String, Integer> planted = plantedItems(c);
        String purchaseHit = itemEvent("purchase", planted.get("purchase"));
        String failHit = itemEvent("enhance_fail", planted.get("enhance_fail"));
        String okHit = itemEvent("enhance_ok", planted.get("enhance_ok"));
        String destroyHit = itemEvent("destroy", planted.get("destroy"));

        List<LocalDate> dates = new ArrayList<>();
        for (int d = c.days(); d >= 1; d--) {
            dates.add(c.end().minusDays(d));
        }
        LocalDate labelFrom = c.end().minusDays(Math.min(LABEL_DAYS, c.days()));

        // per-user totals over the label window, for the planted effects
        double[] logins = new double[c.users()];
        double[] payments = new double[c.users()];
        double[] purchase = new double[c.users()];
        double[] fails = new double[c.users()];
        double[] oks = new double[c.users()];
        double[] destroys = new double[c.users()];

        double[] activity = new double[c.users()];
        double[] whale = new double[c.users()];
        double[] affinity = new double[c.users()];
        for (int u = 0; u < c.users(); u++) {
            activity[u] = Math.exp(0.6 * rnd.nextGaussian() - 0.2);
            whale[u] = rnd.nextDouble() < 0.08 ? 1 : 0;
            affinity[u] = rnd.nextDouble();
        }

        Files.createDirectories(out);
        long kpiRows = 0;
        long itemRows = 0;
        try (DuckDBConnection db = (DuckDBConnection) SparseTables.duckdb();
                Statement st = db.createStatement()) {
            st.execute("SET threads = 2");
            String cols =
                    "(dt DATE, user_id VARCHAR, event_id VARCHAR, cnt BIGINT, ts TIMESTAMP,"
                            + " channel VARCHAR)";
            st.execute("CREATE TABLE kpi " + cols);
            st.execute("CREATE TABLE items " + cols);
            try (DuckDBAppender kpi = db.createAppender("main", "kpi");
                    DuckDBAppender items = db.createAppender("main", "items")) {
                for (LocalDate day : dates) {
                    boolean inLabelWindow = !day.isBefore(labelFrom);
                    for (int u = 0; u < c.users(); u++) {
                        double pActive = Math.min(0.95, 0.35 + 0.3 * activity[u]);
                        if (rnd.nextDouble() >= pActive) {
                            continue;
                        }
                        String user = userId(u);
                        String channel = rnd.nextDouble() < 0.6 ? "app" : "web";
                        LocalDateTime first =
                                day.atStartOfDay().plusSeconds(rnd.nextInt(20 * 3600));
                        long nLogins = 1 + poisson(rnd, activity[u]);
                        long playtime =
                                Math.max(1, Math.round(nLogins * (15 + 25 * rnd.nextDouble())));
                        long nPayments =
                                rnd.nextDouble() < 0.03 + 0.3 * whale[u]
                                        ? 1 + poisson(rnd, 0.4)
                                        : 0;
                        long[] kpiValues = {nLogins, playtime, nPayments};
                        for (int k = 0; k < KPIS.length; k++) {
                            if (kpiValues[k] == 0) {
                                continue;
                            }
                            row(kpi, day, user, KPIS[k], kpiValues[k], first, channel);
                            kpiRows++;
                        }
                        if (inLabelWindow) {
                            logins[u] += nLogins;
                            payments[u] += nPayments;
                        }
                        long nEvents = poisson(rnd, 3.0 * activity[u]);
                        for (long e = 0; e < nEvents; e++) {
                            String action = ACTIONS[pick(rnd, ACTION_SHARE)];
                            int item;
                            // a user's affinity makes the planted items stick to some users
                            if (action.equals("purchase")
                                    && rnd.nextDouble() < 0.15 * affinity[u]) {
                                item = planted.get("purchase");
                            } else if (action.equals("enhance_fail")
                                    && rnd.nextDouble() < 0.12 * (1 - affinity[u])) {
                                item = planted.get("enhance_fail");
                            } else {
                                item = rankToItem[zipf(rnd, zipfCdf)];
                            }
                            String event = itemEvent(action, item);
                            long cnt = 1 + poisson(rnd, 0.5);
                            boolean test = rnd.nextDouble() < 0.004;
                            row(
                                    items,
                                    day,
                                    user,
                                    event,
                                    cnt,
                                    first.plusSeconds(60 * (e + 1)),
                                    test ? "test" : channel);
                            itemRows++;
                            if (inLabelWindow && !test) {
                                if (event.equals(purchaseHit)) {
                                    purchase[u] += cnt;
                                } else if (event.equals(failHit)) {
                                    fails[u] += cnt;
                                } else if (event.equals(okHit)) {
                                    oks[u] += cnt;
                                } else if (event.equals(destroyHit)) {
                                    destroys[u] += cnt;
                                }
                            }
                        }
                    }
                }
            }
            for (LocalDate day : dates) {
                for (String[] t : new String[][] {{"kpi", KPI}, {"items", ITEM_EVENTS}}) {
                    Path dir = out.resolve("raw").resolve(t[1]).resolve("dt=" + day);
                    Files.createDirectories(dir);
                    st.execute(
                            "COPY (SELECT user_id, event_id, cnt, ts, channel FROM "
                                    + t[0]
                                    + " WHERE dt = DATE '"
                                    + day
                                    + "' ORDER BY ts, user_id, event_id) TO "
                                    + SparseTables.literal(dir.resolve("part-0.parquet").toString())
                                    + " (FORMAT parquet)");
                    Files.writeString(dir.resolve(VersionedStore.SUCCESS), "");
                }
            }

            // labels: planted effects on the label window's totals, plus noise
            st.execute("CREATE TABLE labels(user_id VARCHAR, returned INTEGER)");
            long returned = 0;
            try (DuckDBAppender lab = db.createAppender("main", "labels")) {
                for (int u = 0; u < c.users(); u++) {
                    double logit =
                            -1.2
                                    + 0.9 * Math.log1p(logins[u])
                                    + 0.8 * Math.min(payments[u], 2)
                                    + 1.6 * Math.min(purchase[u], 2)
                                    - 1.4 * Math.min(fails[u], 3)
                                    + 0.9 * Math.min(oks[u], 2)
                                    - 0.9 * Math.min(destroys[u], 2)
                                    + 0.6 * rnd.nextGaussian();
                    int y = rnd.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
                    returned += y;
                    lab.beginRow().append(userId(u)).append(y).endRow();
                }
            }
            Path labels = out.resolve("labels/returned").resolve("asOf=" + c.end());
            Files.createDirectories(labels);
            st.execute(
                    "COPY (SELECT * FROM labels ORDER BY user_id) TO "
                            + SparseTables.literal(labels.resolve("labels.parquet").toString())
                            + " (FORMAT parquet)");
            Files.writeString(labels.resolve(VersionedStore.SUCCESS), "");

            // blacklist: about 1% of users
            List<String> black = new ArrayList<>();
            for (int u = 0; u < c.users(); u++) {
                if (rnd.nextDouble() < 0.01) {
                    black.add(userId(u));
                }
            }
            Files.writeString(
                    out.resolve("blacklist.csv"),
                    "user_id\n" + (black.isEmpty() ? "" : String.join("\n", black) + "\n"));

            List<Planted> truth =
                    List.of(
                            new Planted(KPI, "logins", 0.9, "+0.9·log(1+logins over 7 days)"),
                            new Planted(KPI, "payments", 0.8, "+0.8·min(payments, 2)"),
                            new Planted(ITEM_EVENTS, purchaseHit, 1.6, "+1.6·min(count, 2)"),
                            new Planted(ITEM_EVENTS, failHit, -1.4, "−1.4·min(count, 3)"),
                            new Planted(ITEM_EVENTS, okHit, 0.9, "+0.9·min(count, 2)"),
                            new Planted(ITEM_EVENTS, destroyHit, -0.9, "−0.9·min(count, 2)"));
            Result r =
                    new Result(
                            out,
                            dates.stream().map(LocalDate::toString).toList(),
                            c.end().toString(),
                            kpiRows,
                            itemRows,
                            black.size(),
                            returned / (double) c.users(),
                            truth);
            Map<String, Object> json = new LinkedHashMap<>();
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("users", c.users());
            config.put("items", c.items());
            config.put("days", c.days());
            config.put("end", c.end().toString());
            config.put("seed", c.seed());
            json.put("config", config);
            json.put("labelsAsOf", r.labelsAsOf());
            json.put("labelWindow", Map.of("from", labelFrom.toString(), "to", c.end().toString()));
            json.put("returnRate", r.returnRate());
            json.put(
                    "note",
                    "feature names as the pivot writes them with an empty prefix and aggregate sum");
            json.put("planted", truth);
            Map<String, List<String>> byView = new HashMap<>();
            truth.forEach(
                    p ->
                            byView.computeIfAbsent(p.featureView(), k -> new ArrayList<>())
                                    .add(p.feature()));
            json.put("features", byView);
            TaskJson.MAPPER
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(out.resolve("truth.json").toFile(), json);
            return r;
        } catch (SQLException e) {
            throw new IOException(
                    "cannot write the game log under " + out + ": " + e.getMessage(), e);
        }
    }

    private static void row(
            DuckDBAppender app,
            LocalDate day,
            String user,
            String event,
            long cnt,
            LocalDateTime ts,
            String channel)
            throws SQLException {
        app.beginRow()
                .append(day)
                .append(user)
                .append(event)
                .append(cnt)
                .append(ts)
                .append(channel)
                .endRow();
    }

    /** A fixed shuffle of item ids by popularity rank, so popular ids are not 0, 1, 2…. */
    static int[] itemPermutation(Config c) {
        int[] perm = new int[c.items()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i + 1;
        }
        SplittableRandom r = new SplittableRandom(c.seed() ^ 0x5DEECE66DL);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    static int zipf(SplittableRandom r, double[] cdf) {
        double x = r.nextDouble();
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static long poisson(SplittableRandom r, double lambda) {
        double l = Math.exp(-lambda);
        long k = 0;
        double p = r.nextDouble();
        while (p > l) {
            k++;
            p *= r.nextDouble();
        }
        return k;
    }

    private static int pick(SplittableRandom r, double[] shares) {
        double x = r.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            x -= shares[i];
            if (x < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }
}
