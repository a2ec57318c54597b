package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single-file Java programs under {@code bench/} (run by the bench scripts with {@code java -cp
 * target/earshot-run.jar bench/X.java}) are compiled nowhere else: this compiles them against the project's classes so
 * that a change of the API they use breaks the build, not a measurement months later.
 */
class BenchProgramsCompileTest {
    @Test
    void benchProgramsCompileAgainstTheProject(@TempDir Path out) throws IOException {
        List<String> sources = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("bench"))) {
            files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(f -> sources.add(f.toString()));
        }
        assertFalse(sources.isEmpty(), "no bench/*.java: the test would check nothing");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests need a JDK, not a JRE");
        // Surefire's class path (target/classes and every dependency), whether given directly or through its booter
        // jar's manifest, which javac follows.
        String classPath = System.getProperty("java.class.path") + File.pathSeparator + Path.of("target/classes");
        List<String> args = new ArrayList<>(List.of("-proc:none", "-Xlint:none", "-cp", classPath, "-d",
                out.toString()));
        args.addAll(sources);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, new PrintStream(errors, true, StandardCharsets.UTF_8),
                args.toArray(new String[0]));
        assertEquals(0, rc, "bench programs do not compile:\n" + errors.toString(StandardCharsets.UTF_8));
    }
}
