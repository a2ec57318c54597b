package org.earshot.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Runs a {@link RequiresServers} test only when its binaries are installed. A missing one disables the test with a
 * reason starting with {@link #SKIP_PREFIX}, or, when {@value #REQUIRE_VARIABLE}=1, fails it.
 */
public final class ServerCondition implements ExecutionCondition {
    /** Set to 1 by scripts/test.sh: a missing server is then a failure, not a skip. */
    public static final String REQUIRE_VARIABLE = "EARSHOT_REQUIRE_SERVICES";
    /** How the reasons of the skips this condition makes begin (the summary listener looks for it). */
    public static final String SKIP_PREFIX = "needs a server: ";

    private final Predicate<Server> installed;
    private final boolean required;

    public ServerCondition() {
        this(Server::installed, "1".equals(System.getenv(REQUIRE_VARIABLE)));
    }

    ServerCondition(Predicate<Server> installed, boolean required) {
        this.installed = installed;
        this.required = required;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Set<Server> needed = new LinkedHashSet<>();
        context.getElement().flatMap(element -> AnnotationSupport.findAnnotation(element, RequiresServers.class))
                .ifPresent(annotation -> needed.addAll(List.of(annotation.value())));
        return evaluate(needed);
    }

    /** Enabled when every needed server is installed; else disabled with the reasons, or thrown when required. */
    ConditionEvaluationResult evaluate(Set<Server> needed) {
        List<String> missing = new ArrayList<>();
        for (Server server : needed) {
            if (!installed.test(server)) {
                missing.add(server.missingReason());
            }
        }
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("servers installed: " + needed);
        }
        String reason = String.join("; ", missing);
        if (required) {
            throw new IllegalStateException(reason + " (" + REQUIRE_VARIABLE + "=1: every integration test must run)");
        }
        return ConditionEvaluationResult.disabled(SKIP_PREFIX + reason);
    }
}
