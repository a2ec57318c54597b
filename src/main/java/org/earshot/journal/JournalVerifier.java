package org.earshot.journal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The offline check an auditor runs, trusting nothing but the operator's published public key and a checkpoint they
 * saved earlier: every line's format and data hash, the sequence numbers and the hash chain, that every deleted
 * payload is covered by an earlier-dated redaction entry, every signed checkpoint's signature and root, and that the
 * journal is consistent with (extends) the saved checkpoint, which detects a rollback to an older state or a
 * rewritten past. Works on a journal directory or on an export of its lines ({@code GET /api/v1/journal/entries}
 * saved as JSON lines). Stops at the first failure and names the entry (or checkpoint) that fails.
 */
public final class JournalVerifier {
    private JournalVerifier() {}

    /**
     * The outcome. {@code failure} is null when everything verified; {@code failedSeq} is the first entry that
     * failed (-1 when the failure is not one entry's, e.g. a checkpoint's). {@code latest} is the newest checkpoint
     * that verified, to save for next time.
     */
    public record Report(long entries, long redacted, int checkpoints, Checkpoint latest, long unsignedTail,
                         Map<String, Long> entriesByType, String failure, long failedSeq) {
        public boolean ok() {
            return failure == null;
        }
    }

    /**
     * @param journal    a journal directory (segments and {@code checkpoints.jsonl}) or one file of entry lines
     * @param checkpointsFile signed checkpoints to check, or null for the directory's own {@code checkpoints.jsonl}
     *                   (none for a file)
     * @param trusted    a checkpoint saved earlier, or null
     * @throws IOException when the files cannot be read at all (not a verification failure)
     */
    public static Report verify(Path journal, Path checkpointsFile, PublicKey key, Checkpoint trusted)
            throws IOException {
        return verify(journal, checkpointsFile, List.of(key), trusted);
    }

    /**
     * As {@link #verify(Path, Path, PublicKey, Checkpoint)} with every key the operator has signed with (the current
     * one and those it replaced): a checkpoint must be signed by the one of them its key id names.
     */
    public static Report verify(Path journal, Path checkpointsFile, List<PublicKey> keys, Checkpoint trusted)
            throws IOException {
        return verify(journal, checkpointsFile, keys, trusted, List.of());
    }

    /**
     * As {@link #verify(Path, Path, List, Checkpoint)}, also checking the journal against every checkpoint in {@code
     * savedCheckpoints}: checkpoints saved elsewhere (from the API, by a witness; {@link Checkpoint#readAll}). Each
     * must be validly signed, and the journal must extend it: the only way to see entries cut off after the journal's
     * own newest checkpoint together with the checkpoints that covered them.
     */
    public static Report verify(Path journal, Path checkpointsFile, List<PublicKey> keys, Checkpoint trusted,
                                List<Checkpoint> savedCheckpoints) throws IOException {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one public key is needed");
        }
        State state = new State();
        Path cpFile = checkpointsFile != null ? checkpointsFile
                : Files.isDirectory(journal) ? journal.resolve(Journal.CHECKPOINTS_FILE) : null;
        List<Checkpoint> saved = List.copyOf(savedCheckpoints);
        // Entries from the newest checkpoint on are the ones the signed-history rule reads; the checkpoints are
        // checked after the entries, so their largest size is taken here (if one fails, so does the whole check).
        state.tailFrom = largestSize(cpFile, trusted, saved);
        List<Path> files = segmentFiles(journal);
        if (files.isEmpty()) {
            throw new IOException(journal + ": no journal segments (segment-*.jsonl) found");
        }
        try {
            for (Path file : files) {
                if (Files.isDirectory(journal)) {
                    Matcher m = Journal.SEGMENT_NAME.matcher(file.getFileName().toString());
                    if (m.matches() && Long.parseLong(m.group(1)) != state.tree.size()) {
                        throw new JournalFormatException(state.tree.size(), file.getFileName() + " should start at"
                                + " entry " + state.tree.size() + " but is named for entry " + m.group(1)
                                + " (entries before it are missing)");
                    }
                }
                verifySegment(file, state);
            }
            if (state.pendingBreak != null) {
                throw state.pendingBreak;
            }
            checkRedactions(state);
            if (cpFile != null && Files.exists(cpFile)) {
                verifyCheckpoints(cpFile, keys, state);
            }
            long signed = state.latest == null ? 0 : state.latest.treeSize();
            if (trusted != null) {
                verifyTrusted(trusted, keys, state, "the saved checkpoint (size " + trusted.treeSize() + ")");
                signed = Math.max(signed, trusted.treeSize());
            }
            for (Checkpoint c : saved) {
                verifyTrusted(c, keys, state, "saved checkpoint of size " + c.treeSize() + " ("
                        + iso(c.timeMicros()) + ")");
                signed = Math.max(signed, c.treeSize());
            }
            checkRetention(state, signed);
            // A directory's checkpoints file is part of the journal: missing, emptied or cut back, the rule sees it.
            // An export given without checkpoints has no signed history to judge: only its entries were checked.
            if (cpFile != null) {
                checkSignedHistory(state, signed);
            }
        } catch (JournalFormatException e) {
            // A chain break not yet resolved is an earlier entry's failure than whatever stopped the reading.
            JournalFormatException first = state.pendingBreak != null ? state.pendingBreak : e;
            return state.report(first.getMessage(), first.seq());
        }
        return state.report(null, -1);
    }

    private static final class State {
        final MerkleLog tree = new MerkleLog();
        byte[] lastLeaf = JournalLine.ZERO_HASH;
        long lastTime;
        final List<long[]> redactedSeqTimes = new ArrayList<>();
        /** Redaction entries: {first, last, entry seq, before_us}. */
        final List<long[]> redactions = new ArrayList<>();
        final Map<String, Long> byType = new TreeMap<>();
        final List<RecordedConfig> configs = new ArrayList<>();
        /** Redaction entries: {entry seq, entry time, before_us}. */
        final List<long[]> redactionTimes = new ArrayList<>();
        /**
         * The signed-history rule, fed the entries from {@code tailFrom} (the largest checkpoint size given) on as
         * they are read, in constant memory; its first failure waits until the checkpoints themselves are checked.
         */
        long tailFrom;
        SignedHistory rule;
        JournalFormatException ruleFailure;
        int checkpoints;
        Checkpoint latest;
        /**
         * A break of the chain at entry j (its prev is not the hash of entry j-1) is either entry j-1 altered or entry
         * j's prev altered. The next entry tells which: if it chains to entry j, entry j is intact. Until then the
         * break waits here, blaming entry j.
         */
        JournalFormatException pendingBreak;
        String pendingWhere;

        Report report(String failure, long seq) {
            long signed = latest == null ? 0 : latest.treeSize();
            return new Report(tree.size(), redactedSeqTimes.size(), checkpoints, latest, tree.size() - signed,
                    Collections.unmodifiableMap(byType), failure, seq);
        }
    }

    private static void verifySegment(Path file, State state) throws IOException, JournalFormatException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
            long lineNumber = 0;
            while (true) {
                buffer.reset();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    buffer.write(b);
                }
                if (b < 0 && buffer.size() == 0) {
                    return;
                }
                lineNumber++;
                long seq = state.tree.size();
                String where = file.getFileName() + " line " + lineNumber + ": ";
                if (b < 0) {
                    throw new JournalFormatException(seq, where + "entry " + seq + " has no line end (truncated)");
                }
                JournalLine line;
                try {
                    line = JournalLine.parse(buffer.toByteArray(), seq);
                } catch (JournalFormatException e) {
                    throw new JournalFormatException(e.seq(), where + e.getMessage());
                }
                if (line.seq() != seq) {
                    throw new JournalFormatException(seq, where + "expected entry " + seq + ", found entry "
                            + line.seq() + " (entries deleted, reordered or duplicated)");
                }
                if (state.pendingBreak != null) {
                    resolveBreak(line, state);
                }
                if (!MessageDigest.isEqual(line.prev(), state.lastLeaf)) {
                    JournalFormatException chainBreak = new JournalFormatException(seq, where + "entry " + seq
                            + " does not chain to entry " + (seq - 1) + " (its prev hash differs: the header of entry "
                            + (seq - 1) + " or the prev of entry " + seq + " was altered)");
                    if (seq == 0) {
                        throw chainBreak; // nothing before it: its prev must be zeros
                    }
                    state.pendingBreak = chainBreak;
                    state.pendingWhere = where;
                } else if (line.timeMicros() < state.lastTime) {
                    // (After a chain break the previous entry's time is suspect, and the break is the finding.)
                    throw new JournalFormatException(seq, where + "entry " + seq + " is dated before entry "
                            + (seq - 1) + " (back-dated)");
                }
                if (line.redacted()) {
                    state.redactedSeqTimes.add(new long[] {seq, line.timeMicros()});
                } else if (line.type().equals(Journal.TYPE_REDACTION)) {
                    readRedaction(line, state, where);
                } else if (line.type().equals(Journal.TYPE_CONFIG)) {
                    JsonObject data;
                    try {
                        data = line.dataJson();
                    } catch (RuntimeException e) {
                        data = null;
                    }
                    state.configs.add(RecordedConfig.of(seq, data));
                }
                if (seq >= state.tailFrom && state.ruleFailure == null) {
                    if (state.rule == null) {
                        // Every config entry before tailFrom has been read by now.
                        state.rule = new SignedHistory(state.tailFrom,
                                Journal.lastConfigBefore(state.configs, state.tailFrom));
                    }
                    try {
                        state.rule.accept(seq, line.type(), line.timeMicros());
                    } catch (JournalFormatException e) {
                        state.ruleFailure = e;
                    }
                }
                state.byType.merge(line.type(), 1L, Long::sum);
                state.tree.append(line.leafHash());
                state.lastLeaf = line.leafHash();
                state.lastTime = line.timeMicros();
            }
        }
    }

    /** Called with the entry after a chain break: throws the break, now blaming the entry that was altered. */
    private static void resolveBreak(JournalLine next, State state) throws JournalFormatException {
        long broken = state.pendingBreak.seq();
        String where = state.pendingWhere;
        state.pendingBreak = null;
        if (MessageDigest.isEqual(next.prev(), state.lastLeaf)) {
            throw new JournalFormatException(broken - 1, where + "entry " + (broken - 1) + " was altered: its hash"
                    + " is no longer the prev hash recorded by entry " + broken + ", which itself chains intact to"
                    + " entry " + next.seq());
        }
        throw new JournalFormatException(broken, where + "entry " + broken + " was altered or replaced: it chains"
                + " neither to entry " + (broken - 1) + " nor does entry " + next.seq() + " chain to it");
    }

    private static void readRedaction(JournalLine line, State state, String where) throws JournalFormatException {
        try {
            JsonObject data = line.dataJson();
            long before = data.get("before_us").getAsLong();
            JsonArray ranges = data.getAsJsonArray("ranges");
            state.redactionTimes.add(new long[] {line.seq(), line.timeMicros(), before});
            for (JsonElement r : ranges) {
                JsonArray pair = r.getAsJsonArray();
                state.redactions.add(new long[] {pair.get(0).getAsLong(), pair.get(1).getAsLong(), line.seq(),
                        before});
            }
        } catch (RuntimeException e) {
            throw new JournalFormatException(line.seq(), where + "redaction entry " + line.seq()
                    + " does not list before_us and ranges");
        }
    }

    /** Every entry without data must be listed by a later redaction entry whose cutoff is after the entry. */
    private static void checkRedactions(State state) throws JournalFormatException {
        for (long[] entry : state.redactedSeqTimes) {
            long seq = entry[0];
            boolean covered = false;
            for (long[] r : state.redactions) {
                if (seq >= r[0] && seq <= r[1] && r[2] > seq && entry[1] < r[3]) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                throw new JournalFormatException(seq, "entry " + seq + " has no data, and no redaction entry"
                        + " records its deletion (data removed without a retention record)");
            }
        }
    }

    private static void verifyCheckpoints(Path file, List<PublicKey> key, State state)
            throws IOException, JournalFormatException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Checkpoint previous = null;
        for (int i = 0; i < lines.size(); i++) {
            String where = file.getFileName() + " line " + (i + 1) + ": ";
            Checkpoint c;
            try {
                c = Checkpoint.parse(lines.get(i));
            } catch (JournalFormatException e) {
                throw new JournalFormatException(-1, where + e.getMessage());
            }
            checkOne(c, key, state, where + "checkpoint of size " + c.treeSize(),
                    previous == null ? 0 : Math.min(previous.treeSize(), c.treeSize()));
            if (previous != null && (c.treeSize() < previous.treeSize() || c.timeMicros() < previous.timeMicros())) {
                throw new JournalFormatException(-1, where + "checkpoint of size " + c.treeSize()
                        + " goes back from the previous one (size " + previous.treeSize() + ")");
            }
            previous = c;
            state.checkpoints++;
            state.latest = c;
        }
    }

    private static void verifyTrusted(Checkpoint trusted, List<PublicKey> key, State state, String what)
            throws JournalFormatException {
        checkOne(trusted, key, state, what, 0);
        // The consistency proof is what a remote auditor would fetch; checking it here exercises the same path.
        long size = state.tree.size();
        List<byte[]> proof = state.tree.consistencyProof((int) trusted.treeSize(), (int) size);
        if (!MerkleTree.verifyConsistency(trusted.treeSize(), size, trusted.rootHash(),
                state.tree.root((int) size), proof)) {
            throw new JournalFormatException(-1, "the journal is not consistent with " + what);
        }
        if (state.latest == null || state.latest.treeSize() < trusted.treeSize()) {
            state.latest = trusted;
        }
    }

    /**
     * Each redaction may delete only what the retention recorded at the time allowed: its {@code before_us} no later
     * than its own time less {@code retention_days} of the last {@code config} entry before it (none at all when that
     * is 0). A {@code config} entry no signed checkpoint covers could be the attacker's: then the last covered one
     * counts too, and the stricter of the two applies. With no retention recorded, {@code before_us} must at least
     * not be after the redaction entry itself.
     */
    private static void checkRetention(State state, long signed) throws JournalFormatException {
        for (long[] r : state.redactionTimes) {
            long seq = r[0];
            RecordedConfig inEffect = Journal.lastConfigBefore(state.configs, seq);
            Integer days = inEffect == null ? null : inEffect.retentionDays();
            if (inEffect != null && inEffect.seq() >= signed) {
                RecordedConfig covered = Journal.lastConfigBefore(state.configs, Math.min(signed, seq));
                Integer signedDays = covered == null ? null : covered.retentionDays();
                if (signedDays != null && (days == null || signedDays == 0
                        || days != 0 && signedDays > days)) {
                    days = signedDays;
                }
            }
            if (days != null && days == 0) {
                throw new JournalFormatException(seq, "redaction entry " + seq + " deletes data although the"
                        + " recorded retention is 0 (keep forever)");
            }
            long latest = days == null ? r[1] : r[1] - days * 86_400_000_000L;
            if (r[2] > latest) {
                throw new JournalFormatException(seq, "redaction entry " + seq + " deletes data up to "
                        + iso(r[2]) + ", younger than the recorded retention"
                        + (days == null ? "" : " of " + days + " days") + " allows at its time "
                        + iso(r[1]) + " (up to " + iso(latest) + "): an early deletion, not"
                        + " retention");
            }
        }
    }

    private static void checkSignedHistory(State state, long signed) throws JournalFormatException {
        if (signed != state.tailFrom) {
            // Only when a checkpoint failed, which has been reported already; never silently skip the rule.
            throw new IllegalStateException("checkpoints of size " + state.tailFrom + " given, " + signed
                    + " verified");
        }
        if (state.ruleFailure != null) {
            throw state.ruleFailure;
        }
    }

    private static String iso(long micros) {
        try {
            return java.time.Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1000).toString();
        } catch (java.time.DateTimeException e) {
            return micros + " µs";
        }
    }

    /** The largest tree size any of the checkpoints names (0 without any); unreadable lines are skipped here. */
    private static long largestSize(Path cpFile, Checkpoint trusted, List<Checkpoint> saved) throws IOException {
        long largest = trusted == null ? 0 : trusted.treeSize();
        for (Checkpoint c : saved) {
            largest = Math.max(largest, c.treeSize());
        }
        if (cpFile != null && Files.exists(cpFile)) {
            for (String line : Files.readAllLines(cpFile, StandardCharsets.UTF_8)) {
                try {
                    largest = Math.max(largest, Checkpoint.parse(line).treeSize());
                } catch (JournalFormatException e) {
                    // reported when the checkpoints are checked
                }
            }
        }
        return largest;
    }

    /** @param matchedBefore entries known to match an earlier checkpoint, to narrow down where a change is */
    private static void checkOne(Checkpoint c, List<PublicKey> keys, State state, String what, long matchedBefore)
            throws JournalFormatException {
        PublicKey key = keys.stream().filter(k -> JournalKeys.keyId(k).equals(c.keyId())).findFirst().orElse(null);
        if (key == null || !c.verify(key)) {
            String known = keys.stream().map(JournalKeys::keyId).collect(java.util.stream.Collectors.joining(", "));
            throw new JournalFormatException(-1, what + ": the signature is not valid for key " + known
                    + (key == null ? " (it names key " + c.keyId() + ", which is not among the keys given)"
                    : " (forged, altered, or signed by another key)"));
        }
        if (c.treeSize() > state.tree.size()) {
            throw new JournalFormatException(state.tree.size(), what + " covers " + c.treeSize()
                    + " entries but the journal has only " + state.tree.size() + ": entries from "
                    + state.tree.size() + " on were removed (truncated or rolled back)");
        }
        if (!MessageDigest.isEqual(state.tree.root((int) c.treeSize()), c.rootHash())) {
            // Every entry is chained to the next, so a change the chain does not show was made consistently from
            // some entry on (or to the last entry): the earlier checkpoint bounds where.
            throw new JournalFormatException(-1, what + ": the root of the first " + c.treeSize()
                    + " entries differs from the signed root (the past was rewritten: entries " + matchedBefore + ".."
                    + (c.treeSize() - 1) + " are not the ones signed)");
        }
    }

    private static List<Path> segmentFiles(Path journal) throws IOException {
        if (!Files.exists(journal)) {
            throw new IOException(journal + ": no such file or directory");
        }
        if (!Files.isDirectory(journal)) {
            return List.of(journal);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(journal, "segment-*.jsonl")) {
            stream.forEach(files::add);
        }
        Collections.sort(files);
        return files;
    }
}
