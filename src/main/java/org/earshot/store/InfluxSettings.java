package org.earshot.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the {@link InfluxWriter} needs: where InfluxDB is ({@code url}, http or https, without credentials in it),
 * which database, optional credentials (both or neither; with the 2.x compatibility endpoint the password is a
 * token), how long each retention policy keeps its data, how many points go in one write ({@code batchSize}), how
 * often buffered levels are flushed and the journal is polled when no notification came ({@code flushInterval}),
 * how many level readings are kept in memory while InfluxDB is unreachable ({@code levelBufferBound}), the file that
 * remembers the next journal position to write ({@code positionFile}) and how often sensor health is sampled
 * ({@code healthInterval}). The constructor rejects bad values with a message naming the setting; defaults live here
 * and only here ({@link #defaults}).
 */
public record InfluxSettings(String url, String database, String username, String password,
        Duration detectionsRetention, Duration levelsRetention, int batchSize, Duration flushInterval,
        int levelBufferBound, Path positionFile, Duration healthInterval) {
    public static final Duration DEFAULT_DETECTIONS_RETENTION = Duration.ofDays(365);
    public static final Duration DEFAULT_LEVELS_RETENTION = Duration.ofDays(30);
    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** About 15 minutes of per-second levels from 100 sensors (a few MB). */
    public static final int DEFAULT_LEVEL_BUFFER_BOUND = 100_000;
    public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(10);

    /** InfluxDB refuses retention policies shorter than an hour. */
    static final Duration MIN_RETENTION = Duration.ofHours(1);
    static final int MAX_BATCH_SIZE = 100_000;

    public InfluxSettings {
        url = checkUrl(url);
        database = checkDatabase(database);
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("influxdb username and password: give both or neither");
        }
        if (username != null && username.isBlank()) {
            throw new IllegalArgumentException("influxdb username must not be blank");
        }
        checkRetention("detectionsRetention", detectionsRetention);
        checkRetention("levelsRetention", levelsRetention);
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("influxdb batchSize must be in [1, " + MAX_BATCH_SIZE + "], got "
                    + batchSize);
        }
        checkPositive("flushInterval", flushInterval);
        if (levelBufferBound < batchSize) {
            throw new IllegalArgumentException("influxdb levelBufferBound must be >= batchSize (" + batchSize
                    + "), got " + levelBufferBound);
        }
        required("positionFile", positionFile);
        checkPositive("healthInterval", healthInterval);
    }

    /** The defaults above, without credentials. */
    public static InfluxSettings defaults(String url, String database, Path positionFile) {
        return new InfluxSettings(url, database, null, null, DEFAULT_DETECTIONS_RETENTION, DEFAULT_LEVELS_RETENTION,
                DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL, DEFAULT_LEVEL_BUFFER_BOUND, positionFile,
                DEFAULT_HEALTH_INTERVAL);
    }

    public InfluxSettings withCredentials(String user, String secret) {
        return new InfluxSettings(url, database, user, secret, detectionsRetention, levelsRetention, batchSize,
                flushInterval, levelBufferBound, positionFile, healthInterval);
    }

    public InfluxSettings withRetention(Duration detections, Duration levels) {
        return new InfluxSettings(url, database, username, password, detections, levels, batchSize, flushInterval,
                levelBufferBound, positionFile, healthInterval);
    }

    public InfluxSettings withBatching(int size, Duration flush, int levelBound) {
        return new InfluxSettings(url, database, username, password, detectionsRetention, levelsRetention, size, flush,
                levelBound, positionFile, healthInterval);
    }

    public InfluxSettings withHealthInterval(Duration interval) {
        return new InfluxSettings(url, database, username, password, detectionsRetention, levelsRetention, batchSize,
                flushInterval, levelBufferBound, positionFile, interval);
    }

    /** Never shows the password, so that settings can be logged. */
    @Override
    public String toString() {
        return "InfluxSettings[url=" + url + ", database=" + database + ", username=" + username + ", password="
                + (password == null ? "none" : "***") + ", detectionsRetention=" + detectionsRetention
                + ", levelsRetention=" + levelsRetention + ", batchSize=" + batchSize + ", flushInterval="
                + flushInterval + ", levelBufferBound=" + levelBufferBound + ", positionFile=" + positionFile
                + ", healthInterval=" + healthInterval + "]";
    }

    private static String checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("influxdb url is missing, e.g. http://127.0.0.1:8086");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("influxdb url is not a URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("influxdb url must start with http:// or https://, got scheme "
                    + uri.getScheme());
        }
        // Credentials in the URL would end up in logs and error messages: they have their own settings.
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("influxdb url must not contain credentials: use username and password");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("influxdb url has no host: " + url);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("influxdb url must not have a query or fragment: " + url);
        }
        return url;
    }

    private static String checkDatabase(String database) {
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("influxdb database is missing");
        }
        for (int i = 0; i < database.length(); i++) {
            char c = database.charAt(i);
            // Keeps quoting in InfluxQL statements trivial and names readable in Grafana.
            if (c == '"' || c == '\\' || c == '\'' || Character.isISOControl(c)) {
                throw new IllegalArgumentException("influxdb database name must not contain quotes, backslashes or"
                        + " control characters: " + database);
            }
        }
        return database;
    }

    private static void checkRetention(String name, Duration retention) {
        required(name, retention);
        if (retention.compareTo(MIN_RETENTION) < 0) {
            throw new IllegalArgumentException("influxdb " + name + " must be at least 1 hour (InfluxDB's minimum), got "
                    + retention);
        }
        if (retention.getNano() != 0) {
            throw new IllegalArgumentException("influxdb " + name + " must be whole seconds, got " + retention);
        }
    }

    private static void required(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("influxdb " + name + " is missing");
        }
    }

    private static void checkPositive(String name, Duration value) {
        required(name, value);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("influxdb " + name + " must be positive, got " + value);
        }
    }
}
