package org.earshot.api;

/**
 * One detection as the journal recorded it: its journal seq and id, the sensor, the class ({@code label}), onset and
 * offset in epoch microseconds, the confidence and the class threshold it crossed, peak levels (dBFS, and dB SPL when
 * the sensor is calibrated; null when unknown), the model that made it, and when the service received the audio and
 * journaled the detection (epoch microseconds).
 */
public record DetectionRecord(long seq, String id, String sensor, String label, long onsetMicros, long offsetMicros,
                              double confidence, Double peakDbfs, Double peakDb, double threshold, String model,
                              long receivedMicros, long recordedMicros) {
}
