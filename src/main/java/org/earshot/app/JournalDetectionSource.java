package org.earshot.app;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.earshot.journal.Journal;
import org.earshot.journal.JournalLine;
import org.earshot.store.DetectionSource;
import org.earshot.store.StoredDetection;

/**
 * The journal as the InfluxDB writer reads it: final detections by journal position, read from the files (not from
 * memory), so that after an outage or a restart the writer catches up from exactly where it stopped. Detections
 * whose data retention already deleted are past InfluxDB's own retention and are skipped.
 */
final class JournalDetectionSource implements DetectionSource {
    private static final int READ_CHUNK = 2048;
    private final Journal journal;
    private final DetectionIndex index;

    /** @param index kept current by the journal; it knows where the last detection entry is */
    JournalDetectionSource(Journal journal, DetectionIndex index) {
        this.journal = journal;
        this.index = index;
    }

    /**
     * One past the last (unredacted) detection entry, not the journal's size: the writer's position stops after the
     * last detection it wrote, so entries of other types after it (start, stop, configuration, alerts, API requests)
     * would otherwise count as lag that never goes away.
     */
    @Override
    public long end() {
        return index.detectionEnd();
    }

    @Override
    public List<StoredDetection> read(long from, int max) throws IOException {
        List<StoredDetection> out = new ArrayList<>();
        long seq = from;
        while (out.size() < max && seq < journal.durableSize()) {
            List<JournalLine> lines = journal.read(seq, READ_CHUNK);
            if (lines.isEmpty()) {
                break;
            }
            for (JournalLine line : lines) {
                seq = line.seq() + 1;
                if (line.type().equals(JournalSink.TYPE_DETECTION) && !line.redacted()) {
                    out.add(toStored(line));
                    if (out.size() == max) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    static StoredDetection toStored(JournalLine line) {
        DetectionIndex.Indexed x = DetectionIndex.parse(line);
        return new StoredDetection(x.seq(), x.id(), x.sensor(), x.label(), x.onsetMicros(), x.offsetMicros(),
                x.confidence(), x.peakDbfs(), x.peakDb(), x.model(), x.receivedMicros());
    }
}
