package io.mlcycle.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test against the Fabric8 mock API server (the operator in Quarkus, or local mode's API server
 * and kubelet). Tag {@value #TAG}: {@code mvn test -Dgroups=mock-api}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("mock-api")
public @interface MockApiTier {
    /** The JUnit tag of this tier. */
    String TAG = "mock-api";
}
