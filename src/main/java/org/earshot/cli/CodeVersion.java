package org.earshot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The code version recorded in a model's manifest: {@code git describe} of the checkout, or "unknown". */
final class CodeVersion {
    private CodeVersion() {}

    static String get() {
        try {
            Process p = new ProcessBuilder("git", "-C", Paths.home().toString(), "describe", "--always", "--dirty")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
