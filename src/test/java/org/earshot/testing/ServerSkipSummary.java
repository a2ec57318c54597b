package org.earshot.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of a test run, one line per reason for the tests {@link ServerCondition} skipped, so that the
 * console (not only the surefire reports) says what did not run and why. Registered through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class ServerSkipSummary implements TestExecutionListener {
    private final Map<String, List<String>> skippedByReason = new LinkedHashMap<>();

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (reason == null || !reason.startsWith(ServerCondition.SKIP_PREFIX)) {
            return;
        }
        String name = test.getSource().map(source -> source instanceof MethodSource method
                ? simpleName(method.getClassName()) + "." + method.getMethodName()
                : source instanceof ClassSource type ? simpleName(type.getClassName()) : test.getDisplayName())
                .orElse(test.getDisplayName());
        synchronized (skippedByReason) {
            for (String missing : reason.substring(ServerCondition.SKIP_PREFIX.length()).split("; ")) {
                skippedByReason.computeIfAbsent(missing, r -> new ArrayList<>()).add(name);
            }
        }
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        synchronized (skippedByReason) {
            skippedByReason.forEach((reason, tests) -> System.out.println("[SKIPPED] " + reason + ": skipped "
                    + String.join(", ", tests)));
            skippedByReason.clear();
        }
    }
}
