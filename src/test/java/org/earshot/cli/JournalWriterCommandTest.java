package org.earshot.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code earshot journal-writer} refuses to start outside cluster mode, naming what to set. */
class JournalWriterCommandTest {
    @TempDir
    Path dir;

    @Test
    void withoutAClusterSectionItSaysWhatToSet() {
        CliRunner.run("journal-writer").assertRejected("journal-writer needs cluster mode: set"
                + " cluster.bootstrap_servers and cluster.node_id");
    }

    @Test
    void aClusterSectionWithoutANodeIdIsNamed() throws Exception {
        Path config = dir.resolve("writer.json");
        Files.writeString(config, "{\"cluster\": {\"bootstrap_servers\": \"127.0.0.1:9092\"}}");
        CliRunner.run("journal-writer", "--config", config.toString())
                .assertRejected("cluster.node_id is required when cluster.bootstrap_servers is set");
    }
}
