package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

import static org.earshot.testing.ServerProcesses.read;
import static org.earshot.testing.ServerProcesses.size;
import static org.earshot.testing.ServerProcesses.tail;

/**
 * A real Mosquitto broker process for integration tests, listening on 127.0.0.1 only, on a free port unless
 * {@link Options#withPort(int) one is given}. Configuration, password and ACL files, the broker's log and its
 * stdout/stderr all live in the work directory (one broker per directory); nothing reaches the test's output.
 *
 * <p>It needs the {@code mosquitto} binary (PATH, /usr/sbin) and installs nothing: a test class that starts one is
 * annotated {@code @RequiresServers(Server.MOSQUITTO)}, which skips it when the binary is missing.
 *
 * <pre>{@code
 * try (MosquittoBroker broker = MosquittoBroker.start(tempDir,
 *         MosquittoBroker.Options.defaults().withUser("sensor", "s3cret").withAcl("user sensor", "topic write audio/#"))) {
 *     connect to broker.host():broker.port() ...
 * }
 * }</pre>
 */
public final class MosquittoBroker extends LoopbackServer {
    public static final String HOST = "127.0.0.1";
    /** How long a start may take until the port accepts connections. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final int FREE_PORT_ATTEMPTS = 5;
    private static final Pattern RUNNING = Pattern.compile("mosquitto version \\S+ running");
    private static final String ADDRESS_IN_USE = "Address already in use";

    /**
     * What to run. {@code users} maps user names to passwords (none: anonymous clients allowed, else only these
     * users); {@code aclLines} are the lines of an {@code acl_file} (none: no ACL, every user may do everything);
     * {@code port} 0 picks a free loopback port; {@code tls}, when not null, adds a second listener with that
     * certificate and key (see {@link #tlsPort()}); {@code extraConfig} lines are appended to the global section of
     * mosquitto.conf (e.g. {@code max_packet_size 65536}); {@code passwordHashing} says how the password file is made;
     * {@code passwordFile}, when not null, is an existing password file used instead of {@code users} (which must
     * then be empty).
     */
    public record Options(Map<String, String> users, List<String> aclLines, int port, Tls tls,
            List<String> extraConfig, MosquittoPasswordFile.Hashing passwordHashing, Path passwordFile) {
        public Options {
            users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
            aclLines = List.copyOf(aclLines);
            extraConfig = List.copyOf(extraConfig);
            Objects.requireNonNull(passwordHashing, "passwordHashing");
            if (passwordFile != null && !users.isEmpty()) {
                throw new IllegalArgumentException("give users or a password file, not both");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            for (String line : concat(aclLines, extraConfig)) {
                if (line.contains("\n") || line.contains("\r")) {
                    throw new IllegalArgumentException("a config or ACL line may not contain a line break: " + line);
                }
            }
        }

        /** Anonymous access, no ACL, a free port, no TLS, the password file made by mosquitto_passwd if present. */
        public static Options defaults() {
            return new Options(Map.of(), List.of(), 0, null, List.of(), MosquittoPasswordFile.Hashing.AUTO, null);
        }

        /** Adds a user; once there is one, anonymous clients are refused. */
        public Options withUser(String user, String password) {
            Map<String, String> more = new LinkedHashMap<>(users);
            more.put(user, password);
            return new Options(more, aclLines, port, tls, extraConfig, passwordHashing, passwordFile);
        }

        /** Appends ACL file lines, e.g. {@code "user sensor"}, {@code "topic write audio/#"}. */
        public Options withAcl(String... lines) {
            return new Options(users, concat(aclLines, List.of(lines)), port, tls, extraConfig, passwordHashing,
                    passwordFile);
        }

        /** A fixed port instead of a free one (no retry on another port when it is taken). */
        public Options withPort(int fixedPort) {
            return new Options(users, aclLines, fixedPort, tls, extraConfig, passwordHashing, passwordFile);
        }

        /** A TLS listener too, with this PEM certificate and key. */
        public Options withTls(Path certPem, Path keyPem) {
            return new Options(users, aclLines, port, new Tls(certPem, keyPem), extraConfig, passwordHashing,
                    passwordFile);
        }

        /** A TLS listener too, presenting {@code tls}'s certificate. */
        public Options withTls(TestTls testTls) {
            return withTls(testTls.certPem(), testTls.keyPem());
        }

        /** Appends mosquitto.conf lines to the global section. */
        public Options withConfig(String... lines) {
            return new Options(users, aclLines, port, tls, concat(extraConfig, List.of(lines)), passwordHashing,
                    passwordFile);
        }

        public Options withPasswordHashing(MosquittoPasswordFile.Hashing hashing) {
            return new Options(users, aclLines, port, tls, extraConfig, hashing, passwordFile);
        }

        /** Authenticates against this existing password file (e.g. one made by {@code earshot mosquitto-passwords}). */
        public Options withPasswordFile(Path file) {
            return new Options(users, aclLines, port, tls, extraConfig, passwordHashing, file.toAbsolutePath());
        }

        /** Whether clients must log in. */
        boolean authenticated() {
            return !users.isEmpty() || passwordFile != null;
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }

    /** A TLS listener's PEM certificate and (unencrypted) key. */
    public record Tls(Path certFile, Path keyFile) {
        public Tls {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
        }
    }

    private final Path binary;
    private final Path workDir;
    private final Options options;
    private final Path config;
    private final Path log;
    private final Path out;
    private int port;
    private int tlsPort = -1;

    private MosquittoBroker(Path binary, Path workDir, Options options) {
        super("mosquitto");
        this.binary = binary;
        this.workDir = workDir;
        this.options = options;
        this.config = workDir.resolve("mosquitto.conf");
        this.log = workDir.resolve("mosquitto.log");
        this.out = workDir.resolve("mosquitto.out");
    }

    /**
     * Writes the configuration in {@code workDir} (created if missing), starts Mosquitto and returns once its
     * listeners accept TCP connections. On a free port taken meanwhile by someone else, tries again on another.
     *
     * @throws IllegalStateException when Mosquitto is missing and cannot be installed (the message says what to
     *     install), exits during start-up, or does not listen within {@link #START_TIMEOUT}; the message carries
     *     the end of its log and output
     */
    public static MosquittoBroker start(Path workDir, Options options) {
        return start(workDir, options, FreePorts::loopback);
    }

    /** {@link #start(Path, Options)} taking free ports from {@code freePorts} (tests of the retry). */
    static MosquittoBroker start(Path workDir, Options options, IntSupplier freePorts) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MosquittoBroker broker = new MosquittoBroker(locateBinary(workDir), workDir.toAbsolutePath(), options);
        broker.writeAccessFiles();
        int attempts = options.port() == 0 ? FREE_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            broker.port = options.port() == 0 ? freePorts.getAsInt() : options.port();
            broker.tlsPort = options.tls() == null ? -1 : freePorts.getAsInt();
            broker.writeConfig();
            if (broker.launch() == Launch.READY) {
                return broker;
            }
            if (attempt == attempts) {
                throw new IllegalStateException(broker.describe("mosquitto could not bind " + broker.listeners()
                        + " (" + ADDRESS_IN_USE + ")" + (attempts > 1 ? ", tried " + attempts + " free ports" : "")));
            }
        }
    }

    /** Always {@value #HOST}. */
    public String host() {
        return HOST;
    }

    /** The plain MQTT listener's port. */
    public int port() {
        return port;
    }

    /** The TLS listener's port. @throws IllegalStateException when started without TLS */
    public int tlsPort() {
        if (tlsPort < 0) {
            throw new IllegalStateException("this broker has no TLS listener: start it with Options.withTls");
        }
        return tlsPort;
    }

    public Options options() {
        return options;
    }

    /** The broker's log file ({@code log_type all}); restarts append to it. */
    public Path log() {
        return log;
    }

    /** The whole log so far, "" when there is none yet. */
    public String logText() {
        return read(log, 0);
    }

    /** The generated mosquitto.conf. */
    public Path config() {
        return config;
    }

    @Override
    public String toString() {
        return "MosquittoBroker[" + listeners() + ", " + (isRunning() ? "running" : "stopped") + ", " + workDir + "]";
    }

    /** Starts the process and waits until it listens; ADDRESS_IN_USE when it exits because a port is taken. */
    @Override
    Launch launch() {
        long logStart = size(log);
        long outStart = size(out);
        try {
            process = new ProcessBuilder(binary.toString(), "-c", config.toString())
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        ServerProcesses.track(process);
        return awaitLaunch(process, "mosquitto", "accept connections on " + listeners(), START_TIMEOUT,
                () -> listening(logStart), () -> read(log, logStart) + read(out, outStart),
                output -> output.contains(ADDRESS_IN_USE));
    }

    /** Its log says it runs (so it is ours that listens, not a stranger on the port) and every port connects. */
    private boolean listening(long logStart) {
        if (!RUNNING.matcher(read(log, logStart)).find()) {
            return false;
        }
        return connects(port) && (tlsPort < 0 || connects(tlsPort));
    }

    private static boolean connects(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void writeAccessFiles() {
        if (!options.users().isEmpty()) {
            MosquittoPasswordFile.write(workDir.resolve("passwd"), options.users(), options.passwordHashing());
        }
        if (!options.aclLines().isEmpty()) {
            writeLines(workDir.resolve("acl"), options.aclLines());
        }
    }

    private void writeConfig() {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by " + MosquittoBroker.class.getName() + " for a test.");
        // Mosquitto started as root switches to user "mosquitto", which could not read this directory.
        lines.add("user " + System.getProperty("user.name"));
        lines.add("persistence false");
        lines.add("log_dest file " + log);
        lines.add("log_type all");
        lines.add("log_timestamp_format %Y-%m-%dT%H:%M:%S");
        lines.add("allow_anonymous " + !options.authenticated());
        if (options.passwordFile() != null) {
            lines.add("password_file " + options.passwordFile());
        } else if (!options.users().isEmpty()) {
            lines.add("password_file " + workDir.resolve("passwd"));
        }
        if (!options.aclLines().isEmpty()) {
            lines.add("acl_file " + workDir.resolve("acl"));
        }
        lines.addAll(options.extraConfig());
        lines.add("");
        lines.add("listener " + port + " " + HOST);
        if (options.tls() != null) {
            lines.add("");
            lines.add("listener " + tlsPort + " " + HOST);
            lines.add("certfile " + options.tls().certFile().toAbsolutePath());
            lines.add("keyfile " + options.tls().keyFile().toAbsolutePath());
        }
        writeLines(config, lines);
    }

    @Override
    String listeners() {
        return HOST + ":" + port + (tlsPort < 0 ? "" : " and TLS " + HOST + ":" + tlsPort);
    }

    /** {@code what}, then the end of the log and of stdout/stderr, and where to find them. */
    @Override
    String describe(String what) {
        return what + "\n--- end of " + log + " ---\n" + tail(read(log, 0)) + "--- end of " + out
                + " (stdout/stderr) ---\n" + tail(read(out, 0)) + "--- config " + config + " ---\n" + read(config, 0);
    }

    private static void writeLines(Path file, List<String> lines) {
        try {
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mosquitto binary; see {@link RequiresServers} for tests that need it. */
    static Path locateBinary(Path workDir) {
        return Executables.find(Server.MOSQUITTO.binary())
                .orElseThrow(() -> new IllegalStateException(Server.MOSQUITTO.missingReason()));
    }


}
