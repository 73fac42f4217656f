package io.mlcycle.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An end-to-end test: the whole chain in local mode (mock API server, operator, pods as processes
 * or containers). Tag {@value #TAG}: {@code mvn test -Dgroups=e2e}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("e2e")
public @interface EndToEndTier {
    /** The JUnit tag of this tier. */
    String TAG = "e2e";
}
