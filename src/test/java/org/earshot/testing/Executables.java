package org.earshot.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds executables the way a shell would, plus the sbin folders that are often not in a user's PATH. */
final class Executables {
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin");

    private Executables() {
    }

    static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(EXTRA_DIRS);
        return dirs.stream().map(dir -> Path.of(dir, name))
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst();
    }

    /** What each scripts/ensure-services.sh run printed, by service: it runs at most once per JVM and service. */
    private static final java.util.Map<String, String> INSTALL_REPORTS = new java.util.HashMap<>();

    /**
     * The binary {@code name}; when there is none, runs {@code scripts/ensure-services.sh service} (once per JVM),
     * which installs the Debian package, and looks again.
     *
     * @param howToInstall what to tell the user when it is still missing (the package and what it provides)
     */
    static Path findOrInstall(String name, String service, Path workDir, String howToInstall) {
        Optional<Path> found = find(name);
        if (found.isPresent()) {
            return found.get();
        }
        String report;
        synchronized (INSTALL_REPORTS) {
            report = INSTALL_REPORTS.computeIfAbsent(service, s -> runEnsureServices(s, workDir));
        }
        return find(name).orElseThrow(() -> new IllegalStateException(howToInstall + "\n" + report));
    }

    /** The repository's scripts/ensure-services.sh: from the working directory (the repo root under Maven) upwards. */
    static Path ensureServicesScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts").resolve("ensure-services.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("scripts/ensure-services.sh not found from " + Path.of("").toAbsolutePath()
                + " upwards: run the tests from the repository root");
    }

    private static String runEnsureServices(String service, Path workDir) {
        Path script;
        try {
            script = ensureServicesScript();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        Path output = workDir.resolve("ensure-services.log");
        try {
            Process installer = new ProcessBuilder("bash", script.toString(), service)
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            installer.getOutputStream().close();
            if (!installer.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
                installer.destroyForcibly();
                return script + " " + service + " did not finish within 10 minutes";
            }
            List<String> lines = Files.readAllLines(output, java.nio.charset.StandardCharsets.UTF_8);
            return script + " " + service + " exited with " + installer.exitValue() + "; its output (" + output
                    + "):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (java.io.IOException e) {
            return "could not run " + script + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while running " + script;
        }
    }
}
