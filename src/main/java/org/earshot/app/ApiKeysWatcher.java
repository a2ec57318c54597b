package org.earshot.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Supplier;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.earshot.config.ApiKeyRegistry;
import org.earshot.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys in force: the keys file, read again when its modification time or size changes (checked at most once
 * a second, on the API's worker threads), so that {@code earshot api-keys add} takes effect without a restart. Each
 * change is journaled as an {@code access_config} entry (names and roles, never keys or hashes). A file that does
 * not load keeps the previous keys in force, and the error is logged with the file's name.
 */
final class ApiKeysWatcher implements Supplier<ApiKeyRegistry> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeysWatcher.class);
    static final String TYPE_ACCESS_CONFIG = "access_config";
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    private final Path file;
    private final ServiceJournal journal;
    private ApiKeyRegistry current = ApiKeyRegistry.empty();
    private Object stamp = "none";
    private long checkedNanos;
    private boolean checkedOnce;

    ApiKeysWatcher(Path file, ServiceJournal journal) throws ConfigException {
        this.file = file;
        this.journal = journal;
        ApiKeyRegistry first = load();
        if (first != null) {
            current = first;
        }
        checkedNanos = System.nanoTime();
        checkedOnce = true;
    }

    @Override
    public synchronized ApiKeyRegistry get() {
        long now = System.nanoTime();
        if (checkedOnce && now - checkedNanos < CHECK_EVERY_NANOS) {
            return current;
        }
        checkedNanos = now;
        Object before = stamp;
        try {
            ApiKeyRegistry loaded = load();
            if (!Objects.equals(before, stamp)) {
                current = loaded == null ? ApiKeyRegistry.empty() : loaded;
                LOG.info("api: keys file {} changed: {} key(s) in force", file, current.keys().size());
                record();
            }
        } catch (ConfigException e) {
            LOG.error("api: keys file {} changed but does not load, the previous keys stay in force: {}", file,
                    e.getMessage());
        }
        return current;
    }

    int size() {
        return current.keys().size();
    }

    /** Reads the file and updates the stamp; null when there is no file. */
    private ApiKeyRegistry load() throws ConfigException {
        if (!Files.exists(file)) {
            stamp = "none";
            return null;
        }
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            stamp = modified.toMillis() + "/" + Files.size(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return ApiKeyRegistry.load(file);
    }

    private void record() {
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
