package org.earshot.api;

import java.time.LocalDate;

/** How many detections of one class one sensor made on one UTC day. */
public record DailyCount(LocalDate day, String sensor, String label, long count) {
}
