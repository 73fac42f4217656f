package io.mlcycle.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A unit test: no server, no process, no API server; runs in milliseconds to seconds. Tag {@value
 * #TAG}: {@code mvn test -Dgroups=unit}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("unit")
public @interface UnitTier {
    /** The JUnit tag of this tier. */
    String TAG = "unit";
}
