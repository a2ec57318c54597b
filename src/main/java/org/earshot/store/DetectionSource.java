package org.earshot.store;

import java.io.IOException;
import java.util.List;

/**
 * Detections in journal order; position = the journal sequence number of the entry. This is all the InfluxDB writer
 * needs from the journal: positions count entries of every type, so the positions of detections have holes, and
 * {@link #read} skips the other entries. The writer remembers the position after the last detection it wrote and
 * reads on from there, which is how it catches up after an outage.
 */
public interface DetectionSource {
    /** The position one past the last detection entry currently durable in the journal (0 when empty). */
    long end();

    /** Up to max detection records with position >= from, ascending by position (blocking file reads are OK). */
    List<StoredDetection> read(long from, int max) throws IOException;
}
