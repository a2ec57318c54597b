package org.earshot.sensor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What simulated sensors did, as a CSV written while it happens ({@code earshot simulate --events-out}): one line
 * {@code time_us,sensor,event,detail} per event, flushed at once, so that a benchmark killing nodes can read it live
 * and map detections back to positions in the recording. Events: {@value #STREAM_START} (detail {@code
 * loop=N;capture_start_us=T}: the loop's capture-clock start, so a detection's capture-clock onset minus T is its
 * position in the recording), {@value #CONNECTED}, {@value #LOST} (detail: the reason) and {@value #FINISHED}.
 * Thread-safe. {@link #NONE} writes nothing.
 */
public final class SimulationEvents implements AutoCloseable {
    public static final String HEADER = "time_us,sensor,event,detail";
    public static final String STREAM_START = "stream_start";
    public static final String CONNECTED = "connected";
    public static final String LOST = "lost";
    public static final String FINISHED = "finished";

    /** Writes nothing: a simulation without {@code --events-out}. */
    public static final SimulationEvents NONE = new SimulationEvents(null);

    private final BufferedWriter out;
    private boolean closed;

    private SimulationEvents(BufferedWriter out) {
        this.out = out;
    }

    /** Creates (or truncates) {@code file} and writes the header. */
    public static SimulationEvents open(Path file) throws IOException {
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        SimulationEvents events = new SimulationEvents(w);
        synchronized (events) {
            w.write(HEADER);
            w.newLine();
            w.flush();
        }
        return events;
    }

    /** Writes one event now, stamped with the system clock; nothing once closed. */
    public void write(String sensor, String event, String detail) {
        if (out == null) {
            return;
        }
        String line = line(PcmReader.systemMicros(), sensor, event, detail);
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                out.write(line);
                out.newLine();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the events file: " + e.getMessage(), e);
            }
        }
    }

    /** The detail of {@value #STREAM_START}. */
    public static String streamStartDetail(int loop, long captureStartMicros) {
        return "loop=" + loop + ";capture_start_us=" + captureStartMicros;
    }

    /** One CSV line, without its line break; a field holding a comma, quote or line break is quoted (RFC 4180). */
    public static String line(long timeMicros, String sensor, String event, String detail) {
        return timeMicros + "," + field(sensor) + "," + field(event) + "," + field(detail == null ? "" : detail);
    }

    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null && !closed) {
            closed = true;
            out.close();
        }
    }
}
