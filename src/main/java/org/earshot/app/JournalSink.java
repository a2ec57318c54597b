package org.earshot.app;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

import com.google.gson.JsonObject;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.Labels;
import org.earshot.journal.Journal;
import org.earshot.pipeline.DetectionOutputs;
import org.earshot.pipeline.DetectionSink;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorDetection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one detection sink of the pipeline: it writes each alert and each final detection to the journal (with the
 * model and the thresholds in force) and hands it to the outputs (log, MQTT, InfluxDB) only once the entry is on
 * disk, so nothing is ever published that the journal does not hold. When the journal cannot write, the detection
 * is not published: it is counted and logged (without audio, which it never contains), and /health reports it.
 */
final class JournalSink implements DetectionSink {
    private static final Logger LOG = LoggerFactory.getLogger(JournalSink.class);
    static final String TYPE_DETECTION = "detection";
    static final String TYPE_ALERT = "alert";

    private final Journal journal;
    private final String modelName;
    private final DetectorConfig detector;
    private final DetectionOutputs outputs = new DetectionOutputs();
    private final LongAdder failures = new LongAdder();

    JournalSink(Journal journal, String modelName, DetectorConfig detector) {
        this.journal = journal;
        this.modelName = modelName;
        this.detector = detector;
    }

    /** An output that receives detections after they are journaled, in the order added. */
    void addOutput(DetectionSink output) {
        outputs.add(output);
    }

    long failures() {
        return failures.sum();
    }

    @Override
    public void accept(SensorDetection d) {
        try {
            journal.append(d.stage() == SensorDetection.Stage.FINAL ? TYPE_DETECTION : TYPE_ALERT, entry(d));
        } catch (IOException | RuntimeException e) {
            failures.increment();
            LOG.error("journal: cannot record {} {}; it is not published: {}",
                    d.stage() == SensorDetection.Stage.FINAL ? "detection" : "alert", d.id(), e.toString());
            return;
        }
        outputs.accept(d);
    }

    /** What a detection entry holds: the published JSON plus the on and off thresholds of its class. */
    JsonObject entry(SensorDetection d) {
        JsonObject o = OutputJson.detection(d, modelName);
        int c = Labels.indexOf(d.detection().label());
        o.addProperty("threshold", detector.thresholds().get(c));
        o.addProperty("off_threshold", detector.offThresholds().get(c));
        return o;
    }
}
