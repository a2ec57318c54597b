package org.earshot.ingest;

/**
 * The clients that may read what the embedded MQTT endpoint publishes (alerts, detections, levels) without being
 * sensors: a dashboard, an alerting bridge. Sensors' credentials read only their own errors topic, as the broker ACL
 * of broker mode allows; reading everyone's detections takes a reader's credentials. May read files, so it is called
 * off the event loop; never logs or keeps the presented secret.
 */
public interface ReaderDirectory {
    /** Whether {@code name} with {@code secret} is a reader's credential. */
    boolean authenticate(String name, String secret);
}
