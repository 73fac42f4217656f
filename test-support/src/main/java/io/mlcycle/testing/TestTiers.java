package io.mlcycle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a module's test sources and names every test class whose tier is missing, doubled, or
 * contradicts its name ({@code *Test}: unit or mock API, run by surefire; {@code *IT}: mock API or
 * real servers, {@code *E2E}: end to end, both run by failsafe).
 */
public final class TestTiers {

    /** Tier annotation → the name suffixes a class carrying it may have. */
    private static final Map<String, List<String>> SUFFIXES =
            Map.of(
                    "UnitTier", List.of("Test"),
                    "MockApiTier", List.of("Test", "IT"),
                    "RealServersTier", List.of("IT"),
                    "EndToEndTier", List.of("E2E"));

    private static final Pattern TEST_METHOD =
            Pattern.compile("@(Test|ParameterizedTest|TestFactory|RepeatedTest)\\b");
    private static final Pattern TIER =
            Pattern.compile(
                    "@(?:io\\.mlcycle\\.testing\\.)?(UnitTier|MockApiTier|RealServersTier|EndToEndTier)\\b");
    private static final Pattern CLASS =
            Pattern.compile("(?m)^(?:public |abstract |final )*class (\\w+)");

    /** A static member of a test class used elsewhere: {@code FooTest.bar}, {@code FooIT.BAZ}. */
    private static final Pattern TEST_MEMBER =
            Pattern.compile("\\b([A-Z]\\w*(?:Test|IT|E2E))\\.(?!class\\b)[a-zA-Z_]\\w*");

    private TestTiers() {}

    /**
     * Uses of another test class's members under a test source root: shared fixtures belong in
     * test-support code, not in tests (Javadoc links are not uses).
     */
    public static List<String> fixturesInTests(Path testSources) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(testSources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String own = f.getFileName().toString().replace(".java", "");
                String code = withoutCommentsAndStrings(Files.readString(f));
                Matcher m = TEST_MEMBER.matcher(code);
                while (m.find()) {
                    if (!m.group(1).equals(own)) {
                        out.add(testSources.relativize(f) + " uses " + m.group());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The problems of every test class under a test source root ({@code src/test/java}). */
    public static List<String> problems(Path testSources) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(testSources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String problem = problem(Files.readString(f));
                if (problem != null) {
                    out.add(testSources.relativize(f) + ": " + problem);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String withoutCommentsAndStrings(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/|\"(?:[^\"\\\\\\n]|\\\\.)*\"|//[^\\n]*", "");
    }

    /** The problem of one source file, or null when it is no test class or is tagged right. */
    static String problem(String source) {
        Matcher c = CLASS.matcher(source);
        if (!TEST_METHOD.matcher(source).find() || !c.find()) {
            return null;
        }
        String name = c.group(1);
        List<String> tiers = new ArrayList<>();
        Matcher t = TIER.matcher(source.substring(0, c.start()));
        while (t.find()) {
            tiers.add(t.group(1));
        }
        if (tiers.isEmpty()) {
            return name
                    + " has no tier (@UnitTier, @MockApiTier, @RealServersTier or @EndToEndTier)";
        }
        if (tiers.size() > 1) {
            return name + " has more than one tier: " + tiers;
        }
        List<String> allowed = SUFFIXES.get(tiers.get(0));
        if (allowed.stream().noneMatch(name::endsWith)) {
            return name
                    + " is @"
                    + tiers.get(0)
                    + " but its name does not end in "
                    + String.join(" or ", allowed)
                    + " (surefire runs *Test, failsafe *IT and *E2E)";
        }
        return null;
    }
}
