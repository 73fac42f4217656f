package io.mlcycle.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every test class of every module of the build carries exactly one tier that agrees with its name,
 * so {@code -Dgroups=unit|mock-api|real-servers|e2e} selects whole tiers, and no test uses another
 * test's members as a fixture library.
 */
@UnitTier
class EveryTestClassHasATierTest {

    static final Path ROOT =
            Path.of(System.getProperty("mlcycle.project.root", "..")).toAbsolutePath().normalize();

    static List<String> modules() throws IOException {
        Matcher m =
                Pattern.compile("<module>([^<]+)</module>")
                        .matcher(Files.readString(ROOT.resolve("pom.xml")));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyTestClassHasOneTierThatAgreesWithItsNameAndNoTestIsAnotherTestsFixture()
            throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (String module : modules()) {
            Path sources = ROOT.resolve(module).resolve("src/test/java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            checked++;
            TestTiers.problems(sources).forEach(p -> problems.add(module + ": " + p));
            TestTiers.fixturesInTests(sources).forEach(p -> problems.add(module + ": " + p));
        }
        assertThat(checked).as("modules with tests found under " + ROOT).isGreaterThan(5);
        assertThat(problems).isEmpty();
    }

    @Test
    void aTestUsingAnotherTestsMemberIsNamedButAJavadocLinkIsNot(
            @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("BarTest.java"),
                "/** See {@link FooTest.X}. */\nclass BarTest { int a = FooTest.config(1);"
                        + " int b = BarTest.own(); Class<?> c = FooIT.class; }");
        assertThat(TestTiers.fixturesInTests(dir))
                .containsExactly("BarTest.java uses FooTest.config");
    }

    @Test
    void aTestClassWithoutATierOrWithATierItsNameContradictsIsNamed() {
        String untagged = "package x;\nclass FooTest {\n  @Test void a() {}\n}\n";
        assertThat(TestTiers.problem(untagged)).startsWith("FooTest has no tier");
        String e2eAsTest = "package x;\n@EndToEndTier\nclass BarTest {\n  @Test void a() {}\n}\n";
        assertThat(TestTiers.problem(e2eAsTest)).startsWith("BarTest is @EndToEndTier but");
        String two = "package x;\n@UnitTier\n@MockApiTier\nclass BazTest {\n  @Test void a() {}\n}";
        assertThat(TestTiers.problem(two)).startsWith("BazTest has more than one tier");
        String fine = "package x;\n@RealServersTier\nclass QuxIT {\n  @Test void a() {}\n}\n";
        assertThat(TestTiers.problem(fine)).isNull();
        String fixture = "package x;\nfinal class Fixtures {\n  static int a() { return 1; }\n}\n";
        assertThat(TestTiers.problem(fixture)).isNull();
    }
}
