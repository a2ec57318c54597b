package org.earshot.train.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.earshot.detect.Labels;

/**
 * Reads and writes the ground-truth events of one recording as CSV lines {@code class,onset,offset} (seconds from
 * the start of the recording). On reading, an optional {@code class,onset,offset} header, blank lines and lines
 * starting with {@code #} are skipped and fields are trimmed; an unknown class, a wrong field count, a time that is
 * not a decimal number, a negative time or an onset not before its offset stops reading with a
 * {@link GroundTruthFormatException} naming the line. Writing emits the header and plain decimal times.
 */
public final class GroundTruth {
    public static final String HEADER = "class,onset,offset";
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private GroundTruth() {}

    public static List<Event> read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in);
        }
    }

    public static List<Event> read(Reader in) throws IOException {
        BufferedReader lines = new BufferedReader(in);
        List<Event> events = new ArrayList<>();
        boolean headerAllowed = true;
        int lineNumber = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            lineNumber++;
            String trimmed = (lineNumber == 1 ? line.replace("\uFEFF", "") : line).strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (headerAllowed && trimmed.replace(" ", "").equalsIgnoreCase(HEADER)) {
                headerAllowed = false;
                continue;
            }
            headerAllowed = false;
            events.add(parse(trimmed, lineNumber));
        }
        return events;
    }

    public static void write(Path file, List<Event> events) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(out, events);
        }
    }

    public static void write(Writer out, List<Event> events) throws IOException {
        out.write(HEADER + "\n");
        for (Event event : events) {
            out.write(event.label() + "," + decimal(event.onset()) + "," + decimal(event.offset()) + "\n");
        }
        out.flush();
    }

    private static Event parse(String line, int lineNumber) throws GroundTruthFormatException {
        String[] fields = line.split(",", -1);
        if (fields.length != 3) {
            throw new GroundTruthFormatException(lineNumber, "expected 3 fields class,onset,offset, got "
                    + fields.length);
        }
        String label = fields[0].strip();
        if (Labels.indexOf(label) < 0) {
            throw new GroundTruthFormatException(lineNumber, "unknown class '" + label + "', expected one of "
                    + Labels.CLASSES);
        }
        double onset = time(fields[1], "onset", lineNumber);
        double offset = time(fields[2], "offset", lineNumber);
        if (onset >= offset) {
            throw new GroundTruthFormatException(lineNumber, "onset " + onset + " must be before offset " + offset);
        }
        return new Event(label, onset, offset);
    }

    private static double time(String field, String name, int lineNumber) throws GroundTruthFormatException {
        String text = field.strip();
        if (!DECIMAL.matcher(text).matches()) {
            throw new GroundTruthFormatException(lineNumber, name + " '" + text + "' is not a decimal number");
        }
        double value = Double.parseDouble(text);
        if (!Double.isFinite(value)) {
            throw new GroundTruthFormatException(lineNumber, name + " '" + text + "' is out of range");
        }
        if (value < 0) {
            throw new GroundTruthFormatException(lineNumber, name + " " + value + " is negative");
        }
        return value;
    }

    private static String decimal(double seconds) {
        return BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
    }
}
