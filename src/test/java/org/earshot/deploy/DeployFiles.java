package org.earshot.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files as the tests read them: docker-compose.yml (YAML), the Dockerfile's instructions,
 * Mosquitto's configuration and ACL, each parsed only as far as the checks need. Paths are relative to the
 * repository root (Maven's working directory).
 */
final class DeployFiles {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    static final Path DOCKERFILE = ROOT.resolve("Dockerfile");
    static final Path DOCKERIGNORE = ROOT.resolve(".dockerignore");
    static final Path MOSQUITTO_DIR = ROOT.resolve("deploy/mosquitto");
    static final Path MOSQUITTO_CONF = MOSQUITTO_DIR.resolve("mosquitto.conf");
    static final Path MOSQUITTO_ACL = MOSQUITTO_DIR.resolve("acl");
    static final Path SETUP = ROOT.resolve("deploy/setup.sh");
    /** Compose's {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR:?message}}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");

    private DeployFiles() {}

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() {
        return (Map<String, Object>) new Yaml().load(read(COMPOSE));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(Map<String, Object> compose, String name) {
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Object service = services.get(name);
        if (service == null) {
            throw new AssertionError("docker-compose.yml has no service '" + name + "' (has " + services.keySet()
                    + ")");
        }
        return (Map<String, Object>) service;
    }

    /**
     * A value with compose's variables resolved: {@code ${VAR:-default}} to the default, any other variable to
     * {@code placeholder} (a secret that .env provides).
     */
    static String substitute(String value, String placeholder) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(2) != null && m.group(2).endsWith("-") ? m.group(3) : placeholder;
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A service's {@code environment} (a map or a list of KEY=VALUE) as strings, variables substituted. */
    @SuppressWarnings("unchecked")
    static Map<String, String> environment(Map<String, Object> service, String placeholder) {
        Map<String, String> env = new LinkedHashMap<>();
        Object raw = service.get("environment");
        if (raw instanceof Map<?, ?> map) {
            map.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : substitute(String.valueOf(v),
                    placeholder)));
        } else if (raw instanceof List<?> list) {
            for (Object item : list) {
                String s = String.valueOf(item);
                int eq = s.indexOf('=');
                env.put(s.substring(0, eq), substitute(s.substring(eq + 1), placeholder));
            }
        }
        return env;
    }

    /** A published port, {@code [ip:]host:container}. */
    record Port(String hostIp, int host, int container) {
        static Port parse(Object spec) {
            String[] parts = substitute(String.valueOf(spec), "").split(":");
            return switch (parts.length) {
                case 2 -> new Port("", Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                case 3 -> new Port(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                default -> throw new AssertionError("port '" + spec + "' is not [ip:]host:container");
            };
        }
    }

    @SuppressWarnings("unchecked")
    static List<Port> ports(Map<String, Object> service) {
        List<Port> ports = new ArrayList<>();
        for (Object spec : (List<Object>) service.getOrDefault("ports", List.of())) {
            ports.add(Port.parse(spec));
        }
        return ports;
    }

    /** A volume, {@code source:target[:mode]}; {@code bind} when the source is a path, else a named volume. */
    record Volume(String source, String target, boolean readOnly) {
        boolean bind() {
            return source.startsWith(".") || source.startsWith("/");
        }

        static Volume parse(Object spec) {
            String[] parts = String.valueOf(spec).split(":");
            if (parts.length < 2 || parts.length > 3) {
                throw new AssertionError("volume '" + spec + "' is not source:target[:mode]");
            }
            return new Volume(parts[0], parts[1], parts.length == 3 && parts[2].equals("ro"));
        }
    }

    @SuppressWarnings("unchecked")
    static List<Volume> volumes(Map<String, Object> service) {
        List<Volume> volumes = new ArrayList<>();
        for (Object spec : (List<Object>) service.getOrDefault("volumes", List.of())) {
            volumes.add(Volume.parse(spec));
        }
        return volumes;
    }

    /** One Dockerfile instruction: its keyword (upper case) and its arguments, continuation lines joined. */
    record Instruction(String keyword, String arguments) {}

    static List<Instruction> dockerfile() {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(DOCKERFILE).split("\n")) {
            String trimmed = line.strip();
            if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            int space = text.indexOf(' ');
            out.add(new Instruction(text.substring(0, space).toUpperCase(java.util.Locale.ROOT),
                    text.substring(space + 1).strip()));
            current.setLength(0);
        }
        return out;
    }

    static List<String> arguments(List<Instruction> dockerfile, String keyword) {
        return dockerfile.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
    }

    /** The Dockerfile's ENV settings ({@code KEY=value} pairs, quotes removed). */
    static Map<String, String> dockerEnv(List<Instruction> dockerfile) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)");
        for (String args : arguments(dockerfile, "ENV")) {
            Matcher m = pair.matcher(args);
            while (m.find()) {
                String v = m.group(2);
                env.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
        }
        return env;
    }

    /** mosquitto.conf's settings, option to its values in order (comments and blank lines skipped). */
    static Map<String, List<String>> mosquittoConf() {
        Map<String, List<String>> conf = new LinkedHashMap<>();
        for (String line : confLines(MOSQUITTO_CONF)) {
            String[] parts = line.split("\\s+", 2);
            conf.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts.length > 1 ? parts[1] : "");
        }
        return conf;
    }

    /** A file's lines without comments and blank lines. */
    static List<String> confLines(Path file) {
        return read(file).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
}
