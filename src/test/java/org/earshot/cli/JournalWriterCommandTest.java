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

    @Test
    void withoutAModelKeyItReadsTheShippedModelAsServeDoes() throws Exception {
        // Before: a NullPointerException ("Cannot invoke ... ServeConfig.model() is null"). With the model found,
        // the next check speaks: the sensors file, which does not exist here.
        Path config = dir.resolve("writer.json");
        com.google.gson.JsonObject cluster = new com.google.gson.JsonObject();
        cluster.addProperty("bootstrap_servers", "127.0.0.1:9");
        cluster.addProperty("node_id", "writer-1");
        com.google.gson.JsonObject json = new com.google.gson.JsonObject();
        json.addProperty("sensors_file", dir.resolve("no-sensors.json").toString());
        json.add("cluster", cluster);
        Files.writeString(config, json.toString());
        CliRunner.run("journal-writer", "--config", config.toString()).assertRejected("no-sensors.json");
    }
}
