package org.earshot.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.earshot.config.SensorRegistry;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.sensor.Credentials;
import org.earshot.testing.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small agent jar for sensors ({@code target/earshot-agent.jar}, built by the maven-shade-plugin execution
 * {@code agent-jar} in pom.xml): its libraries carry none of the classifier's (DJL, PyTorch, ONNX Runtime) nor any
 * native library, and its entry point ({@code org.earshot.cli.Agent}) streams to the real service with nothing else
 * on the class path. Tests run before {@code mvn package} builds the jar, so the child JVM gets the compiled classes
 * and exactly the libraries the pom shades into it; the jar itself is checked too where a {@code mvn package} has
 * built it from the current classes.
 */
class AgentJarIT {
    private static final Path POM = Path.of("pom.xml");
    private static final Path CLASSES = Path.of("target/classes");
    private static final Path AGENT_JAR = Path.of("target/earshot-agent.jar");
    /** The sensor agent needs about 12 MB; the full service's libraries are 274 MB. */
    private static final long MAX_BYTES = 25L << 20;

    @TempDir
    Path dir;

    /** {@code group:artifact} patterns of the pom's agent-jar artifact set. */
    static List<String> shadedArtifacts() throws IOException {
        String pom = Files.readString(POM);
        int start = pom.indexOf("<id>agent-jar</id>");
        assertTrue(start >= 0, "pom.xml has no agent-jar execution");
        String set = pom.substring(start, pom.indexOf("</artifactSet>", start));
        List<String> artifacts = new ArrayList<>();
        Matcher m = Pattern.compile("<include>([^<]+)</include>").matcher(set);
        while (m.find()) {
            artifacts.add(m.group(1).trim());
        }
        assertFalse(artifacts.isEmpty(), "the agent-jar execution lists no artifacts");
        return artifacts;
    }

    /** The jars of this JVM's class path that the pom shades into the agent jar; each pattern matches one at least. */
    static List<Path> agentLibraries() throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Path> jars = new ArrayList<>();
        for (String artifact : shadedArtifacts()) {
            String[] ga = artifact.split(":");
            String group = "/" + ga[0].replace('.', '/') + "/";
            String name = ga[1];
            boolean found = false;
            for (String entry : classPath.split(File.pathSeparator)) {
                String unix = entry.replace(File.separatorChar, '/');
                int g = unix.indexOf(group);
                if (!unix.endsWith(".jar") || g < 0) {
                    continue;
                }
                // .../group/path/ARTIFACT/VERSION/ARTIFACT-VERSION.jar
                String rest = unix.substring(g + group.length());
                String artifactDir = rest.substring(0, Math.max(0, rest.indexOf('/')));
                if ((name.equals("*") && !artifactDir.isEmpty()) || artifactDir.equals(name)) {
                    jars.add(Path.of(entry));
                    found = true;
                }
            }
            assertTrue(found, "pom.xml shades " + artifact + " into the agent jar, but it is not a dependency");
        }
        return jars;
    }

    /** Entries that do not belong in a sensor's jar: the classifier's libraries and native code. */
    private static List<String> heavyEntries(Path jar) throws IOException {
        List<String> heavy = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (name.startsWith("ai/djl/") || name.startsWith("ai/onnxruntime/") || name.startsWith("pytorch/")
                        || name.startsWith("native/") || name.endsWith(".so") || name.endsWith(".dll")
                        || name.endsWith(".dylib") || name.endsWith(".jnilib")) {
                    heavy.add(jar.getFileName() + "!" + name);
                }
            }
        }
        return heavy;
    }

    @Test
    void theAgentLibrariesHoldNoClassifierAndNoNativeCode() throws IOException {
        List<Path> jars = agentLibraries();
        long bytes = 0;
        List<String> heavy = new ArrayList<>();
        for (Path jar : jars) {
            bytes += Files.size(jar);
            heavy.addAll(heavyEntries(jar));
        }
        assertTrue(heavy.isEmpty(), heavy.toString());
        assertTrue(bytes < MAX_BYTES, "agent libraries: " + bytes + " bytes: " + jars);
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            assertFalse(name.startsWith("pytorch") || name.startsWith("onnxruntime") || name.startsWith("api-"),
                    "a classifier library in the agent jar: " + jar);
        }
    }

    @Test
    void theAgentStreamsToTheServiceWithOnlyItsOwnLibraries() throws Exception {
        List<String> classPath = new ArrayList<>();
        classPath.add(CLASSES.toString());
        agentLibraries().forEach(p -> classPath.add(p.toString()));
        streamsToTheService(List.of("-cp", String.join(File.pathSeparator, classPath), "org.earshot.cli.Agent"));
    }

    /** The jar itself, where {@code mvn package} has built it from the classes under test. */
    @Test
    void theBuiltAgentJarStreamsAloneAndHoldsNoNativeCode() throws Exception {
        Path agentClass = CLASSES.resolve("org/earshot/cli/Agent.class");
        Assumptions.assumeTrue(Files.exists(AGENT_JAR) && Files.exists(agentClass)
                        && Files.getLastModifiedTime(AGENT_JAR).compareTo(Files.getLastModifiedTime(agentClass)) >= 0,
                "target/earshot-agent.jar is not built from the current classes (run mvn package); "
                        + "theAgentStreamsToTheServiceWithOnlyItsOwnLibraries covers its contents");
        assertTrue(heavyEntries(AGENT_JAR).isEmpty(), heavyEntries(AGENT_JAR).toString());
        assertTrue(Files.size(AGENT_JAR) < MAX_BYTES, Files.size(AGENT_JAR) + " bytes");
        Child help = child(List.of("-jar", AGENT_JAR.toString(), "sensor", "--help"));
        assertEquals(0, help.exit, help.output);
        assertTrue(help.output.contains("Usage: earshot-agent sensor"), help.output);
        streamsToTheService(List.of("-jar", AGENT_JAR.toString()));
    }

    /** {@code java JAVA_ARGS sensor ...} streams 0.3 s of a tone to the real service over its MQTT endpoint. */
    private void streamsToTheService(List<String> javaArgs) throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("pole-12", SensorRegistry.newToken());
        try (LiveHarness live = new LiveHarness(Files.createDirectories(dir.resolve("service")),
                LiveHarness.embeddedConfig(), tokens)) {
            Path credentials = dir.resolve("pole-12.csv");
            Files.writeString(credentials, Credentials.HEADER + "\npole-12," + tokens.get("pole-12") + "\n");
            Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
            Path pcm = dir.resolve("tone.raw");
            // 0.3 s of 16 kHz s16le: three 100 ms frames, then the empty end-of-stream frame
            byte[] samples = new byte[2 * 4800];
            for (int i = 0; i < samples.length / 2; i++) {
                short v = (short) Math.round(3000 * Math.sin(2 * Math.PI * 440 * i / 16000.0));
                samples[2 * i] = (byte) v;
                samples[2 * i + 1] = (byte) (v >> 8);
            }
            Files.write(pcm, samples);

            List<String> arguments = new ArrayList<>(javaArgs);
            arguments.addAll(List.of("sensor", "--credentials", credentials.toString(), "--host", "127.0.0.1",
                    "--port", String.valueOf(live.service.mqttPort()), "--input", pcm.toString()));
            Child run = child(arguments);
            assertEquals(0, run.exit, run.output);
            SensorMetrics metrics = live.service.metrics().sensor("pole-12");
            Await.until(() -> metrics.framesAccepted() >= 4, LiveHarness.WAIT, () -> run.output);
            assertEquals(4, metrics.framesAccepted(), run.output);
            assertTrue(run.output.contains("stream ended; 4 frames sent, 0 dropped, 0 undelivered"), run.output);
            assertTrue(run.output.contains("sensor pole-12: connected to mqtt://127.0.0.1:"), run.output);
            assertFalse(run.output.contains("NoClassDefFoundError") || run.output.contains("ClassNotFound"),
                    run.output);
            assertFalse(run.output.contains(tokens.get("pole-12")), "the token was printed");
        }
    }

    private record Child(int exit, String output) {
    }

    /** Runs a JVM with only the given class path (no inherited one), at the heap the systemd unit gives the agent. */
    private Child child(List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.addAll(arguments);
        Path log = Files.createTempFile(dir, "child", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("CLASSPATH");
        Process process = builder.start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "child still running after 2 minutes");
        return new Child(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
