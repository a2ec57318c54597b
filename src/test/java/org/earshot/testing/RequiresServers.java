package org.earshot.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server binaries a test class or method runs. When one is missing the test is skipped with a one-line reason
 * (listed again at the end of the run by {@link ServerSkipSummary}); with {@code EARSHOT_REQUIRE_SERVICES=1}, which
 * {@code scripts/test.sh} (and so CI) sets, it fails instead, so that CI never skips them silently. Nothing is
 * installed: {@code scripts/test.sh} does that, and says so.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(ServerCondition.class)
public @interface RequiresServers {
    Server[] value();
}
