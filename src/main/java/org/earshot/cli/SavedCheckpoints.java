package org.earshot.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.journal.Checkpoint;
import org.earshot.journal.JournalFormatException;

/**
 * Checkpoints an auditor saved outside the journal, for {@code earshot verify --checkpoints-from}: a file of JSON
 * lines ({@link Checkpoint#readAll}), or the API's {@code /api/v1/journal/checkpoints} endpoint fetched page by page
 * ({@code after=next_after}) with the key in {@code EARSHOT_API_KEY}. Any problem reading them is bad input.
 */
final class SavedCheckpoints {
    static final String API_KEY_ENV = "EARSHOT_API_KEY";
    private static final int MAX_PAGES = 100_000;

    private SavedCheckpoints() {}

    static List<Checkpoint> read(String source) {
        if (source.startsWith("http://") || source.startsWith("https://")) {
            return fetch(source);
        }
        Path file = Path.of(source);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(source + ": no such checkpoints file");
        }
        try {
            return Checkpoint.readAll(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BadInputException(source + ": " + e.getMessage());
        } catch (JournalFormatException e) {
            throw new BadInputException(source + " " + e.getMessage());
        }
    }

    private static List<Checkpoint> fetch(String url) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String key = System.getenv(API_KEY_ENV);
        List<Checkpoint> out = new ArrayList<>();
        String next = url;
        for (int page = 0; next != null && page < MAX_PAGES; page++) {
            String body;
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(new URI(next)).timeout(Duration.ofSeconds(30))
                        .GET();
                if (key != null && !key.isBlank()) {
                    request.header("Authorization", "Bearer " + key.strip());
                }
                HttpResponse<String> response = client.send(request.build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() != 200) {
                    throw new BadInputException(url + ": HTTP " + response.statusCode()
                            + (response.statusCode() == 401 || response.statusCode() == 403
                            ? " (set " + API_KEY_ENV + " to an auditor's API key)" : ""));
                }
                body = response.body();
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new BadInputException(url + ": not a URL (" + e.getMessage() + ")");
            } catch (IOException e) {
                throw new BadInputException(url + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BadInputException(url + ": interrupted");
            }
            try {
                out.addAll(Checkpoint.readAll(body.replace('\n', ' ')));
                JsonElement value = JsonParser.parseString(body);
                JsonElement after = value.isJsonObject() ? ((JsonObject) value).get("next_after") : null;
                next = after == null || after.isJsonNull() ? null : withAfter(url, after.getAsLong());
            } catch (JournalFormatException | RuntimeException e) {
                throw new BadInputException(url + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** The URL with its {@code after} parameter set (replaced or added). */
    static String withAfter(String url, long after) {
        String base = url.replaceAll("([?&])after=[^&]*&?", "$1").replaceAll("[?&]$", "");
        return base + (base.contains("?") ? "&" : "?") + "after=" + after;
    }
}
