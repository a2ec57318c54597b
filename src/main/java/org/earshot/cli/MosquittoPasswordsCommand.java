package org.earshot.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.earshot.config.MosquittoPasswords;
import org.earshot.config.SensorRecord;
import org.earshot.config.ServeConfig;
import org.earshot.sensor.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot mosquitto-passwords}: the password file of a Mosquitto broker that the service uses in broker mode
 * (one user per sensor, named by its id with its token as password, and the service's own user), written in the
 * PBKDF2-SHA512 format of {@code mosquitto_passwd} 2.0, so that no Mosquitto tools are needed on the machine. The
 * file is updated, not replaced: users already in it keep their entries unless given again, so adding a sensor needs
 * only the new sensor's credentials. The service user's password comes from {@code EARSHOT_BROKER_PASSWORD}, the
 * variable the service itself reads, so that it is on no command line.
 */
@Command(name = "mosquitto-passwords", mixinStandardHelpOptions = true,
        description = "Add sensors (and the service's user) to a Mosquitto password file, hashed as mosquitto_passwd "
                + "does; other entries are kept.")
final class MosquittoPasswordsCommand implements Callable<Integer> {
    static final String SERVICE_PASSWORD_VARIABLE = "EARSHOT_BROKER_PASSWORD";

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Password file to update (created with mode 600 when missing)")
    Path out;

    @Option(names = "--credentials", paramLabel = "FILE.csv",
            description = "sensor,token CSV (as `earshot sensors add` writes it); each sensor becomes a user")
    List<Path> credentials = new ArrayList<>();

    @Option(names = "--service-user", paramLabel = "NAME", description = "Also write the service's user, with the "
            + "password in the environment variable " + SERVICE_PASSWORD_VARIABLE)
    String serviceUser;

    @Option(names = "--remove", paramLabel = "USER", description = "Remove this user (e.g. a retired sensor)")
    List<String> remove = new ArrayList<>();

    @Override
    public Integer call() {
        if (credentials.isEmpty() && serviceUser == null && remove.isEmpty()) {
            throw new BadInputException("nothing to do: give --credentials FILE.csv, --service-user NAME or "
                    + "--remove USER");
        }
        // A sensor named like the service's user would be granted the service's access in the broker's ACL.
        String reserved = serviceUser != null ? serviceUser : ServeConfig.Broker.DEFAULT_USERNAME;
        Map<String, String> added = new LinkedHashMap<>();
        try {
            for (Path file : credentials) {
                for (Credentials c : Credentials.read(Paths.requireFile(file, "credentials file"))) {
                    if (!SensorRecord.ID_PATTERN.matcher(c.sensorId()).matches()) {
                        throw new BadInputException(file + ": '" + c.sensorId() + "' is not a valid sensor id");
                    }
                    if (c.sensorId().equals(reserved)) {
                        throw new BadInputException(file + ": sensor id '" + c.sensorId() + "' is the service's "
                                + "broker user; choose another id");
                    }
                    if (added.containsKey(c.sensorId())) {
                        throw new BadInputException("sensor '" + c.sensorId() + "' is given twice");
                    }
                    added.put(c.sensorId(), MosquittoPasswords.line(c.sensorId(), c.token()));
                }
            }
            if (serviceUser != null) {
                String password = System.getenv(SERVICE_PASSWORD_VARIABLE);
                if (password == null || password.isEmpty()) {
                    throw new BadInputException("--service-user " + serviceUser + " needs its password in the "
                            + "environment variable " + SERVICE_PASSWORD_VARIABLE);
                }
                added.put(serviceUser, MosquittoPasswords.line(serviceUser, password));
            }
            for (String user : remove) {
                if (added.containsKey(user)) {
                    throw new BadInputException("'" + user + "' is both added and removed");
                }
            }
            Map<String, String> entries = MosquittoPasswords.read(out);
            int before = entries.size();
            List<String> missing = new ArrayList<>();
            for (String user : remove) {
                if (entries.remove(user) == null) {
                    missing.add(user);
                }
            }
            entries.putAll(added);
            MosquittoPasswords.write(out, entries);
            System.err.printf(Locale.ROOT, "earshot: %s now has %d user(s) (had %d): wrote %d, removed %d%s%n", out,
                    entries.size(), before, added.size(), remove.size() - missing.size(),
                    missing.isEmpty() ? "" : "; not there: " + String.join(", ", missing));
            return 0;
        } catch (IOException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }
}
