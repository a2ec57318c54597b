import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.earshot.audio.AudioLoader;
import org.earshot.detect.Classifier;
import org.earshot.detect.Detection;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.model.ModelLoader;
import org.earshot.model.ModelManifest;
import org.earshot.testing.AudioLeakScanner;

/**
 * The checks of bench/cluster-failover.sh on what a run left in its work directory (WORK): the journal
 * (writer/journal), the nodes' logs (node-N.log: a node logs each detection Kafka acknowledged, and each sensor
 * connection), the simulator's event log (events.csv: stream starts with their capture clock, connections, losses),
 * the timeline of kills (timeline.csv), and Kafka's log directories (kafka/node-N); it runs offline detection (the
 * code of `earshot detect`) with the nodes' model on the recording the sensors looped. Prints one line per figure;
 * exits 1 when a detection was lost or duplicated, when a sensor was unanalysed for more than 10 s, when a detection
 * outside a failover window differs from offline detection, or when audio is found in Kafka's logs.
 *
 * <pre>java -cp target/earshot-run.jar:target/test-classes bench/ClusterFailover.java WORK MODEL_DIR RECORDING</pre>
 */
public final class ClusterFailover {
    /** A detection matches an offline one of the same class whose onset is this close (capture clock). */
    static final long MATCH_US = 50_000;
    /** Around a sensor's lost connection: audio the dead node held unanalysed, and the restart of the stream. */
    static final long WINDOW_BEFORE_US = 10_000_000;
    static final long WINDOW_AFTER_US = 5_000_000;
    static final long MAX_GAP_US = 10_000_000;
    static final Pattern LOG_TIME = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4})");
    static final Pattern SENSOR_CONNECTED = Pattern.compile("mqtt: sensor (\\S+) connected from");
    static final Pattern ANALYSIS_STARTS = Pattern.compile(
            "sensor (\\S+): analysis starts at frame (\\d+), capture time (\\d+) us");
    static final int RATE = 16_000;
    /** How long a stretch that starts mid-stream is compared with offline detection started at the same sample. */
    static final int HEAD_SECONDS = 20;
    static final DateTimeFormatter LOG_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    record Expected(String sensor, String label, long onsetUs) {}

    record Found(String sensor, String label, long onsetUs, String id) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ClusterFailover WORK MODEL_DIR RECORDING");
            System.exit(2);
        }
        Path work = Path.of(args[0]);
        boolean ok = true;

        // The journal: every final detection, by id.
        Map<String, Integer> journaled = new HashMap<>();
        Map<String, String> journaledBy = new HashMap<>();
        List<Found> found = new ArrayList<>();
        Map<String, Integer> types = new TreeMap<>();
        List<Path> segments;
        try (Stream<Path> s = Files.list(work.resolve("writer/journal"))) {
            segments = s.filter(p -> p.getFileName().toString().matches("segment-\\d+\\.jsonl")).sorted().toList();
        }
        for (Path segment : segments) {
            for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                String type = e.get("type").getAsString();
                types.merge(type, 1, Integer::sum);
                if (!type.equals("detection") || !e.has("data")) {
                    continue;
                }
                JsonObject d = e.getAsJsonObject("data");
                String id = d.get("id").getAsString();
                if (journaled.merge(id, 1, Integer::sum) == 1) {
                    found.add(new Found(d.get("sensor").getAsString(), d.get("class").getAsString(),
                            d.get("onset_us").getAsLong(), id));
                    journaledBy.put(id, d.getAsJsonObject("cluster").get("node").getAsString());
                }
            }
        }
        long duplicated = journaled.values().stream().filter(n -> n > 1).count();

        // What the nodes counted as made: each detection a node logged once Kafka acknowledged it.
        Map<String, String> made = new LinkedHashMap<>();
        Map<String, Integer> madeByNode = new TreeMap<>();
        Map<String, List<long[]>> connectionsByNode = new TreeMap<>();
        Map<String, List<String>> connectedSensors = new HashMap<>();
        List<Path> logs;
        try (Stream<Path> s = Files.list(work)) {
            logs = s.filter(p -> p.getFileName().toString().matches("node-\\d+\\.log")).sorted().toList();
        }
        for (Path log : logs) {
            String node = log.getFileName().toString().replace(".log", "");
            List<long[]> connections = new ArrayList<>();
            List<String> sensorsOfConnections = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int at = line.indexOf(" detection {");
                if (at >= 0 && line.contains("org.earshot.detections")) {
                    JsonObject d = JsonParser.parseString(line.substring(at + " detection ".length()))
                            .getAsJsonObject();
                    if (made.putIfAbsent(d.get("id").getAsString(), node) == null) {
                        madeByNode.merge(node, 1, Integer::sum);
                    }
                }
                Matcher c = SENSOR_CONNECTED.matcher(line);
                Matcher t = LOG_TIME.matcher(line);
                if (c.find() && t.find()) {
                    connections.add(new long[] {micros(t.group(1))});
                    sensorsOfConnections.add(c.group(1));
                }
            }
            connectionsByNode.put(node, connections);
            connectedSensors.put(node, sensorsOfConnections);
        }
        List<String> lost = made.keySet().stream().filter(id -> !journaled.containsKey(id)).toList();
        System.out.printf(Locale.ROOT, "detections made (acknowledged by Kafka, logged by a node): %d %s; journaled:"
                        + " %d distinct ids; made but not journaled: %d%s; journaled more than once: %d%n",
                made.size(), madeByNode, journaled.size(), lost.size(),
                lost.isEmpty() ? "" : " " + lost.subList(0, Math.min(10, lost.size())), duplicated);
        System.out.println("journal entries by type: " + types);
        ok &= lost.isEmpty() && duplicated == 0;

        // The timeline, and the simulator's events.
        List<String[]> timeline = csv(work.resolve("timeline.csv"));
        List<String[]> events = csv(work.resolve("events.csv"));
        Map<String, List<Long>> lostAt = new HashMap<>();
        Map<String, List<Long>> connectedAt = new HashMap<>();
        Map<String, List<Long>> streamStarts = new HashMap<>();
        for (String[] e : events) {
            long time = Long.parseLong(e[0]);
            switch (e[2]) {
                case "lost" -> lostAt.computeIfAbsent(e[1], k -> new ArrayList<>()).add(time);
                case "connected" -> connectedAt.computeIfAbsent(e[1], k -> new ArrayList<>()).add(time);
                case "stream_start" -> {
                    long[] numbers = numbers(e.length > 3 ? String.join(",", Arrays.copyOfRange(e, 3, e.length))
                            : "");
                    streamStarts.computeIfAbsent(e[1], k -> new ArrayList<>()).add(numbers[numbers.length - 1]);
                }
                default -> { }
            }
        }

        // Gap: from a node's kill to each of its sensors' connection to another node (as that node logged it) and
        // to the sensor's own reconnection.
        for (String[] t : timeline) {
            if (!t[1].equals("kill") || !t[2].startsWith("node-")) {
                continue;
            }
            long kill = Long.parseLong(t[0]);
            String node = t[2];
            List<Long> nodeGaps = new ArrayList<>();
            List<Long> clientGaps = new ArrayList<>();
            List<String> never = new ArrayList<>();
            for (Map.Entry<String, List<Long>> l : lostAt.entrySet()) {
                boolean lostThen = l.getValue().stream().anyMatch(x -> x >= kill && x < kill + 15_000_000);
                if (!lostThen) {
                    continue;
                }
                String sensor = l.getKey();
                long nodeSide = Long.MAX_VALUE;
                for (Map.Entry<String, List<long[]>> n : connectionsByNode.entrySet()) {
                    if (n.getKey().equals(node)) {
                        continue;
                    }
                    List<String> ss = connectedSensors.get(n.getKey());
                    for (int i = 0; i < ss.size(); i++) {
                        long at = n.getValue().get(i)[0];
                        if (ss.get(i).equals(sensor) && at >= kill) {
                            nodeSide = Math.min(nodeSide, at);
                        }
                    }
                }
                long clientSide = connectedAt.getOrDefault(sensor, List.of()).stream().filter(x -> x >= kill)
                        .min(Long::compare).orElse(Long.MAX_VALUE);
                if (nodeSide == Long.MAX_VALUE) {
                    never.add(sensor);
                } else {
                    nodeGaps.add(nodeSide - kill);
                }
                if (clientSide != Long.MAX_VALUE) {
                    clientGaps.add(clientSide - kill);
                }
            }
            System.out.printf(Locale.ROOT, "%s killed: %d of its sensors lost their connection; analysed again on "
                            + "another node after (from the kill to the new node accepting the sensor) median %.2f s,"
                            + " p95 %.2f s, max %.2f s; over 10 s: %d; never: %d%s; sensors reconnected (their own "
                            + "log) median %.2f s, max %.2f s%n", node, nodeGaps.size() + never.size(),
                    quantile(nodeGaps, 0.5), quantile(nodeGaps, 0.95), quantile(nodeGaps, 1.0),
                    nodeGaps.stream().filter(g -> g > MAX_GAP_US).count(), never.size(),
                    never.isEmpty() ? "" : " " + never, quantile(clientGaps, 0.5), quantile(clientGaps, 1.0));
            ok &= never.isEmpty() && nodeGaps.stream().allMatch(g -> g <= MAX_GAP_US)
                    && !nodeGaps.isEmpty();
        }

        // Offline detection on the audio each node analysed: a sensor's stream is the recording looped (simulate
        // --reconnect plays its loops as one stream), and a node that takes a sensor over analyses it from the first
        // frame it receives (its debug line "analysis starts at frame N, capture time T us"). Analysis windows are
        // anchored at that frame, so each stretch is compared with offline detection started at the same sample.
        Path modelDir = Path.of(args[1]);
        ModelManifest manifest = ModelManifest.read(modelDir);
        DetectorConfig config = manifest.detectorConfig();
        Classifier classifier = ModelLoader.classifier(modelDir, manifest);
        float[] recording = AudioLoader.load16k(Path.of(args[2])).samples();
        int loops = streamStarts.values().stream().mapToInt(List::size).max().orElse(0);
        float[] looped = new float[recording.length * loops];
        for (int i = 0; i < loops; i++) {
            System.arraycopy(recording, 0, looped, i * recording.length, recording.length);
        }
        int hop = (int) Math.round(config.hopSeconds() * RATE);
        Map<String, TreeMap<Long, String>> stretches = new HashMap<>();   // sensor -> first sample -> node
        for (Path log : logs) {
            String node = log.getFileName().toString().replace(".log", "");
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = ANALYSIS_STARTS.matcher(line);
                if (m.find() && streamStarts.containsKey(m.group(1))) {
                    long c0 = streamStarts.get(m.group(1)).stream().min(Long::compare).orElseThrow();
                    long sample = Math.round((Long.parseLong(m.group(3)) - c0) * RATE / 1e6);
                    stretches.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(sample, node);
                }
            }
        }
        Map<Long, List<Detection>> offlineFrom = new HashMap<>();   // by first sample modulo the hop
        List<Expected> expected = new ArrayList<>();
        int resumed = 0;
        int restartedOnSameNode = 0;   // a gap: the node's queue dropped audio (it could not keep up), or a late frame
        List<String> gaps = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Long, String>> s : stretches.entrySet()) {
            long c0 = streamStarts.get(s.getKey()).stream().min(Long::compare).orElseThrow();
            for (Map.Entry<Long, String> stretch : s.getValue().entrySet()) {
                long first = stretch.getKey();
                Long next = s.getValue().higherKey(first);
                long end = next == null ? looped.length : next;
                Map.Entry<Long, String> before = s.getValue().lowerEntry(first);
                if (before != null && before.getValue().equals(stretch.getValue())) {
                    restartedOnSameNode++;
                    gaps.add(String.format(Locale.ROOT, "%s on %s %.1f s into its stream", s.getKey(),
                            stretch.getValue(), first / (double) RATE));
                } else if (before != null) {
                    resumed++;
                }
                long phase = Math.floorMod(first, hop);
                List<Detection> offline = offlineFrom.computeIfAbsent(phase, p -> FileDetector.detect(
                        Arrays.copyOfRange(looped, (int) (long) p, looped.length), classifier, config).detections());
                // The stretch's first HEAD_SECONDS: offline detection started at its very first sample, as the node
                // started (no audio before it); after that, the run of the same phase, which saw the same windows.
                long headEnd = Math.min(end, first + HEAD_SECONDS * RATE);
                if (first > phase) {
                    for (Detection d : FileDetector.detect(Arrays.copyOfRange(looped, (int) first,
                            (int) Math.min(looped.length, first + (HEAD_SECONDS + 10) * RATE)), classifier, config)
                            .detections()) {
                        long at = first + Math.round(d.onset() * RATE);
                        if (at < headEnd) {
                            expected.add(new Expected(s.getKey(), d.label(), c0 + Math.round(at * 1e6 / RATE)));
                        }
                    }
                }
                for (Detection d : offline) {
                    long at = phase + Math.round(d.onset() * RATE);
                    if (at >= (first > phase ? headEnd : first) && at < end) {
                        expected.add(new Expected(s.getKey(), d.label(), c0 + Math.round(at * 1e6 / RATE)));
                    }
                }
            }
        }
        int[] outside = new int[3];   // expected, matched, extra
        int[] inside = new int[3];
        boolean[] used = new boolean[found.size()];
        Map<String, List<Integer>> foundBySensor = new HashMap<>();
        for (int i = 0; i < found.size(); i++) {
            foundBySensor.computeIfAbsent(found.get(i).sensor(), k -> new ArrayList<>()).add(i);
        }
        List<String> missedOutside = new ArrayList<>();
        List<Double> missedInside = new ArrayList<>();   // onset relative to the sensor's loss of its node, seconds
        for (Expected e : expected) {
            boolean window = inFailoverWindow(lostAt.get(e.sensor()), e.onsetUs());
            int[] counts = window ? inside : outside;
            counts[0]++;
            int best = -1;
            for (int i : foundBySensor.getOrDefault(e.sensor(), List.of())) {
                Found f = found.get(i);
                if (!used[i] && f.label().equals(e.label()) && Math.abs(f.onsetUs() - e.onsetUs()) <= MATCH_US
                        && (best < 0 || Math.abs(f.onsetUs() - e.onsetUs())
                        < Math.abs(found.get(best).onsetUs() - e.onsetUs()))) {
                    best = i;
                }
            }
            if (best >= 0) {
                used[best] = true;
                counts[1]++;
            } else if (!window) {
                missedOutside.add(e.sensor() + "/" + e.label() + "@" + e.onsetUs());
            } else {
                long loss = lostAt.get(e.sensor()).stream()
                        .min(Comparator.comparingLong(l -> Math.abs(l - e.onsetUs()))).orElseThrow();
                missedInside.add((e.onsetUs() - loss) / 1e6);
            }
        }
        List<String> extraOutside = new ArrayList<>();
        List<String> extraInside = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
            if (!used[i]) {
                Found f = found.get(i);
                if (inFailoverWindow(lostAt.get(f.sensor()), f.onsetUs())) {
                    inside[2]++;
                    extraInside.add(f.id() + " (by " + journaledBy.get(f.id()) + ")");
                } else {
                    outside[2]++;
                    extraOutside.add(f.id());
                }
            }
        }
        System.out.printf(Locale.ROOT, "offline detect (%s) on the audio analysed: %d sensors, %d stretches of"
                        + " analysis (%d resumed on another node, %d restarted on the same node after a gap), %d"
                        + " detections expected; away from failovers:"
                        + " %d expected, %d found, %d extra%s%s; within a failover window (%.0f s before a sensor"
                        + " lost its node to %.0f s after): %d expected, %d found, %d extra%s%n",
                modelDir.getFileName(), stretches.size(), stretches.values().stream().mapToInt(Map::size).sum(),
                resumed, restartedOnSameNode, expected.size(), outside[0], outside[1], outside[2],
                missedOutside.isEmpty() ? "" : "; missed " + missedOutside.subList(0, Math.min(10,
                        missedOutside.size())),
                extraOutside.isEmpty() ? "" : "; extra " + extraOutside.subList(0, Math.min(10, extraOutside.size())),
                WINDOW_BEFORE_US / 1e6, WINDOW_AFTER_US / 1e6, inside[0], inside[1], inside[2],
                extraInside.isEmpty() ? "" : " " + extraInside.subList(0, Math.min(10, extraInside.size())));
        if (!missedInside.isEmpty()) {
            List<Double> sorted = missedInside.stream().sorted().toList();
            System.out.printf(Locale.ROOT, "not found within a failover window: %d, their onsets %.1f to %.1f s from"
                            + " the sensor's loss of its node (audio the killed node held but had not finished"
                            + " analysing)%n", sorted.size(), sorted.get(0), sorted.get(sorted.size() - 1));
        }
        // A gap is the overload policy at work (a node fell more than ingest.queue_seconds behind and dropped the
        // oldest audio, counted in earshot_dropped_frames_total): reported, and its stretches compared like the rest.
        ok &= outside[0] > 0 && outside[1] == outside[0] && outside[2] == 0
                && stretches.size() == streamStarts.size();
        if (restartedOnSameNode > 0) {
            System.out.println("gaps (a node more than ingest.queue_seconds behind dropped the oldest audio): "
                    + String.join(", ", gaps));
        }

        // Audio stays on the nodes: no sample of the recording in Kafka's log directories.
        short[] demo = AudioLeakScanner.pcm16(AudioLoader.load16k(Path.of("demo/demo.wav")).samples());
        AudioLeakScanner scanner = AudioLeakScanner.of(Map.of("demo/demo.wav", demo));
        List<AudioLeakScanner.Finding> findings = new ArrayList<>();
        long bytes = 0;
        List<Path> brokers;
        try (Stream<Path> s = Files.list(work.resolve("kafka"))) {
            brokers = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path b : brokers) {
            findings.addAll(scanner.scanTree(b));
            try (Stream<Path> files = Files.walk(b)) {
                bytes += files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }
        System.out.printf(Locale.ROOT, "privacy scan of Kafka's log directories (%d brokers, %.1f MB): %d findings%s%n",
                brokers.size(), bytes / 1e6, findings.size(), findings.isEmpty() ? "" : " " + findings);
        ok &= findings.isEmpty() && bytes > 0;
        System.out.println("result: " + (ok ? "passed" : "FAILED"));
        System.exit(ok ? 0 : 1);
    }

    static boolean inFailoverWindow(List<Long> losses, long onsetUs) {
        if (losses == null) {
            return false;
        }
        for (long l : losses) {
            if (onsetUs >= l - WINDOW_BEFORE_US && onsetUs <= l + WINDOW_AFTER_US) {
                return true;
            }
        }
        return false;
    }

    static long micros(String logTime) {
        OffsetDateTime t = OffsetDateTime.parse(logTime, LOG_FORMAT);
        return t.toEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    static long[] numbers(String s) {
        return Pattern.compile("-?\\d+").matcher(s).results().mapToLong(m -> Long.parseLong(m.group())).toArray();
    }

    static double quantile(List<Long> micros, double q) {
        if (micros.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = micros.stream().sorted().toList();
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1 < 0 ? 0
                : Math.ceil(q * sorted.size()) - 1)) / 1e6;
    }

    static List<String[]> csv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (!line.isBlank()) {
                rows.add(line.split(",", -1));
            }
        }
        return rows;
    }
}
