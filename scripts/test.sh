#!/usr/bin/env bash
# The whole test suite, integration tests included, with the servers they need:
#
#   scripts/test.sh [MAVEN ARGUMENTS...]        e.g. scripts/test.sh -Dtest=BrokerModeIT
#
# The *IT tests start their own Mosquitto, InfluxDB 1.x, HAProxy and Apache Kafka processes on loopback ports, in
# temporary folders; they need the binaries (mosquitto, mosquitto_passwd, influxd, haproxy), Kafka's jars, and never
# touch the system daemons. This script:
#   1. installs the Debian packages 'mosquitto', 'influxdb' and 'haproxy' when a binary is missing
#      (scripts/ensure-services.sh: apt-get install, as root or through sudo, saying so first; the system daemons are
#      neither started nor enabled);
#   2. copies the Kafka broker jars into target/kafka-lib when missing (scripts/ensure-kafka.sh: Maven, saying so);
#   3. runs `mvn -B test` with EARSHOT_REQUIRE_SERVICES=1, so that a test whose server is missing fails instead of
#      being skipped. Plain `mvn -B test` installs nothing and skips those tests, naming what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() {
    printf 'test.sh: %s\n' "$*" >&2
}

say "the integration tests run their own mosquitto, influxd and haproxy on loopback ports (no system daemon);"
say "checking that the Debian packages mosquitto, influxdb and haproxy are installed (apt-get install when missing)"
bash scripts/ensure-services.sh mosquitto influxdb haproxy
say "the cluster-mode tests run a 3-node Kafka cluster from jars in target/kafka-lib (copied by Maven when missing)"
bash scripts/ensure-kafka.sh
say "running mvn -B test${*:+ $*} with EARSHOT_REQUIRE_SERVICES=1 (a missing server fails its tests)"
export EARSHOT_REQUIRE_SERVICES=1
exec mvn -B test "$@"
