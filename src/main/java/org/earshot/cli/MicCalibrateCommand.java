package org.earshot.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.earshot.audio.AudioClip;
import org.earshot.audio.AudioFormatException;
import org.earshot.audio.WavReader;
import org.earshot.config.ConfigException;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.dsp.ToneCalibration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot mic-calibrate}: a sensor's calibration offset from a WAV recording of a sound calibrator (or of a
 * tone whose level a reference meter measured), made with the sensor's own microphone and capture gain. Prints the
 * measurement as one JSON object on standard output and a readable summary on standard error; with {@code --sensor}
 * it also stores the offset as that sensor's {@code calibration_offset_db} in the sensors file, keeping the rest of
 * its record. The measurement and its checks are {@link ToneCalibration}; see sensors/README.md for the procedure.
 */
@Command(name = "mic-calibrate", mixinStandardHelpOptions = true,
        description = {"Compute a sensor's calibration offset (dB SPL = dBFS + offset) from a WAV recording of a "
                + "calibrator tone made with the sensor's microphone and gain; optionally store it in the sensors "
                + "file.",
                "Example: earshot mic-calibrate --input pole-12-cal.wav --reference-db 94 --sensor pole-12"})
final class MicCalibrateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.wav",
            description = "Recording of the tone (at least 5 s; 10 s or more recommended; the first and last second "
                    + "are skipped)")
    Path input;

    @Option(names = "--reference-db", required = true, paramLabel = "DB",
            description = "Sound pressure level of the tone at the microphone, dB SPL (e.g. 94 or 114 for a "
                    + "calibrator)")
    double referenceDb;

    @Option(names = "--reference-hz", paramLabel = "HZ",
            description = "Frequency of the tone (default: ${DEFAULT-VALUE})")
    double referenceHz = 1000;

    @Option(names = "--sensor", paramLabel = "ID",
            description = "Store the offset as this sensor's calibration_offset_db in the sensors file")
    String sensor;

    @Option(names = "--sensors-file", paramLabel = "FILE",
            description = "The service's sensors file, with --sensor (default: ${DEFAULT-VALUE})")
    Path sensorsFile = Path.of("data/sensors.json");

    /** The stored offset is rounded to this: a calibration is not better than a few hundredths of a dB. */
    static final double STORED_RESOLUTION_DB = 0.01;

    @Override
    public Integer call() {
        if (sensor == null && spec.commandLine().getParseResult().hasMatchedOption("--sensors-file")) {
            throw new BadInputException("--sensors-file is used only with --sensor ID (which sensor to calibrate)");
        }
        if (sensor != null) {
            // Before the measurement, so that a typo does not cost the user another recording session.
            findSensor(Paths.requireFile(sensorsFile, "sensors file"));
        }
        AudioClip clip;
        try {
            clip = WavReader.read(Paths.requireFile(input, "input"));
        } catch (AudioFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + input + ": " + e.getMessage(), e);
        }
        ToneCalibration.Result r;
        try {
            r = ToneCalibration.measure(clip.samples(), clip.sampleRate(), referenceDb, referenceHz);
        } catch (ToneCalibration.Failure e) {
            throw new BadInputException(input + ": " + e.getMessage(), e);
        }
        double stored = Math.round(r.offsetDb() / STORED_RESOLUTION_DB) * STORED_RESOLUTION_DB;
        System.out.println(String.format(Locale.ROOT, "{\"offset_db\":%.2f,\"reference_db\":%s,\"reference_hz\":%s,"
                        + "\"tone_hz\":%.1f,\"level_dbfs\":%.2f,\"laeq_dbfs\":%.2f,\"a_weighting_db\":%.2f,"
                        + "\"peak_dbfs\":%.2f,\"spread_db\":%.2f,\"tone_to_rest_db\":%s,\"measured_seconds\":%.2f%s}",
                stored, number(referenceDb), number(referenceHz), r.toneHz(), r.levelDbfs(), r.laeqDbfs(),
                r.aWeightingDb(), r.peakDbfs(), r.spreadDb(), Double.isInfinite(r.toneToRestDb()) ? "null"
                        : String.format(Locale.ROOT, "%.1f", r.toneToRestDb()), r.measuredSeconds(),
                sensor == null ? "" : ",\"sensor\":\"" + sensor + "\""));
        System.err.printf(Locale.ROOT, "earshot: %.1f Hz tone at %.2f dBFS (A-weighted %.2f dBFS), steady within "
                        + "%.2f dB over %.1f s; offset %.2f dB (dB SPL = dBFS + %.2f)%n", r.toneHz(), r.levelDbfs(),
                r.laeqDbfs(), r.spreadDb(), r.measuredSeconds(), stored, stored);
        if (sensor != null) {
            Double previous = store(stored);
            System.err.printf(Locale.ROOT, "earshot: %s: calibration_offset_db of %s is now %.2f (was %s); restart "
                    + "the service to apply it%n", sensorsFile, sensor, stored, previous == null ? "uncalibrated"
                    : String.format(Locale.ROOT, "%.2f", previous));
        }
        return 0;
    }

    private SensorRecord findSensor(Path file) {
        List<SensorRecord> sensors = load(file);
        return sensors.stream().filter(s -> s.id().equals(sensor)).findFirst()
                .orElseThrow(() -> new BadInputException(String.format(Locale.ROOT, "%s has no sensor %s "
                        + "(it has: %s); add it first with earshot sensors add", file, sensor,
                        sensors.isEmpty() ? "none" : sensors.stream().map(SensorRecord::id)
                                .collect(Collectors.joining(", ")))));
    }

    /** Replaces the sensor's offset, keeping every other field and sensor; returns the previous offset. */
    private Double store(double offsetDb) {
        List<SensorRecord> updated = new ArrayList<>();
        Double previous = null;
        SensorRecord target = findSensor(sensorsFile);
        for (SensorRecord s : load(sensorsFile)) {
            if (s.id().equals(target.id())) {
                previous = s.calibrationOffsetDb();
                s = s.withCalibrationOffsetDb(offsetDb);
            }
            updated.add(s);
        }
        try {
            SensorRegistry.write(sensorsFile, updated);
        } catch (ConfigException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        return previous;
    }

    private static List<SensorRecord> load(Path file) {
        try {
            return SensorRegistry.load(file).sensors();
        } catch (ConfigException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.format(Locale.ROOT, "%.1f", value)
                : Double.toString(value);
    }
}
