#!/usr/bin/env bash
# Makes sure the Apache Kafka broker jars that the cluster-mode integration tests run are present:
#
#   scripts/ensure-kafka.sh
#
# Called by scripts/test.sh, never by the tests themselves. When target/kafka-lib holds no kafka_2.13 jar, copies
# org.apache.kafka:kafka_2.13 (the version in scripts/kafka/pom.xml, the same as kafka-clients in pom.xml) and its
# runtime dependencies there with Maven, from Maven Central (or the local Maven repository when they are in it), after
# saying so. The tests start each broker as `java -cp 'target/kafka-lib/*' kafka.Kafka` on loopback ports
# (src/test/java/org/earshot/testing/KafkaCluster.java); nothing is installed system-wide, no daemon is started.
# Idempotent; exits non-zero, saying why, when Maven cannot fetch them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly LIB=target/kafka-lib
say() {
    printf 'ensure-kafka: %s\n' "$*" >&2
}

if compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null; then
    say "kafka broker jars present: $LIB ($(find "$LIB" -name 'kafka_2.13-*.jar' -printf '%f'))"
    exit 0
fi
say "kafka broker jars missing: copying org.apache.kafka:kafka_2.13 and its dependencies into $LIB with Maven"
tmp="$LIB.partial"
rm -rf "$tmp"
if ! mvn -B -q -f scripts/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$PWD/$tmp" >&2; then
    rm -rf "$tmp"
    say "ERROR: Maven could not fetch the Kafka broker jars (scripts/kafka/pom.xml); the cluster tests cannot run"
    exit 1
fi
rm -rf "$LIB"
mv "$tmp" "$LIB"
say "kafka broker jars installed: $LIB ($(find "$LIB" -name '*.jar' | wc -l) jars)"
