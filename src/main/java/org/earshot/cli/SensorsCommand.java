package org.earshot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import org.earshot.config.ConfigException;
import org.earshot.config.PrivateFiles;
import org.earshot.config.SensorRecord;
import org.earshot.config.SensorRegistry;
import org.earshot.detect.Labels;
import org.earshot.sensor.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot sensors add|list}: manage the sensors file. New sensors get random tokens; the file keeps only
 * their SHA-256, and the tokens go to a credentials CSV readable only by the user, for the sensors (or for
 * {@code earshot simulate}).
 */
@Command(name = "sensors", mixinStandardHelpOptions = true, description = "Add or list the service's sensors.",
        subcommands = {SensorsCommand.Add.class, SensorsCommand.ListSensors.class})
final class SensorsCommand implements Runnable {
    @Override
    public void run() {
        throw new BadInputException("choose a subcommand: add or list (see earshot sensors --help)");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add sensors with new tokens; write their credentials to a CSV file (mode 600).")
    static final class Add implements Callable<Integer> {
        @Option(names = "--file", description = "Sensors file (default: ${DEFAULT-VALUE})")
        Path file = Path.of("data/sensors.json");

        @Option(names = "--id", description = "Id of the one sensor to add")
        String id;

        @Option(names = "--prefix", description = "With --count: ids PREFIX0001, PREFIX0002...")
        String prefix;

        @Option(names = "--count", description = "Number of sensors to add with --prefix")
        Integer count;

        @Option(names = "--location", description = "Declared location (shown to auditors)")
        String location = SensorRecord.DEFAULT_LOCATION;

        @Option(names = {"--purpose", "--description"}, description = "Declared purpose or mounting, as the API's"
                + " `purpose` shows it (--description: the former name, still accepted)")
        String purpose = SensorRecord.DEFAULT_PURPOSE;

        @Option(names = "--calibration-offset", paramLabel = "DB", description = "dB SPL = dBFS + DB")
        Double calibrationOffsetDb;

        @Option(names = "--latitude", paramLabel = "DEG", description = "Declared position, WGS 84 (with"
                + " --longitude): shown on the operators' map")
        Double latitude;

        @Option(names = "--longitude", paramLabel = "DEG", description = "Declared position, WGS 84 (with --latitude)")
        Double longitude;

        @Option(names = "--classes", split = ",", description = "Enabled classes (default: all of "
                + "shout,glass_break,impact)")
        List<String> classes;

        @Option(names = "--credentials-out", required = true, paramLabel = "FILE.csv",
                description = "Where to write sensor,token for the new sensors (created with mode 600; must not exist)")
        Path credentialsOut;

        @Override
        public Integer call() {
            List<String> ids = new ArrayList<>();
            if (id != null && prefix == null && count == null) {
                ids.add(id);
            } else if (id == null && prefix != null && count != null && count >= 1 && count <= 100_000) {
                for (int i = 1; i <= count; i++) {
                    ids.add(prefix + String.format(Locale.ROOT, "%04d", i));
                }
            } else {
                throw new BadInputException("give either --id ID, or --prefix P with --count N (1..100000)");
            }
            if (Files.exists(credentialsOut)) {
                throw new BadInputException("--credentials-out " + credentialsOut + " exists; choose a new file");
            }
            Set<String> enabled = classes == null ? SensorRecord.DEFAULT_CLASSES : new LinkedHashSet<>(classes);
            try {
                List<SensorRecord> sensors = new ArrayList<>(Files.exists(file)
                        ? SensorRegistry.load(file).sensors() : List.of());
                // Checked before anything is written, so a refusal leaves no credentials file with unused tokens.
                Set<String> taken = new java.util.HashSet<>();
                for (SensorRecord existing : sensors) {
                    taken.add(existing.id());
                }
                for (String newId : ids) {
                    if (taken.contains(newId)) {
                        throw new BadInputException("sensor " + newId + " already exists in " + file
                                + "; nothing was written");
                    }
                }
                List<Credentials> created = new ArrayList<>();
                for (String newId : ids) {
                    String token = SensorRegistry.newToken();
                    sensors.add(new SensorRecord(newId, SensorRegistry.tokenSha256(token), location, purpose,
                            calibrationOffsetDb, enabled, true, latitude, longitude));
                    created.add(new Credentials(newId, token));
                }
                writeCredentials(credentialsOut, created);
                try {
                    SensorRegistry.write(file, sensors);
                } catch (ConfigException | RuntimeException e) {
                    Files.deleteIfExists(credentialsOut); // its tokens were never registered
                    throw e;
                }
                System.err.printf(Locale.ROOT, "earshot: added %d sensor(s) to %s (now %d); credentials in %s%n",
                        created.size(), file, sensors.size(), credentialsOut);
                return 0;
            } catch (ConfigException | IOException e) {
                throw new BadInputException(e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage().startsWith("classes") ? e.getMessage() + " (valid classes: "
                        + Labels.CLASSES + ")" : e.getMessage(), e);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the sensors (never their tokens).")
    static final class ListSensors implements Callable<Integer> {
        @Option(names = "--file", description = "Sensors file (default: ${DEFAULT-VALUE})")
        Path file = Path.of("data/sensors.json");

        @Override
        public Integer call() {
            try {
                for (SensorRecord s : SensorRegistry.load(Paths.requireFile(file, "sensors file")).sensors()) {
                    System.out.printf(Locale.ROOT, "%s\t%s\t%s\t%s\t%s%n", s.id(), s.enabled() ? "enabled"
                                    : "disabled", String.join(",", s.classes()),
                            s.calibrationOffsetDb() == null ? "uncalibrated" : "offset " + s.calibrationOffsetDb()
                                    + " dB", s.location());
                }
                return 0;
            } catch (ConfigException e) {
                throw new BadInputException(e.getMessage(), e);
            }
        }
    }

    /** Writes credentials as CSV, readable only by the owner, without replacing an existing file. */
    static void writeCredentials(Path file, List<Credentials> credentials) throws IOException {
        StringBuilder csv = new StringBuilder(Credentials.HEADER).append('\n');
        for (Credentials c : credentials) {
            csv.append(c.sensorId()).append(',').append(c.token()).append('\n');
        }
        Path tmp = PrivateFiles.writeTemporary(file, csv.toString());
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
