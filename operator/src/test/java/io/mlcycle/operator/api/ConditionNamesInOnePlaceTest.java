package io.mlcycle.operator.api;

import io.mlcycle.operator.featureview.FeatureViewConditions;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.operator.trainingrun.TrainingRunConditions;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FeatureView and TrainingRun controllers write condition types, reasons and Event reasons only
 * through their {@code *Conditions} classes, whose names are CamelCase as Kubernetes writes them.
 */
@UnitTier
class ConditionNamesInOnePlaceTest {

    private static final Pattern CALL =
            Pattern.compile(
                    "(Conditions\\.set\\w*|events\\.(?:normal|warning)\\w*|Summary\\.failure)\\(");
    private static final Pattern CAMEL_LITERAL = Pattern.compile("\"[A-Z][a-z][A-Za-z]*\"");

    /** The call starting at {@code start} up to its closing parenthesis. */
    private static String call(String source, int start) {
        int depth = 0;
        for (int i = source.indexOf('(', start); i < source.length(); i++) {
            char c = source.charAt(i);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth == 0) {
                return source.substring(start, i + 1);
            }
        }
        return source.substring(start);
    }

    static List<String> literalNames(Path packageDir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(packageDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                if (f.getFileName().toString().endsWith("Conditions.java")) {
                    continue;
                }
                String source = Files.readString(f);
                Matcher m = CALL.matcher(source);
                while (m.find()) {
                    Matcher lit = CAMEL_LITERAL.matcher(call(source, m.start()));
                    while (lit.find()) {
                        found.add(f.getFileName() + ": " + m.group(1) + " with " + lit.group());
                    }
                }
            }
        }
        return found;
    }

    @Test
    void featureViewAndTrainingRunWriteNoConditionOrEventNameOutsideTheirConditionsClass()
            throws IOException {
        Path main = ProjectRoot.get().resolve("operator/src/main/java/io/mlcycle/operator");
        assertThat(literalNames(main.resolve("featureview"))).isEmpty();
        assertThat(literalNames(main.resolve("trainingrun"))).isEmpty();
    }

    @Test
    void theScanFindsANameWrittenAsALiteral(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Files.writeString(
                dir.resolve("X.java"),
                "class X { void a() { Conditions.set(\n status, READY, true,\n \"Ready\", m); } }");
        assertThat(literalNames(dir)).containsExactly("X.java: Conditions.set with \"Ready\"");
    }

    @Test
    void everyNameIsCamelCase() throws IllegalAccessException {
        for (Class<?> c : List.of(FeatureViewConditions.class, TrainingRunConditions.class)) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                    assertThat((String) f.get(null))
                            .as(c.getSimpleName() + "." + f.getName())
                            .matches("[A-Z][a-z][A-Za-z]*");
                }
            }
        }
    }
}
