package org.earshot.pipeline;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outputs (log, MQTT, InfluxDB) that a recording sink hands each detection to once it is recorded: in the
 * journal ({@code JournalSink}) or, in cluster mode, acknowledged by Kafka ({@code ClusterSink}). Each gets it in
 * the order added; one that throws is logged and the others still get it.
 */
public final class DetectionOutputs implements DetectionSink {
    private static final Logger LOG = LoggerFactory.getLogger(DetectionOutputs.class);

    private final List<DetectionSink> outputs = new CopyOnWriteArrayList<>();

    /** Adds an output; any thread. */
    public void add(DetectionSink output) {
        outputs.add(output);
    }

    @Override
    public void accept(SensorDetection d) {
        for (DetectionSink output : outputs) {
            try {
                output.accept(d);
            } catch (RuntimeException e) {
                LOG.error("output {} failed for {}: {}", output.getClass().getSimpleName(), d.id(), e.toString());
            }
        }
    }
}
