package org.earshot.testing;

/**
 * The servers that integration tests run themselves (never the system daemons): binaries with the Debian package that
 * provides each, and the Apache Kafka broker, run from the jars that {@code scripts/ensure-kafka.sh} copies into
 * {@code target/kafka-lib}. Tests declare what they need with {@link RequiresServers}.
 */
public enum Server {
    MOSQUITTO("mosquitto", "mosquitto"),
    MOSQUITTO_PASSWD("mosquitto_passwd", "mosquitto"),
    INFLUXD("influxd", "influxdb"),
    /** The load balancer in front of cluster-mode nodes, started by scripts/haproxy-cluster.sh. */
    HAPROXY("haproxy", "haproxy"),
    /** Not a binary: the Kafka server jars in {@link KafkaCluster#LIB_DIR} (no Debian package has Kafka). */
    KAFKA("kafka_2.13 jars", null);

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

    /** Whether it can run here (the binary, or Kafka's jars, are present); nothing is installed. */
    boolean installed() {
        return this == KAFKA ? KafkaCluster.jarsPresent() : Executables.find(binary).isPresent();
    }

    /** Why a test cannot run without it: what is missing, where it was looked for, how to get it. */
    String missingReason() {
        if (this == KAFKA) {
            return "Kafka broker jars not found in " + KafkaCluster.LIB_DIR.toAbsolutePath()
                    + ": run scripts/ensure-kafka.sh (Maven, at set-up time), or scripts/test.sh, which does";
        }
        return binary + " not found (PATH, " + String.join(", ", Executables.EXTRA_DIRS)
                + "): install the Debian package '" + debianPackage + "', or run scripts/test.sh";
    }
}
