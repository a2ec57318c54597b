package org.earshot.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * The capacity and latency that docs/DEPLOYMENT.md and the README state are those measured in
 * bench/results/live-capacity.txt: the most sensors sustained (no frame dropped, no gap) and, at that count, the
 * alerts' p99 from the event's start and the final detections' p99 from its end. A new run that changes them fails
 * here until the docs follow.
 */
class CapacityFiguresTest {
    static final Path RESULTS = Path.of("bench/results/live-capacity.txt");

    @Test
    void deploymentAndReadmeQuoteTheMeasuredCapacityAndLatency() throws Exception {
        int sustained = 0;
        JsonObject atSustained = null;
        java.util.Map<Integer, String> service = new java.util.HashMap<>();
        for (String line : Files.readAllLines(RESULTS, StandardCharsets.UTF_8)) {
            if (line.matches("N=\\d+ service: .*")) {
                service.put(Integer.parseInt(line.substring(2, line.indexOf(' '))), line);
            } else if (line.matches("N=\\d+ simulate: .*")) {
                int n = Integer.parseInt(line.substring(2, line.indexOf(' ')));
                String counters = service.get(n);
                if (counters.contains(" dropped_frames=0 ") && counters.contains(" gaps=0 ") && n > sustained) {
                    sustained = n;
                    atSustained = JsonParser.parseString(line.substring(line.indexOf('{'))).getAsJsonObject();
                }
            }
        }
        assertTrue(sustained > 0, "no sustained count in " + RESULTS);
        JsonObject latency = atSustained.getAsJsonObject("latency");
        String alert = String.format(Locale.ROOT, "%.2f s after an event starts",
                latency.getAsJsonObject("alerts").get("since_onset_p99_s").getAsDouble());
        String fin = String.format(Locale.ROOT, "%.2f s after it ends",
                latency.getAsJsonObject("finals").get("latency_p99_s").getAsDouble());
        String count = String.format(Locale.ROOT, "%,d", sustained);

        String deployment = Files.readString(Path.of("docs/DEPLOYMENT.md"), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ");
        assertTrue(deployment.contains("**" + count + " sensors in real time on 2 cores**"), "DEPLOYMENT.md: " + count);
        assertTrue(deployment.contains(alert) && deployment.contains(fin), "DEPLOYMENT.md: " + alert + ", " + fin);
        assertTrue(deployment.contains("`" + RESULTS + "`"), "DEPLOYMENT.md names " + RESULTS);

        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("sensors sustained in real time, no audio dropped (simulator on the same 2 cores) | "
                + count + " "), "README: " + count);
    }
}
