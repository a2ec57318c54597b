package org.earshot.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.earshot.config.SensorRegistry.FirstStart;
import org.earshot.detect.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

class SensorRegistryTest {
    private static final String TOKEN_1 = "tok-one-0123456789abcdefghijklmnopqrstuvw";
    private static final String TOKEN_2 = "tok-two-0123456789abcdefghijklmnopqrstuvw";
    private static final String HASH_1 = SensorRegistry.tokenSha256(TOKEN_1);
    private static final String HASH_2 = SensorRegistry.tokenSha256(TOKEN_2);
    private static final String HASH_3 = SensorRegistry.tokenSha256("a third token");

    @TempDir
    Path tmp;

    private Path file(String json) throws Exception {
        Path file = tmp.resolve("sensors.json");
        Files.writeString(file, json);
        return file;
    }

    private String error(String json) throws Exception {
        Path file = file(json);
        return assertThrows(ConfigException.class, () -> SensorRegistry.load(file)).getMessage();
    }

    private static String sensors(String... sensors) {
        return "{\"version\": 1, \"sensors\": [" + String.join(", ", sensors) + "]}";
    }

    private SensorRegistry twoSensors() throws Exception {
        return SensorRegistry.load(file(sensors(
                "{\"id\": \"s1\", \"token_sha256\": \"" + HASH_1 + "\", \"location\": \"Main St / 5th Ave, pole 12\","
                        + " \"purpose\": \"north-facing, 4 m high\", \"calibration_offset_db\": 94.0,"
                        + " \"classes\": [\"shout\", \"glass_break\", \"impact\"], \"enabled\": true}",
                "{\"id\": \"s2\", \"token_sha256\": \"" + HASH_2 + "\", \"enabled\": false}")));
    }

    @Test
    void loadsEveryFieldAndTheDefaultsOfMissingOnes() throws Exception {
        SensorRegistry registry = twoSensors();
        assertEquals(List.of("s1", "s2"), registry.sensors().stream().map(SensorRecord::id).toList());
        SensorRecord s1 = registry.find("s1").orElseThrow();
        assertEquals(HASH_1, s1.tokenSha256());
        assertEquals("Main St / 5th Ave, pole 12", s1.location());
        assertEquals("north-facing, 4 m high", s1.purpose());
        assertEquals(94.0, s1.calibrationOffsetDb());
        assertEquals(94.0, s1.calibration().orElseThrow().offsetDb());
        assertEquals(Set.copyOf(Labels.CLASSES), s1.classes());
        assertTrue(s1.enabled());
        SensorRecord s2 = registry.find("s2").orElseThrow();
        assertEquals("", s2.location());
        assertEquals("", s2.purpose());
        assertNull(s2.calibrationOffsetDb());
        assertTrue(s2.calibration().isEmpty());
        assertEquals(List.copyOf(SensorRecord.DEFAULT_CLASSES), List.copyOf(s2.classes()));
        assertFalse(s2.enabled());
        assertTrue(registry.find("s3").isEmpty());
        assertTrue(registry.find(null).isEmpty());
    }

    @Test
    void anEmptyListIsARegistryNobodyCanUse() throws Exception {
        SensorRegistry registry = SensorRegistry.load(file(sensors()));
        assertTrue(registry.sensors().isEmpty());
        assertTrue(registry.authenticate("s1", TOKEN_1).isEmpty());
    }

    @Test
    void authenticatesOnlyTheRightTokenOfAnEnabledSensor() throws Exception {
        SensorRegistry registry = twoSensors();
        assertEquals("s1", registry.authenticate("s1", TOKEN_1).orElseThrow().id());
        assertTrue(registry.authenticate("s1", TOKEN_2).isEmpty(), "another sensor's token");
        assertTrue(registry.authenticate("s1", TOKEN_1 + "x").isEmpty(), "wrong token");
        assertTrue(registry.authenticate("s1", HASH_1).isEmpty(), "the hash is not the token");
        assertTrue(registry.authenticate("s9", TOKEN_1).isEmpty(), "unknown id");
        assertTrue(registry.authenticate("s2", TOKEN_2).isEmpty(), "disabled sensor, right token");
        assertTrue(registry.find("s2").isPresent(), "a disabled sensor is still known");
        assertTrue(registry.authenticate(null, TOKEN_1).isEmpty());
        assertTrue(registry.authenticate("s1", null).isEmpty());
        assertTrue(registry.authenticate("s1", "").isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"version": 1, "sensors": [], "extra": 1}          | sensors.json: unknown key "extra" (known: version, sensors)
            {"sensors": []}                                    | sensors.json: missing key version (this build reads version 1)
            {"version": 2, "sensors": []}                      | sensors.json: version must be 1, got 2
            {"version": "1", "sensors": []}                    | sensors.json: version must be 1, got "1"
            {"version": 1}                                     | sensors.json: sensors must be an array, got nothing
            {"version": 1, "sensors": {}}                      | sensors.json: sensors must be an array, got an object
            {"version": 1, "sensors": ["s1"]}                  | sensors.json: sensors[0] must be an object, got a string
            {"version": 1, "sensors": [{"token_sha256": "H1"}]}                    | sensors.json: sensors[0]: missing id
            {"version": 1, "sensors": [{"id": 5, "token_sha256": "H1"}]}           | sensors.json: sensors[0]: id must be a string, got a number
            {"version": 1, "sensors": [{"id": "s1"}]}                              | sensors.json: sensors[0] (id s1): missing token_sha256
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": 5}]}           | sensors.json: sensors[0] (id s1): token_sha256 must be a string, got a number
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "token": "x"}]} | sensors.json: sensors[0] (id s1): unknown key "token" (known: id, token_sha256, location, purpose, description, calibration_offset_db, classes, enabled, latitude, longitude)
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1"}, {"id": "s1", "token_sha256": "H2"}]} | sensors.json: sensors[1] (id s1): id is already used by sensors[0]
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "location": 3}]}         | sensors.json: sensors[0] (id s1): location must be a string, got a number
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "description": null}]}  | sensors.json: sensors[0] (id s1): description must be a string, got null
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "purpose": 3}]}  | sensors.json: sensors[0] (id s1): purpose must be a string, got a number
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "purpose": "a", "description": "b"}]}  | sensors.json: sensors[0] (id s1): both purpose and description (its former name) are given; keep purpose
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "calibration_offset_db": "94"}]} | sensors.json: sensors[0] (id s1): calibration_offset_db must be a number or null, got "94"
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "calibration_offset_db": 200.5}]} | sensors.json: sensors[0] (id s1): calibration_offset_db of sensor s1 must be a number in -50.0..200.0 dB or null, got 200.5
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "calibration_offset_db": -51}]} | sensors.json: sensors[0] (id s1): calibration_offset_db of sensor s1 must be a number in -50.0..200.0 dB or null, got -51.0
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "classes": []}]}          | sensors.json: sensors[0] (id s1): classes of sensor s1 must be a non-empty subset of [shout, glass_break, impact], got []
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "classes": ["gunshot"]}]} | sensors.json: sensors[0] (id s1): classes of sensor s1 must be a non-empty subset of [shout, glass_break, impact], got [gunshot]
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "classes": "shout"}]}     | sensors.json: sensors[0] (id s1): classes must be an array of class names, got "shout"
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "classes": ["shout", "shout"]}]} | sensors.json: sensors[0] (id s1): classes lists "shout" twice
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1", "enabled": "yes"}]}       | sensors.json: sensors[0] (id s1): enabled must be true or false, got "yes"
            {"version": 1, "sensors": [{"id": "a/b", "token_sha256": "H1"}]}   | sensors.json: sensors[0]: id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63} (letters, digits, '_', '.', '-'; it becomes an MQTT topic level and a metric label), got "a/b"
            {"version": 1, "sensors": [{"id": "s1", "token_sha256": "H1"}, {"id": "s 2", "token_sha256": "H2"}]} | sensors.json: sensors[1]: id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63} (letters, digits, '_', '.', '-'; it becomes an MQTT topic level and a metric label), got "s 2"
            """)
    void eachErrorNamesTheFileTheSensorAndTheKey(String json, String expected) throws Exception {
        String message = error(json.replace("H1", HASH_1).replace("H2", HASH_2));
        assertTrue(message.startsWith(tmp.resolve("sensors.json").toString()), message);
        assertTrue(message.endsWith(expected), message);
    }

    @Test
    void malformedJsonIsNamed() throws Exception {
        String message = error("{\"version\": 1, \"sensors\": [}");
        assertTrue(message.startsWith(tmp.resolve("sensors.json") + ": malformed JSON: "), message);
        message = error("{\"version\": 1, \"sensors\": [], \"sensors\": []}");
        assertTrue(message.startsWith(tmp.resolve("sensors.json") + ": key \"sensors\" appears twice"), message);
        message = error("{\"version\": 1, \"sensors\": [{\"id\": \"s1\", \"id\": \"s2\"}]}");
        assertTrue(message.contains(": key \"id\" appears twice"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            a/b
            a+b
            '#'
            s 1
            -s1
            .s1
            ''
            sensor\\u00e9
            """)
    void idsThatWouldBreakTopicsOrLabelsAreRejected(String id) {
        String actual = id.replace("\\u00e9", "\u00e9");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> record(actual, HASH_1));
        assertTrue(e.getMessage().startsWith("id must match"), e.getMessage());
    }

    @Test
    void idsOfUpTo64AllowedCharactersAreAccepted() {
        for (String id : List.of("s1", "S", "0", "pole-12_north.mic", "a".repeat(64))) {
            assertEquals(id, record(id, HASH_1).id());
        }
        assertThrows(IllegalArgumentException.class, () -> record("a".repeat(65), HASH_1));
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            uppercase
            short
            nonhex
            token
            """)
    void tokenHashesMustBe64LowerCaseHexDigitsAndAreNeverRepeated(String kind) throws Exception {
        String bad = switch (kind) {
            case "uppercase" -> HASH_1.toUpperCase();
            case "short" -> HASH_1.substring(1);
            case "nonhex" -> HASH_1.substring(1) + "g";
            default -> TOKEN_1;
        };
        String message = error(sensors("{\"id\": \"s1\", \"token_sha256\": \"" + bad + "\"}"));
        assertTrue(message.endsWith("sensors[0] (id s1): token_sha256 of sensor s1 must be 64 lower-case hex digits,"
                + " the SHA-256 of the token (not the token itself)"), message);
        assertFalse(message.contains(bad), message);
    }

    @Test
    void theHashOfAnEmptyTokenIsRejected() {
        String emptyHash = SensorRegistry.tokenSha256("");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> record("s1", emptyHash));
        assertTrue(e.getMessage().contains("SHA-256 of an empty token"), e.getMessage());
        assertFalse(e.getMessage().contains(emptyHash), e.getMessage());
    }

    @Test
    void tokenHashIsTheHexSha256OfTheUtf8Bytes() {
        // FIPS 180-2 test vector, and what `printf %s abc | sha256sum` prints.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                SensorRegistry.tokenSha256("abc"));
        // UTF-8, not the platform charset: what sha256sum sees of the same text.
        assertEquals("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c",
                SensorRegistry.tokenSha256("\u00e9"));
    }

    @Test
    void newTokensAre32RandomBytesInBase64Url() {
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String token = SensorRegistry.newToken();
            assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
            assertEquals(32, Base64.getUrlDecoder().decode(token).length);
            tokens.add(token);
        }
        assertEquals(100, tokens.size());
    }

    @Test
    void firstStartWritesAnOwnerOnlyFileWhoseTokenAuthenticates() throws Exception {
        Path file = tmp.resolve("data").resolve("nested").resolve("sensors.json");
        FirstStart first = SensorRegistry.createIfMissing(file, SensorRegistry.FIRST_SENSOR_ID);
        assertTrue(first.created());
        assertEquals("sensor-1", first.sensorId());
        assertTrue(first.token().matches("[A-Za-z0-9_-]{43}"), "a new token");

        SensorRegistry registry = SensorRegistry.load(file);
        SensorRecord sensor = registry.authenticate("sensor-1", first.token()).orElseThrow();
        assertEquals(List.copyOf(SensorRecord.DEFAULT_CLASSES), List.copyOf(sensor.classes()));
        assertNull(sensor.calibrationOffsetDb());
        assertTrue(sensor.enabled());
        assertEquals(1, registry.sensors().size());
        assertFalse(Files.readString(file).contains(first.token()), "the file holds the hash, not the token");
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void theFileIsOwnerOnlyOnPosixFileSystems() throws Exception {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path file = tmp.resolve("sensors.json");
        SensorRegistry.createIfMissing(file, "s1");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void firstStartLeavesAnExistingFileAlone() throws Exception {
        Path file = tmp.resolve("sensors.json");
        FirstStart first = SensorRegistry.createIfMissing(file, "sensor-1");
        byte[] before = Files.readAllBytes(file);
        FirstStart second = SensorRegistry.createIfMissing(file, "sensor-1");
        assertFalse(second.created());
        assertNull(second.token());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertTrue(SensorRegistry.load(file).authenticate("sensor-1", first.token()).isPresent());

        Path other = tmp.resolve("other.json");
        Files.writeString(other, "not even JSON");
        assertFalse(SensorRegistry.createIfMissing(other, "sensor-1").created());
        assertEquals("not even JSON", Files.readString(other));
    }

    @Test
    void firstStartRejectsABadId() {
        Path file = tmp.resolve("sensors.json");
        assertThrows(IllegalArgumentException.class, () -> SensorRegistry.createIfMissing(file, "a/b"));
        assertFalse(Files.exists(file));
    }

    /** The API's word is the file's: {@code purpose}; files written with its former name still load. */
    @Test
    void purposeIsWrittenAndItsFormerNameDescriptionStillRead() throws Exception {
        Path old = file("{\"version\": 1, \"sensors\": [{\"id\": \"s1\", \"token_sha256\": \"" + HASH_1
                + "\", \"description\": \"north-facing\"}]}");
        SensorRecord s1 = SensorRegistry.load(old).sensors().get(0);
        assertEquals("north-facing", s1.purpose());
        String written = SensorRegistry.toJson(List.of(s1));
        assertEquals("north-facing", com.google.gson.JsonParser.parseString(written).getAsJsonObject()
                .getAsJsonArray("sensors").get(0).getAsJsonObject().get("purpose").getAsString(), written);
        assertFalse(written.contains("description"), written);
    }

    @Test
    void theWrittenFormatReadsBackUnchanged() throws Exception {
        List<SensorRecord> records = List.of(
                new SensorRecord("a", HASH_1, "Main St \"north\" <pole>", "line one\nline two", -3.5,
                        new LinkedHashSet<>(List.of("impact", "shout")), false),
                new SensorRecord("b.2", HASH_2, "", "", null, SensorRecord.DEFAULT_CLASSES, true),
                new SensorRecord("c", HASH_3, "Dam Square", "", 94.0, SensorRecord.DEFAULT_CLASSES, true, 52.3731,
                        4.8922));
        Path file = file(SensorRegistry.toJson(records));
        assertEquals(records, SensorRegistry.load(file).sensors());
    }

    @Test
    void nothingPrintsATokenOrItsHash() throws Exception {
        SensorRegistry registry = twoSensors();
        String text = registry.sensors() + " " + registry;
        assertFalse(text.contains(HASH_1) || text.contains(HASH_2), text);
        assertTrue(text.contains("id=s1") && text.contains("Main St / 5th Ave, pole 12"), text);

        FirstStart first = SensorRegistry.createIfMissing(tmp.resolve("new.json"), "s1");
        assertFalse(first.toString().contains(first.token()), first.toString());
    }

    @Test
    void classesKeepLabelOrderWhateverTheInputOrder() {
        SensorRecord r = new SensorRecord("s1", HASH_1, "", "", null,
                new LinkedHashSet<>(List.of("impact", "shout")), true);
        assertEquals(List.of("shout", "impact"), List.copyOf(r.classes()));
        assertThrows(UnsupportedOperationException.class, () -> r.classes().add("glass_break"));
    }

    @Test
    void recordsRejectNonFiniteOffsetsAndNullClasses() {
        assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", Double.NaN,
                SensorRecord.DEFAULT_CLASSES, true));
        Set<String> withNull = new HashSet<>();
        withNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", null, withNull,
                true));
        assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", null, null, true));
    }

    @Test
    void positionsAreBothOrNeitherAndWithinRange() {
        assertEquals("latitude and longitude of sensor s1 must be given together (or both left out)",
                assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", null,
                        SensorRecord.DEFAULT_CLASSES, true, 52.0, null)).getMessage());
        assertEquals("latitude of sensor s1 must be in -90..90 degrees (WGS 84), got 91.0",
                assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", null,
                        SensorRecord.DEFAULT_CLASSES, true, 91.0, 4.0)).getMessage());
        assertEquals("longitude of sensor s1 must be in -180..180 degrees (WGS 84), got NaN",
                assertThrows(IllegalArgumentException.class, () -> new SensorRecord("s1", HASH_1, "", "", null,
                        SensorRecord.DEFAULT_CLASSES, true, 1.0, Double.NaN)).getMessage());
    }

    @Test
    void aRegistryBuiltInCodeRejectsDuplicateIds() {
        assertThrows(IllegalArgumentException.class,
                () -> new SensorRegistry(List.of(record("s1", HASH_1), record("s1", HASH_2))));
    }

    private static SensorRecord record(String id, String hash) {
        return new SensorRecord(id, hash, "", "", null, SensorRecord.DEFAULT_CLASSES, true);
    }
}
