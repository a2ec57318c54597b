package org.earshot.journal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import java.io.IOException;
import java.io.StringReader;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/**
 * One journal entry as it is stored: a line of UTF-8 JSON. The entry proper, the bytes the Merkle leaf hashes, is
 * the fixed-layout header
 * <pre>{"v":1,"seq":N,"time_us":T,"type":"detection","prev":"&lt;hex&gt;","data_sha256":"&lt;hex&gt;"}</pre>
 * where {@code prev} is the leaf hash of entry N-1 (zeros for the first entry), which chains the entries, and
 * {@code data_sha256} is the SHA-256 of the exact bytes of the entry's data, a JSON object. The stored line is the
 * header with {@code ,"data":<data>} inserted before its closing brace, so the whole line is ordinary JSON; once the
 * data has passed its retention period it is deleted and the line is the bare header, whose hash (and so the tree)
 * is unchanged. Anyone can recompute the leaf from a line with a SHA-256 and a string split, in any language.
 */
public record JournalLine(long seq, long timeMicros, String type, byte[] prev, byte[] dataSha256, byte[] header,
                          byte[] data) {
    public static final int VERSION = 1;
    public static final Pattern TYPE = Pattern.compile("[a-z_]{1,32}");
    static final byte[] ZERO_HASH = new byte[MerkleTree.HASH_LENGTH];
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] DATA_MARK = ",\"data\":".getBytes(StandardCharsets.US_ASCII);
    private static final TypeAdapter<JsonElement> JSON_ELEMENT = new Gson().getAdapter(JsonElement.class);
    private static final Pattern HEADER = Pattern.compile("\\{\"v\":1,\"seq\":(0|[1-9][0-9]{0,18}),\"time_us\":"
            + "(0|[1-9][0-9]{0,18}),\"type\":\"([a-z_]{1,32})\",\"prev\":\"([0-9a-f]{64})\",\"data_sha256\":"
            + "\"([0-9a-f]{64})\"}");

    /** Whether the data was deleted after its retention period (the header, and so the leaf, remain). */
    public boolean redacted() {
        return data == null;
    }

    /** SHA-256(0x00 || header): this entry's leaf in the Merkle tree. */
    public byte[] leafHash() {
        return MerkleTree.leafHash(header);
    }

    /** The stored line, without its newline: the full line, or the bare header once redacted. */
    public byte[] bytes() {
        if (data == null) {
            return header.clone();
        }
        byte[] line = new byte[header.length + DATA_MARK.length + data.length];
        System.arraycopy(header, 0, line, 0, header.length - 1);
        System.arraycopy(DATA_MARK, 0, line, header.length - 1, DATA_MARK.length);
        System.arraycopy(data, 0, line, header.length - 1 + DATA_MARK.length, data.length);
        line[line.length - 1] = '}';
        return line;
    }

    /** The same entry without its data. */
    public JournalLine withoutData() {
        return new JournalLine(seq, timeMicros, type, prev, dataSha256, header, null);
    }

    /** The data as JSON; empty for a redacted entry. */
    public JsonObject dataJson() {
        return data == null ? new JsonObject()
                : JsonParser.parseString(new String(data, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** A new entry: {@code data} must be one line of compact JSON (an object), as Gson's toString writes it. */
    public static JournalLine create(long seq, long timeMicros, String type, byte[] prev, String data) {
        if (!TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("entry type must match " + TYPE + ", got " + type);
        }
        if (seq < 0 || timeMicros < 0) {
            throw new IllegalArgumentException("seq and time must not be negative");
        }
        if (prev.length != MerkleTree.HASH_LENGTH) {
            throw new IllegalArgumentException("prev must be a 32-byte hash");
        }
        byte[] dataBytes = data.getBytes(StandardCharsets.UTF_8);
        // The same check parse() makes: a line written here that parse() refused would stop the journal opening.
        if (dataBytes.length < 2 || dataBytes[0] != '{' || dataBytes[dataBytes.length - 1] != '}'
                || data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0 || !isOneJsonObject(data)) {
            throw new IllegalArgumentException("entry data must be a one-line JSON object");
        }
        byte[] dataSha = sha256(dataBytes);
        String header = "{\"v\":" + VERSION + ",\"seq\":" + seq + ",\"time_us\":" + timeMicros + ",\"type\":\"" + type
                + "\",\"prev\":\"" + HEX.formatHex(prev) + "\",\"data_sha256\":\"" + HEX.formatHex(dataSha) + "\"}";
        return new JournalLine(seq, timeMicros, type, prev.clone(), dataSha,
                header.getBytes(StandardCharsets.US_ASCII), dataBytes);
    }

    /**
     * Parses one stored line (without its newline) and checks it in itself: the header's layout and, unless redacted,
     * that the data is a JSON object whose SHA-256 is the header's. Chain and tree are the reader's to check.
     *
     * @param expectedSeq the sequence number the reader expects here, named in messages when the line is unreadable
     */
    public static JournalLine parse(byte[] line, long expectedSeq) throws JournalFormatException {
        int mark = indexOf(line, DATA_MARK);
        byte[] header;
        byte[] data = null;
        if (mark < 0) {
            header = line;
        } else {
            if (line.length == 0 || line[line.length - 1] != '}') {
                throw new JournalFormatException(expectedSeq, "entry " + expectedSeq + ": the line does not end with"
                        + " '}' (truncated?)");
            }
            header = new byte[mark + 1];
            System.arraycopy(line, 0, header, 0, mark);
            header[mark] = '}';
            data = Arrays.copyOfRange(line, mark + DATA_MARK.length, line.length - 1);
        }
        Matcher m = HEADER.matcher(new String(header, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            throw new JournalFormatException(expectedSeq, "entry " + expectedSeq + ": the header is not a journal v"
                    + VERSION + " header: " + preview(header));
        }
        long seq;
        long timeMicros;
        try {
            seq = Long.parseLong(m.group(1));
            timeMicros = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            // 19 digits pass the header's pattern but may exceed 2^63-1 (found writing JournalLineFuzzTest's seeds).
            throw new JournalFormatException(expectedSeq, "entry " + expectedSeq + ": seq or time_us is beyond "
                    + Long.MAX_VALUE + ": " + preview(header));
        }
        byte[] dataSha = HEX.parseHex(m.group(5));
        if (data != null) {
            if (!MessageDigest.isEqual(sha256(data), dataSha)) {
                throw new JournalFormatException(seq, "entry " + seq + ": its data does not match data_sha256"
                        + " (altered)");
            }
            if (data.length < 2 || data[0] != '{' || data[data.length - 1] != '}'
                    || !isOneJsonObject(new String(data, StandardCharsets.UTF_8))) {
                throw new JournalFormatException(seq, "entry " + seq + ": its data is not a JSON object");
            }
        }
        return new JournalLine(seq, timeMicros, m.group(3), HEX.parseHex(m.group(4)), dataSha, header, data);
    }

    /**
     * Whether {@code json} is exactly one JSON object, by strict RFC 8259 rules: Gson's own parser is lenient (it takes
     * {@code {a:'b'}} and {@code NaN}), and the line must be ordinary JSON for any auditor's tools.
     */
    private static boolean isOneJsonObject(String json) {
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = JSON_ELEMENT.read(reader);
            return element.isJsonObject() && reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return false;
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String preview(byte[] bytes) {
        String s = new String(bytes, 0, Math.min(bytes.length, 120), StandardCharsets.UTF_8);
        return '"' + s.replaceAll("\\p{Cntrl}", "?") + (bytes.length > 120 ? "...\"" : "\"");
    }
}
