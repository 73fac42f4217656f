package io.mlcycle.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An integration test against real servers or processes on 127.0.0.1 (PostgreSQL, Prometheus,
 * Redis, S3Proxy, server processes, podman). Tag {@value #TAG}: {@code mvn test
 * -Dgroups=real-servers}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("real-servers")
public @interface RealServersTier {
    /** The JUnit tag of this tier. */
    String TAG = "real-servers";
}
