package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code earshot} command the documentation shows exists, and every repository file it names is there. The
 * documents are scanned for invocations ({@code ./earshot SUB}, {@code earshot SUB [SUBSUB]} at the start of a
 * command, {@code earshot.jar SUB}) in code blocks and inline code; each distinct one is run with {@code --help} and
 * must exit 0. Repository paths in code ({@code docs/JOURNAL.md}, {@code bench/kill-service.sh}) and relative
 * Markdown links must exist. Failures name the document and line.
 */
class DocumentedCommandsTest {
    /** The documents a reader is sent to. */
    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md"), Path.of("ARCHITECTURE.md"),
                Path.of("bench/README.md"), Path.of("datasets/README.md")));
        for (String dir : List.of("docs", "sensors")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
            }
        }
        try (Stream<Path> cards = Files.list(Path.of("models"))) {
            cards.map(m -> m.resolve("MODEL_CARD.md")).filter(Files::isRegularFile).sorted().forEach(docs::add);
        }
        return docs;
    }

    /**
     * Code that starts with "earshot" and is not a command: the first line of the text a journal checkpoint signs
     * (docs/JOURNAL.md).
     */
    private static final Set<String> NOT_COMMANDS = Set.of("earshot journal checkpoint v1");

    /**
     * Paths that the service or a build creates at run time, so they need not exist in the repository: the data
     * directory, build output, what a sensor installation creates, the broker's password file (made by
     * deploy/setup.sh) and its TLS certificates (the operator's).
     */
    private static final List<String> RUNTIME_PREFIXES = List.of("data/", "target/", "/etc/", "/opt/",
            "deploy/mosquitto/passwords", "deploy/mosquitto/certs/");

    /** Where a command starts: the line's or code span's start, a pipe, {@code &&}, {@code ;}, {@code $(}, sudo. */
    private static final Pattern INVOCATION = Pattern.compile(
            "(?:^\\s*|[|;&(]\\s*|\\bsudo\\s+|^\\s*(?:[A-Z_][A-Z0-9_]*=\\S*\\s+)+)(?:\\./|\\S*/)?earshot(?:\\.jar)?"
                    + "[ \\t]+([a-z][a-z0-9-]*)(?:[ \\t]+([a-z][a-z0-9-]*))?", Pattern.MULTILINE);
    /**
     * {@code java -jar /opt/earshot/earshot.jar sensor ...}, or the agent jar's (its commands are the same classes as
     * {@code earshot}'s).
     */
    private static final Pattern JAR_INVOCATION = Pattern.compile(
            "-jar\\s+\\S*earshot(?:-agent)?\\.jar[ \\t]+([a-z][a-z0-9-]*)(?:[ \\t]+([a-z][a-z0-9-]*))?");
    private static final Pattern FENCE = Pattern.compile("^\\s*```");
    private static final Pattern INLINE_CODE = Pattern.compile("(?<!`)`((?:[^`\\n]|\\n(?!\\s*\\n))+)`(?!`)");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern PATH_TOKEN = Pattern.compile("(?:\\./)?(?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]*");

    /** A piece of code in a document, with the line it starts on. */
    record Code(Path doc, int line, String text) {
        String where() {
            return doc + ":" + line;
        }
    }

    /** Fenced code lines, one each, and inline code spans (which may wrap onto the next line). */
    static List<Code> code(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<Code> code = new ArrayList<>();
        StringBuilder prose = new StringBuilder();
        List<Integer> proseLine = new ArrayList<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                line = "";
            } else if (fenced) {
                code.add(new Code(doc, i + 1, line));
                line = "";
            }
            for (int c = 0; c <= line.length(); c++) {
                proseLine.add(i + 1);
            }
            prose.append(line).append('\n');
        }
        Matcher m = INLINE_CODE.matcher(prose);
        while (m.find()) {
            code.add(new Code(doc, proseLine.get(m.start()), m.group(1)));
        }
        return code;
    }

    /** Relative Markdown links outside code, with their lines. */
    static List<Code> links(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<Code> links = new ArrayList<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (FENCE.matcher(lines.get(i)).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = LINK.matcher(lines.get(i).replaceAll("`[^`]*`", ""));
            while (m.find()) {
                String target = m.group(1);
                if (!target.matches("^[a-z]+:.*") && !target.startsWith("#")) {
                    links.add(new Code(doc, i + 1, target.replaceFirst("#.*", "")));
                }
            }
        }
        return links;
    }

    /** Documented invocations: "sub" or "sub subsub", each with the first place it appears. */
    static Map<String, String> invocations(List<Code> code, CommandLine earshot) {
        Map<String, String> found = new LinkedHashMap<>();
        for (Code c : code) {
            String text = c.text().replace("\\|", "|");
            if (NOT_COMMANDS.contains(text.strip())) {
                continue;
            }
            for (Pattern p : List.of(INVOCATION, JAR_INVOCATION)) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    String sub = m.group(1);
                    CommandLine known = earshot.getSubcommands().get(sub);
                    String key = known != null && !known.getSubcommands().isEmpty() && m.group(2) != null
                            ? sub + " " + m.group(2) : sub;
                    found.putIfAbsent(key, c.where());
                }
            }
        }
        return found;
    }

    @Test
    void everyDocumentedCommandExists() throws IOException {
        List<Code> code = new ArrayList<>();
        for (Path doc : documents()) {
            code.addAll(code(doc));
        }
        Map<String, String> invocations = invocations(code, new CommandLine(new Earshot()));
        // The scan must find what the documents are known to show, or it would pass by finding nothing.
        assertTrue(invocations.keySet().containsAll(List.of("detect", "serve", "sensor", "sensors add",
                "mic-calibrate", "verify", "evaluate streams", "api-keys add")), invocations.keySet().toString());
        List<String> failures = new ArrayList<>();
        invocations.forEach((command, where) -> {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.add("--help");
            CliRunner.Run run = CliRunner.run(args.toArray(String[]::new));
            // picocli answers --help even after an unknown subcommand (with the parent's usage), so the usage
            // printed must be this command's own.
            if (run.exitCode() != 0 || !run.out().contains("Usage: earshot " + command + " ")) {
                failures.add(where + ": `earshot " + command + "` is documented, but `earshot " + command
                        + " --help` exits " + run.exitCode() + " with " + (run.out() + run.err()).strip().lines()
                        .findFirst().orElse("no output") + " (no such command?)");
            }
        });
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void everyDocumentedPathExists() throws IOException {
        Set<String> topLevel;
        try (Stream<Path> entries = Files.list(Path.of("."))) {
            topLevel = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("target") && !n.equals("data") && !n.equals(".git"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        // Folders the documents may name before they exist here are still repository paths.
        topLevel.addAll(List.of("src", "docs", "sensors", "bench", "models", "demo", "scripts", "grafana"));
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            for (Code c : code(doc)) {
                Matcher m = PATH_TOKEN.matcher(c.text());
                while (m.find()) {
                    if (m.start() > 0 && !isDelimiter(c.text().charAt(m.start() - 1))
                            || m.end() < c.text().length() && !isDelimiter(c.text().charAt(m.end()))) {
                        continue; // part of a URL, a placeholder or a word with other characters
                    }
                    if (c.text().startsWith(":", m.end()) && m.end() + 1 < c.text().length()
                            && Character.isDigit(c.text().charAt(m.end() + 1))
                            && !m.group().substring(m.group().lastIndexOf('/') + 1).contains(".")) {
                        continue; // a container image and its tag (grafana/grafana-oss:11.6.0), not a path
                    }
                    String path = m.group().replaceFirst("^\\./", "").replaceFirst("[.]+$", "");
                    int slash = path.indexOf('/');
                    if (slash <= 0 || !topLevel.contains(path.substring(0, slash)) || RUNTIME_PREFIXES.stream().anyMatch(path::startsWith)) {
                        continue;
                    }
                    checked++;
                    if (!Files.exists(Path.of(path))) {
                        failures.add(c.where() + ": names `" + path + "`, which is not in the repository");
                    }
                }
            }
            for (Code link : links(doc)) {
                checked++;
                Path target = doc.toAbsolutePath().getParent().resolve(link.text()).normalize();
                if (!link.text().isEmpty() && !Files.exists(target)) {
                    failures.add(link.where() + ": links to " + link.text() + ", which does not exist");
                }
            }
        }
        assertTrue(checked > 50, "only " + checked + " paths found: is the scan broken?");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static boolean isDelimiter(char c) {
        return Character.isWhitespace(c) || "\"'(),;:=|[]".indexOf(c) >= 0;
    }

    /** The scanner itself, on text whose answer is known. */
    @Test
    void scannerFindsInvocationsAndIgnoresLookalikes() throws IOException {
        Path doc = Files.createTempFile("doc", ".md");
        try {
            Files.writeString(doc, String.join("\n",
                    "Run `./earshot detect demo/demo.wav` or `earshot sensors add --id x`.",
                    "The `earshot` user, `earshot/v1/alerts/#`, earshot serve in prose.",
                    "```sh",
                    "arecord -t raw | java -jar /opt/earshot/earshot.jar sensor --host h",
                    "EARSHOT_X=1 ./earshot evaluate clips --dataset d",
                    "mosquitto_passwd /etc/mosquitto/passwd earshot",
                    "earshot journal checkpoint v1",
                    "```",
                    "and `sudo earshot api-keys list`; [a link](docs/API.md#roles)."));
            Map<String, String> found = invocations(code(doc), new CommandLine(new Earshot()));
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("detect", doc + ":1");
            expected.put("sensors add", doc + ":1");
            expected.put("sensor", doc + ":4");
            expected.put("evaluate clips", doc + ":5");
            expected.put("api-keys list", doc + ":9");
            assertTrue(found.equals(expected), found.toString());
            assertTrue(links(doc).stream().map(Code::text).toList().equals(List.of("docs/API.md")),
                    links(doc).toString());
        } finally {
            Files.delete(doc);
        }
    }
}
