package org.earshot.pipeline;

/**
 * One second of a sensor's sound level: A-weighted LAeq and unweighted sample peak, in dBFS, for the second starting
 * at {@code startMicros} on the sensor's capture clock. With a calibration offset the same levels in dB SPL are
 * {@code dbfs + offset}.
 */
public record LevelReading(SensorProfile sensor, long startMicros, double laeqDbfs, double peakDbfs) {}
