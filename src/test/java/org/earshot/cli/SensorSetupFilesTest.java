package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The sensor set-up files in sensors/ fit together and fit the agent: install.sh is valid bash (and shellcheck-clean
 * where shellcheck is installed), rejects bad arguments before it changes anything, and writes every variable the
 * systemd unit uses; the unit runs {@code earshot sensor} with options the agent has, as the user, with the files,
 * that install.sh sets up. install.sh itself needs root and a Debian system, so only its argument checks run here:
 * every call below fails validation, which comes before the root check and before any change.
 */
class SensorSetupFilesTest {
    private static final Path INSTALL = Path.of("sensors/install.sh");
    private static final Path UNIT = Path.of("sensors/earshot-sensor.service");

    @TempDir
    Path dir;

    private record Result(int exitCode, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Result(p.exitValue(), out);
    }

    @Test
    void installScriptIsValidBash() throws Exception {
        Result r = run("bash", "-n", INSTALL.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(Files.readString(INSTALL).contains("set -euo pipefail"));
    }

    @Test
    void installScriptIsShellcheckClean() throws Exception {
        boolean available = run("sh", "-c", "command -v shellcheck").exitCode() == 0;
        assumeTrue(available, "shellcheck is not installed; skipped (apt-get install shellcheck)");
        Result r = run("shellcheck", INSTALL.toString());
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void helpListsEveryOption() throws Exception {
        Result r = run("bash", INSTALL.toString(), "--help");
        assertEquals(0, r.exitCode(), r.output());
        Matcher m = Pattern.compile("\\n\\s+(--[a-z-]+(?:\\|--[a-z-]+)+)\\)\\n").matcher(Files.readString(INSTALL));
        assertTrue(m.find(), "the option list of the argument parser");
        for (String option : m.group(1).split("\\|")) {
            assertTrue(r.output().contains(option), option + " is missing from --help:\n" + r.output());
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyChange() throws Exception {
        Path serviceJar = dir.resolve("earshot.jar");
        Files.write(serviceJar, new byte[] {'P', 'K', 3, 4});
        Path jar = dir.resolve("earshot-agent.jar");
        Files.write(jar, new byte[] {'P', 'K', 3, 4});
        Result unknown = run("bash", INSTALL.toString(), "--jar", jar.toString(), "--host", "srv", "--colour");
        assertEquals(2, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().contains("unknown argument: --colour"), unknown.output());

        // The service's jar needs its 274 MB lib/ folder; a sensor gets the agent jar.
        Result serviceJarRefused = run("bash", INSTALL.toString(), "--jar", serviceJar.toString(), "--host", "srv");
        assertEquals(2, serviceJarRefused.exitCode(), serviceJarRefused.output());
        assertTrue(serviceJarRefused.output().contains("that is the service's jar; give the agent jar, "
                + "target/earshot-agent.jar"), serviceJarRefused.output());

        Result noHost = run("bash", INSTALL.toString(), "--jar", jar.toString());
        assertEquals(2, noHost.exitCode(), noHost.output());
        assertTrue(noHost.output().contains("--host is required"), noHost.output());

        Result badTransport = run("bash", INSTALL.toString(), "--jar", jar.toString(), "--host", "srv",
                "--transport", "udp");
        assertEquals(2, badTransport.exitCode(), badTransport.output());
        assertTrue(badTransport.output().contains("--transport must be mqtt or websocket, got 'udp'"),
                badTransport.output());

        Path csv = dir.resolve("pole-12.csv");
        Files.writeString(csv, "id,secret\npole-12,abc\n");
        Result badCsv = run("bash", INSTALL.toString(), "--jar", jar.toString(), "--host", "srv", "--credentials",
                csv.toString());
        assertEquals(2, badCsv.exitCode(), badCsv.output());
        assertTrue(badCsv.output().contains("the first line must be sensor,token"), badCsv.output());

        Files.writeString(csv, "sensor,token\npole-11,abc\npole-12,def\n");
        Result noSuchRow = run("bash", INSTALL.toString(), "--jar", jar.toString(), "--host", "srv", "--credentials",
                csv.toString(), "--id", "pole-13");
        assertEquals(2, noSuchRow.exitCode(), noSuchRow.output());
        assertTrue(noSuchRow.output().contains("no row for sensor 'pole-13' (--id)"), noSuchRow.output());
        Result idWithoutFile = run("bash", INSTALL.toString(), "--jar", jar.toString(), "--host", "srv", "--id",
                "pole-12");
        assertEquals(2, idWithoutFile.exitCode(), idWithoutFile.output());
        assertTrue(idWithoutFile.output().contains("--id needs --credentials"), idWithoutFile.output());
    }

    /** The agent's command in the unit's ExecStart, and the TLS options install.sh writes, exist in the agent. */
    @Test
    void unitRunsTheAgentWithOptionsItHas() throws IOException {
        String unit = Files.readString(UNIT);
        String install = Files.readString(INSTALL);
        // The unit runs the agent jar, whose entry point is Agent.
        Set<String> agentOptions = new CommandLine(new Agent()).getSubcommands().get("sensor").getCommandSpec()
                .optionsMap().keySet();

        String execStart = line(unit, "ExecStart=");
        int agent = execStart.indexOf(" sensor ");
        assertTrue(agent > 0 && execStart.contains("| java "), "ExecStart pipes into java ... sensor: " + execStart);
        List<String> used = options(execStart.substring(agent));
        used.addAll(options(line(install, "  tls_args=\"")));
        assertTrue(used.containsAll(List.of("--credentials", "--host", "--truststore")), used.toString());
        for (String option : used) {
            assertTrue(agentOptions.contains(option), option + " is not an option of earshot sensor "
                    + agentOptions);
        }

        // Every variable the unit hands to sh is one that install.sh writes to sensor.env.
        String envFile = install.substring(install.indexOf("cat >\"$env_tmp\" <<EOF"));
        envFile = envFile.substring(0, envFile.indexOf("\nEOF\n"));
        Matcher vars = Pattern.compile("\\$\\$([A-Z_]+)").matcher(execStart);
        Set<String> seen = new LinkedHashSet<>();
        while (vars.find()) {
            seen.add(vars.group(1));
            assertTrue(envFile.contains("\n" + vars.group(1) + "="), vars.group(1) + " is not written to sensor.env");
        }
        assertTrue(seen.contains("SENSOR_HOST") && seen.contains("ALSA_DEVICE"), seen.toString());
        // A single "$" would be substituted by systemd itself, before sh sees it.
        assertFalse(execStart.replace("$$", "").contains("$"), "use $$ for sh's variables: " + execStart);
    }

    @Test
    void unitAndInstallScriptAgreeOnUserAndFiles() throws IOException {
        String unit = Files.readString(UNIT);
        String install = Files.readString(INSTALL);
        assertEquals(value(install, "readonly SERVICE_USER="), line(unit, "User=").substring("User=".length()));
        assertEquals("SupplementaryGroups=audio", line(unit, "SupplementaryGroups="));
        String etc = value(install, "readonly ETC_DIR=");
        assertEquals("EnvironmentFile=" + etc + "/sensor.env", line(unit, "EnvironmentFile="));
        assertEquals("$ETC_DIR/sensor.env", value(install, "readonly ENV_FILE="));
        assertEquals("$ETC_DIR/credentials.csv", value(install, "readonly CREDENTIALS_DEST="));
        assertTrue(line(unit, "ExecStart=").contains("--credentials " + etc + "/credentials.csv"));
        assertEquals("earshot-agent.jar", value(install, "readonly AGENT_JAR="));
        assertTrue(line(unit, "ExecStart=").contains("-jar " + value(install, "readonly OPT_DIR=")
                + "/earshot-agent.jar sensor "));
        for (String hardening : List.of("Restart=always", "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=")) {
            assertTrue(unit.lines().anyMatch(hardening::equals), hardening + " is missing from the unit");
        }
        // The JIT compiler needs memory that is written and then executed.
        assertTrue(unit.lines().noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=")));
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with " + prefix));
    }

    private static String value(String text, String prefix) {
        return line(text, prefix).substring(prefix.length());
    }

    private static List<String> options(String command) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("(?<=[\\s\"'])--[a-z][a-z-]*").matcher(command);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
