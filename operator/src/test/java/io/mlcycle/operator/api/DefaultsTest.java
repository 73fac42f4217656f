package io.mlcycle.operator.api;

import io.fabric8.generator.annotation.Default;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class DefaultsTest {

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    static final List<Class<?>> SPECS =
            List.of(
                    FeatureViewSpec.class,
                    TrainingRunSpec.class,
                    ModelDeploymentSpec.class,
                    ModelVersionSpec.class);

    static void collect(Class<?> type, List<Class<?>> out) {
        out.add(type);
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (!nested.isEnum() && !nested.isInterface() && !nested.isRecord()) {
                collect(nested, out);
            }
        }
    }

    /**
     * What Jackson leaves in a field the YAML omits (the Java initializer) must be what the CRD
     * defaults it to, or a spec would read differently with and without the API server's
     * defaulting.
     */
    @Test
    void javaInitializersNeverContradictTheCrdDefault() throws Exception {
        List<Class<?>> types = new ArrayList<>();
        SPECS.forEach(s -> collect(s, types));
        List<String> contradictions = new ArrayList<>();
        int checked = 0;
        for (Class<?> type : types) {
            if (Modifier.isAbstract(type.getModifiers())) {
                continue;
            }
            Object fresh = type.getDeclaredConstructor().newInstance();
            for (Field f : type.getFields()) {
                Default d = f.getAnnotation(Default.class);
                if (d == null || Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                checked++;
                Object initial = f.get(fresh);
                Object declared = Defaults.parse(f, d.value());
                if (initial != null
                        && !Objects.equals(
                                MAPPER.valueToTree(initial), MAPPER.valueToTree(declared))) {
                    contradictions.add(f + " = " + initial + " but @Default(" + d.value() + ")");
                }
            }
        }
        assertThat(checked).isGreaterThan(40);
        assertThat(contradictions).isEmpty();
    }

    @Test
    void aCopyFillsNullsInNestedObjectsLeavesAbsentObjectsAbsentAndTheSpecAsItWas() {
        FeatureViewSpec spec = new FeatureViewSpec();
        spec.maxConcurrent = null;
        spec.window = null;
        spec.engine = null;
        spec.spark = new SparkSpec();
        spec.spark.driver = new SparkSpec.Driver();
        spec.spark.driver.cores = null;
        spec.spark.driver.memory = "4g";
        spec.validation = null;

        FeatureViewSpec copy = Defaults.copy(spec);

        assertThat(copy.maxConcurrent).isEqualTo(2);
        assertThat(copy.window).isEqualTo("1d");
        assertThat(copy.engine).isEqualTo(FeatureViewSpec.Engine.duckdb);
        assertThat(copy.spark.driver.cores).isEqualTo(1);
        assertThat(copy.spark.driver.memory).isEqualTo("4g");
        assertThat(copy.validation).isNull();
        assertThat(spec.maxConcurrent).isNull();
        assertThat(spec.spark.driver.cores).isNull();
    }

    @Test
    void defaultsReachObjectsInsideLists() {
        TrainingRunSpec spec = new TrainingRunSpec();
        TrainingRunSpec.FeatureRef ref = new TrainingRunSpec.FeatureRef();
        ref.featureView = "fv";
        spec.features = new ArrayList<>(List.of(ref));
        spec.backoffLimit = null;
        spec.algorithm = null;

        TrainingRunSpec copy = Defaults.copy(spec);

        assertThat(copy.backoffLimit).isZero();
        assertThat(copy.algorithm).isEqualTo(TrainingRunSpec.Algorithm.auto);
        assertThat(copy.features)
                .singleElement()
                .satisfies(f -> assertThat(f.featureView).isEqualTo("fv"));
    }

    static class Bad {
        @Default("many")
        public Integer count;
    }

    @Test
    void aDefaultThatIsNotOfTheFieldsTypeNamesTheField() {
        assertThatThrownBy(() -> Defaults.parse(Bad.class.getField("count"), "many"))
                .hasMessageContaining("count")
                .hasMessageContaining("many")
                .hasMessageContaining("Integer");
    }
}
