package org.earshot.ingest;

/**
 * The MQTT topics of protocol v1 ({@code sensors/PROTOCOL.md}), written once: parsing what sensors publish, naming
 * what the service publishes, and MQTT topic-filter matching for the embedded endpoint's subscribers.
 */
public final class Topics {
    public static final String PREFIX = "earshot/v1";
    /** What the service subscribes to on an external broker. */
    public static final String ALL_AUDIO = PREFIX + "/sensors/+/audio";
    public static final String ALL_STATUS = PREFIX + "/sensors/+/status";
    /**
     * The newest signed journal checkpoint, for auditors to keep: retained on the broker in broker mode; sent to
     * readers of the embedded endpoint, the newest at once when they subscribe.
     */
    public static final String CHECKPOINT = PREFIX + "/journal/checkpoint";

    /**
     * Longest filter the embedded endpoint accepts: every topic it publishes is far shorter (sensor ids have at most
     * 64 characters), and a longer filter would only cost memory.
     */
    public static final int MAX_FILTER_LENGTH = 256;

    /** The kinds of topic a sensor publishes to. */
    public enum Kind { AUDIO, STATUS }

    /** A topic a sensor published to: the sensor id it names and its kind. */
    public record SensorTopic(String sensorId, Kind kind) {}

    private Topics() {}

    /** Parses {@code earshot/v1/sensors/{id}/audio|status}; null for any other topic. */
    public static SensorTopic parseSensorTopic(String topic) {
        if (topic == null) {
            return null;
        }
        String[] levels = topic.split("/", -1);
        if (levels.length != 5 || !"earshot".equals(levels[0]) || !"v1".equals(levels[1])
                || !"sensors".equals(levels[2]) || levels[3].isEmpty()) {
            return null;
        }
        return switch (levels[4]) {
            case "audio" -> new SensorTopic(levels[3], Kind.AUDIO);
            case "status" -> new SensorTopic(levels[3], Kind.STATUS);
            default -> null;
        };
    }

    public static String audio(String sensorId) {
        return PREFIX + "/sensors/" + sensorId + "/audio";
    }

    public static String status(String sensorId) {
        return PREFIX + "/sensors/" + sensorId + "/status";
    }

    public static String errors(String sensorId) {
        return PREFIX + "/sensors/" + sensorId + "/errors";
    }

    public static String detection(String sensorId, String label) {
        return PREFIX + "/detections/" + sensorId + "/" + label;
    }

    public static String alert(String sensorId, String label) {
        return PREFIX + "/alerts/" + sensorId + "/" + label;
    }

    public static String levels(String sensorId) {
        return PREFIX + "/levels/" + sensorId;
    }

    /**
     * Whether a client of the embedded endpoint, authenticated as the sensor {@code sensorId}, may subscribe to
     * {@code filter}: its own errors topic only, as the broker ACL of broker mode allows. Detections, alerts and
     * levels are for readers ({@link #readerMaySubscribe}).
     */
    public static boolean maySubscribe(String filter, String sensorId) {
        return filter != null && filter.equals(errors(sensorId));
    }

    /**
     * Whether a reader of the embedded endpoint may subscribe to {@code filter}: the output trees (detections,
     * alerts, levels) and the journal's signed checkpoint ({@link #CHECKPOINT}). Wildcards above those trees (such as {@code #}) are refused so that no filter can reach a
     * sensor's errors, and so are filters longer than {@link #MAX_FILTER_LENGTH}.
     */
    public static boolean readerMaySubscribe(String filter) {
        if (filter == null || filter.length() > MAX_FILTER_LENGTH || !validFilter(filter)) {
            return false;
        }
        for (String tree : new String[] {"detections", "alerts", "levels", "journal"}) {
            String base = PREFIX + "/" + tree;
            if (filter.equals(base) || filter.startsWith(base + "/")) {
                return true;
            }
        }
        return false;
    }

    /** MQTT 3.1.1 topic-filter matching ({@code +} one level, {@code #} the rest, last only). */
    public static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    static boolean validFilter(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return false;
            }
            if (level.contains("+") && !level.equals("+")) {
                return false;
            }
        }
        return true;
    }
}
