package org.earshot.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.earshot.config.ApiKeyRegistry;
import org.earshot.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys in force: the keys file as a {@link WatchedFile}, checked when a key is looked up (at most once a
 * second, on the API's worker threads), so that {@code earshot api-keys add} takes effect without a restart. Each
 * change is journaled as an {@code access_config} entry (names and roles, never keys or hashes). A file that does
 * not load keeps the previous keys in force, and the error is logged with the file's name and counted.
 */
final class ApiKeysWatcher implements Supplier<ApiKeyRegistry> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeysWatcher.class);
    static final String TYPE_ACCESS_CONFIG = "access_config";

    private final WatchedFile<ApiKeyRegistry> file;

    ApiKeysWatcher(Path file, ServiceJournal journal) throws ConfigException {
        this.file = new WatchedFile<>("api: keys file", file, ApiKeyRegistry::load, ApiKeyRegistry.empty(),
                (before, after) -> {
                    LOG.info("api: keys file {} changed: {} key(s) in force", file, after.keys().size());
                    record(journal, file, after);
                });
    }

    @Override
    public ApiKeyRegistry get() {
        return file.check();
    }

    int size() {
        return file.current().keys().size();
    }

    long errors() {
        return file.errors();
    }

    private static void record(ServiceJournal journal, Path file, ApiKeyRegistry current) {
        JsonObject data = new JsonObject();
        JsonArray keys = new JsonArray();
        for (ApiKeyRegistry.ApiKey k : current.keys()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", k.name());
            o.addProperty("role", k.role());
            keys.add(o);
        }
        data.addProperty("file", file.toString());
        data.add("keys", keys);
        try {
            journal.journal.append(TYPE_ACCESS_CONFIG, data);
        } catch (IOException e) {
            LOG.error("journal: cannot record the change of API keys: {}", e.toString());
        }
    }
}
