package org.earshot.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most one log line per key (a remote address, a sensor) every interval, so that a client repeating refused
 * requests cannot flood the log; the lines held back are counted and the next line says how many there were. The
 * keys held are bounded: beyond {@code maxKeys} recent keys (many addresses at once) they share one key. Pure and
 * thread-safe.
 */
final class LogLimiter {
    /** The key every further key shares once {@code maxKeys} are held. */
    static final String OVERFLOW = "(other addresses)";

    private final long intervalMillis;
    private final int maxKeys;
    /** Per key: when its last line was logged, and how many were held back since. */
    private final Map<String, long[]> state = new ConcurrentHashMap<>();

    LogLimiter(long intervalMillis, int maxKeys) {
        if (intervalMillis <= 0 || maxKeys <= 0) {
            throw new IllegalArgumentException("interval and key count must be positive");
        }
        this.intervalMillis = intervalMillis;
        this.maxKeys = maxKeys;
    }

    /**
     * Whether a line for {@code key} may be logged at {@code nowMillis}: -1 if not (it is counted as held back),
     * otherwise how many lines for the key were held back since its last one.
     */
    long admit(String key, long nowMillis) {
        if (!state.containsKey(key) && state.size() >= maxKeys) {
            state.entrySet().removeIf(e -> nowMillis - e.getValue()[0] >= intervalMillis);
            if (state.size() >= maxKeys) {
                key = OVERFLOW;
            }
        }
        long[] result = {-1};
        state.compute(key, (k, s) -> {
            if (s == null) {
                result[0] = 0;
                return new long[] {nowMillis, 0};
            }
            if (nowMillis - s[0] >= intervalMillis) {
                result[0] = s[1];
                s[0] = nowMillis;
                s[1] = 0;
            } else {
                s[1]++;
            }
            return s;
        });
        return result[0];
    }

    /** The suffix of a line that follows {@code heldBack} held-back ones: empty when there were none. */
    static String heldBack(long heldBack) {
        return heldBack > 0 ? " (" + heldBack + " similar line(s) held back)" : "";
    }
}
