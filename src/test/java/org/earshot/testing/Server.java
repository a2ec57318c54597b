package org.earshot.testing;

/**
 * The server binaries that integration tests run themselves (never the system daemons), with the Debian package that
 * provides each. Tests declare what they need with {@link RequiresServers}.
 */
public enum Server {
    MOSQUITTO("mosquitto", "mosquitto"),
    MOSQUITTO_PASSWD("mosquitto_passwd", "mosquitto"),
    INFLUXD("influxd", "influxdb");

    private final String binary;
    private final String debianPackage;

    Server(String binary, String debianPackage) {
        this.binary = binary;
        this.debianPackage = debianPackage;
    }

    public String binary() {
        return binary;
    }

    public String debianPackage() {
        return debianPackage;
    }

    /** Why a test cannot run without it: what is missing, where it was looked for, how to get it. */
    String missingReason() {
        return binary + " not found (PATH, " + String.join(", ", Executables.EXTRA_DIRS)
                + "): install the Debian package '" + debianPackage + "', or run scripts/test.sh";
    }
}
