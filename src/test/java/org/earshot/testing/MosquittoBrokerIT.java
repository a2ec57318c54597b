package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import org.earshot.testing.MosquittoBroker.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The broker helper against the real Mosquitto, checked with hand-encoded MQTT 3.1.1 packets. */
@RequiresServers({Server.MOSQUITTO, Server.MOSQUITTO_PASSWD})
class MosquittoBrokerIT {
    private static final String PASSWORD = "p@ss word:$7$x";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @ParameterizedTest
    @EnumSource(value = MosquittoPasswordFile.Hashing.class, names = {"MOSQUITTO_PASSWD", "BUILT_IN"})
    void passwordFileAdmitsTheRightPasswordOnly(MosquittoPasswordFile.Hashing hashing) throws IOException {
        Options options = Options.defaults().withUser("sensor", PASSWORD).withUser("service", "other")
                .withPasswordHashing(hashing);
        try (MosquittoBroker broker = MosquittoBroker.start(dir, options)) {
            assertEquals("127.0.0.1", broker.host());
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "a", "sensor", PASSWORD));
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "b", "service", "other"));
            assertEquals(RawMqtt.NOT_AUTHORISED, connect(broker, "c", "sensor", "wrong"));
            assertEquals(RawMqtt.NOT_AUTHORISED, connect(broker, "d", "service", PASSWORD));
            assertEquals(RawMqtt.NOT_AUTHORISED, connect(broker, "e", "nobody", PASSWORD));
            assertEquals(RawMqtt.NOT_AUTHORISED, connect(broker, "f", null, null), "anonymous refused");
            assertTrue(Files.readString(broker.config()).contains("allow_anonymous false"));
        }
    }

    @Test
    void withoutUsersAnyoneMayConnect() throws IOException {
        try (MosquittoBroker broker = MosquittoBroker.start(dir, Options.defaults())) {
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "anonymous", null, null));
            assertTrue(broker.logText().contains("New client connected from 127.0.0.1"), broker.logText());
        }
    }

    @Test
    void killThenRestartComesBackOnTheSamePort() throws IOException {
        try (MosquittoBroker broker = MosquittoBroker.start(dir, Options.defaults().withUser("sensor", PASSWORD))) {
            int port = broker.port();
            // A connection open at the crash leaves the server side of it in TIME_WAIT or closing.
            try (RawMqtt open = RawMqtt.open(broker.host(), port)) {
                assertEquals(RawMqtt.ACCEPTED, open.connect("held", "sensor", PASSWORD));
                broker.kill();
            }
            assertFalse(broker.isRunning());
            assertThrows(ConnectException.class, () -> RawMqtt.open(broker.host(), port).close());

            broker.restart();

            assertTrue(broker.isRunning());
            assertEquals(port, broker.port());
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "again", "sensor", PASSWORD));
            assertEquals(RawMqtt.NOT_AUTHORISED, connect(broker, "wrong", "sensor", "wrong"), "same password file");
            assertEquals(2, count(broker.logText(), "mosquitto version \\S+ running"), broker.logText());
        }
    }

    @Test
    void stopShutsDownCleanlyAndRestartWorksAfterIt() throws IOException {
        MosquittoBroker broker = MosquittoBroker.start(dir, Options.defaults());
        broker.stop();
        assertFalse(broker.isRunning());
        assertTrue(broker.logText().contains("terminating"), broker.logText());
        broker.close(); // idempotent

        broker.restart();
        try (broker) {
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "after-stop", null, null));
        }
        assertFalse(broker.isRunning());
    }

    @Test
    void aclFileLimitsWhatEachUserMayReadAndWrite() throws IOException {
        Options options = Options.defaults().withUser("listener", PASSWORD).withUser("writer", "w")
                .withAcl("user listener", "topic read earshot/#", "", "user writer", "topic write #");
        try (MosquittoBroker broker = MosquittoBroker.start(dir, options);
                RawMqtt listener = RawMqtt.open(broker.host(), broker.port());
                RawMqtt writer = RawMqtt.open(broker.host(), broker.port())) {
            assertEquals(RawMqtt.ACCEPTED, listener.connect("listener", "listener", PASSWORD));
            assertEquals(RawMqtt.ACCEPTED, writer.connect("writer", "writer", "w"));
            assertEquals(0, listener.subscribe(1, "#", 0));
            // Denied messages are dropped silently (QoS 1 still gets its PUBACK), so the first one the listener
            // receives is the only one it may read.
            listener.publish("earshot/events", "listener may not write", 1, 2);
            writer.publish("other/topic", "listener may not read", 1, 3);
            writer.publish("earshot/events", "allowed", 1, 4);
            assertEquals(new RawMqtt.Message("earshot/events", "allowed"), listener.receive());
        }
    }

    @Test
    void aTakenFixedPortFailsWithTheBrokersLog() {
        try (MosquittoBroker first = MosquittoBroker.start(dir.resolve("first"), Options.defaults())) {
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> MosquittoBroker.start(dir.resolve("second"), Options.defaults().withPort(first.port())));
            assertTrue(failure.getMessage().contains("Address already in use"), failure.getMessage());
            assertTrue(failure.getMessage().contains("mosquitto version"), "log tail: " + failure.getMessage());
            assertTrue(first.isRunning());
        }
    }

    @Test
    void aFreePortTakenBeforeMosquittoBindsItIsReplacedByAnother() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, FreePorts.LOOPBACK)) {
            int taken = squatter.getLocalPort();
            Iterator<Integer> ports = List.of(taken, FreePorts.loopback()).iterator();
            try (MosquittoBroker broker = MosquittoBroker.start(dir, Options.defaults(), ports::next)) {
                assertNotEquals(taken, broker.port());
                assertEquals(RawMqtt.ACCEPTED, connect(broker, "moved", null, null));
                assertTrue(broker.logText().contains("Address already in use"), broker.logText());
            }
        }
    }

    @Test
    void aBrokerThatExitsAtStartUpIsReportedWithItsOutput() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> MosquittoBroker.start(dir, Options.defaults().withConfig("no_such_option 1")));
        assertTrue(failure.getMessage().contains("exited with code"), failure.getMessage());
        assertTrue(failure.getMessage().contains("no_such_option"), failure.getMessage());
    }

    @Test
    void tlsListenerPresentsTheTestCertificate() throws IOException {
        TestTls tls = TestTls.create(dir.resolve("tls"));
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"), Options.defaults().withTls(tls));
                RawMqtt client = RawMqtt.openTls(tls.clientContext(), broker.host(), broker.tlsPort())) {
            assertTrue(broker.tlsPort() != broker.port());
            assertEquals(RawMqtt.ACCEPTED, client.connect("tls", null, null));
            assertEquals(RawMqtt.ACCEPTED, connect(broker, "plain", null, null));
        }
    }

    @Test
    void withoutTlsThereIsNoTlsPort() {
        try (MosquittoBroker broker = MosquittoBroker.start(dir, Options.defaults())) {
            assertThrows(IllegalStateException.class, broker::tlsPort);
        }
    }

    private static int connect(MosquittoBroker broker, String clientId, String user, String password)
            throws IOException {
        try (RawMqtt client = RawMqtt.open(broker.host(), broker.port())) {
            return client.connect(clientId, user, password);
        }
    }

    private static int count(String text, String regex) {
        return (int) Pattern.compile(regex).matcher(text).results().count();
    }
}
