package org.earshot.pipeline;

/** Where per-second sound levels go; called like {@link DetectionSink}, on a worker thread, in order per sensor. */
@FunctionalInterface
public interface LevelSink {
    void accept(LevelReading reading);
}
