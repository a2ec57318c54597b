package org.earshot.sensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sensor's id and token as a simulated or real sensor holds them. Files of credentials are CSV with the header
 * {@code sensor,token} (as {@code earshot sensors add} writes them); they hold secrets, so keep them private.
 */
public record Credentials(String sensorId, String token) {
    public static final String HEADER = "sensor,token";

    @Override
    public String toString() {
        return "Credentials[" + sensorId + "]";
    }

    public static List<Credentials> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new IOException(file + ": the first line must be the header " + HEADER);
        }
        List<Credentials> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(",", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IOException(file + " line " + (i + 1) + ": expected sensor,token");
            }
            out.add(new Credentials(parts[0].trim(), parts[1].trim()));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no credentials");
        }
        return out;
    }
}
