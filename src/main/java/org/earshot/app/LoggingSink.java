package org.earshot.app;

import org.earshot.pipeline.DetectionSink;
import org.earshot.pipeline.OutputJson;
import org.earshot.pipeline.SensorDetection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs every final detection as one JSON line (labels, times, confidence and levels only: never audio). */
final class LoggingSink implements DetectionSink {
    private static final Logger LOG = LoggerFactory.getLogger("org.earshot.detections");
    private final String modelName;

    LoggingSink(String modelName) {
        this.modelName = modelName;
    }

    @Override
    public void accept(SensorDetection d) {
        if (d.stage() == SensorDetection.Stage.FINAL) {
            LOG.info("detection {}", OutputJson.detection(d, modelName));
        }
    }
}
