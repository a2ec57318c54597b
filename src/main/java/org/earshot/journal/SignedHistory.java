package org.earshot.journal;

import java.util.Set;

/**
 * Which signed checkpoints a journal written by the service must have, and the check that they do: fed the entries
 * that no signed checkpoint covers (from the newest checkpoint's tree size on), it fails unless they are what a crash
 * can leave unsigned. Without it, an attacker without the key could rewrite any past entry, re-hash and re-chain the
 * rest, and delete the checkpoints that no longer match: the journal would then verify on its own.
 *
 * <p>What a running service guarantees, and so what the rule demands:
 * <ul>
 * <li>A checkpoint is signed when a run has recorded its start (after its {@code start} entry), at every clean stop
 *     (after its {@code stop} entry), at least every {@code journal.checkpoint_entries} entries (N) and every
 *     {@code journal.checkpoint_seconds} (S) while there are new entries; a checkpoint covers every entry before it,
 *     earlier runs' included.</li>
 * <li>So after a crash (kill -9, power cut) the entries that no checkpoint covers are: the end of the run that
 *     signed the newest checkpoint (at most about N entries and S seconds), possibly followed by the opening entries
 *     ({@code recovery}, {@code key_change}, {@code config_sensors}, {@code config}, {@code start}) of later runs
 *     that died before their start checkpoint, and, for journals written before start checkpoints existed, one more
 *     short run at the end.</li>
 * </ul>
 * The rule: the uncovered entries are cut into runs at each run's opening entries; each run's part must hold at
 * most {@code 2N + 1000} entries and span at most {@code 2S + 60 s} (the margins absorb a checkpoint that is late
 * under load or a stalled disk: the journal itself signs in the appending thread once 2N entries are uncovered); a
 * run between the first and the last may hold only opening entries; and a {@code stop} entry must be the journal's
 * last entry (a kill between the stop entry and its checkpoint). N and S are those recorded by the last {@code config}
 * entry that a checkpoint covers (the recorded ones after it are the attacker's to write), or the journal's defaults.
 *
 * <p>What it cannot see: entries cut off after a checkpoint, with the checkpoints after it, leave a journal that looks
 * exactly like one whose service crashed there; only a checkpoint saved elsewhere (an auditor's, a witness's) shows
 * that. Within the allowance above, the unsigned end can also be rewritten.
 */
final class SignedHistory {
    static final Set<String> OPENING = Set.of(Journal.TYPE_RECOVERY, Journal.TYPE_KEY_CHANGE,
            Journal.TYPE_CONFIG_SENSORS, Journal.TYPE_CONFIG, Journal.TYPE_START);
    /** Entries beyond 2N that a run may leave unsigned: appends in flight while its checkpoint is being signed. */
    static final int ENTRY_MARGIN = 1000;
    static final long TIME_MARGIN_MICROS = 60_000_000L;

    private final long signedSize;
    private final long maxEntries;
    private final long maxSpanMicros;
    private final int n;
    private final long sMicros;

    private long portion = -1;
    private long portionFirst;
    private long portionFirstTime;
    private long portionNonOpening = -1;
    private String previousType;
    private long pendingStop = -1;

    /** @param limits the last recorded configuration covered by a checkpoint, or null */
    SignedHistory(long signedSize, RecordedConfig limits) {
        this.signedSize = signedSize;
        RecordedConfig l = limits != null ? limits : new RecordedConfig(-1, null, null, null);
        this.n = l.checkpointEntriesOrDefault();
        this.sMicros = l.checkpointMicrosOrDefault();
        this.maxEntries = 2L * n + ENTRY_MARGIN;
        this.maxSpanMicros = 2 * sMicros + TIME_MARGIN_MICROS;
    }

    private String cause() {
        return signedSize == 0 ? "the signed checkpoints were removed, or the entries rewritten"
                : "the signed checkpoints after entry " + (signedSize - 1) + " were removed, or the entries after"
                + " them rewritten";
    }

    /** The next entry not covered by a checkpoint, in order, from {@code signedSize} on. */
    void accept(long seq, String type, long timeMicros) throws JournalFormatException {
        if (pendingStop >= 0) {
            throw new JournalFormatException(pendingStop, "signed history missing: stop entry " + pendingStop
                    + " is followed by entry " + seq + " but no signed checkpoint covers it, although every clean"
                    + " stop signs one (" + cause() + ")");
        }
        boolean opening = OPENING.contains(type);
        if (portion < 0 || opening && (previousType == null || !OPENING.contains(previousType)
                || Journal.TYPE_START.equals(previousType))) {
            if (portion >= 1 && portionNonOpening >= 0) {
                throw new JournalFormatException(portionNonOpening, "signed history missing: the run from entry "
                        + portionFirst + " wrote entry " + portionNonOpening + " after its start, yet no signed"
                        + " checkpoint covers it and a later run started at entry " + seq + " (a run signs a"
                        + " checkpoint once its start is recorded; " + cause() + ")");
            }
            portion++;
            portionFirst = seq;
            portionFirstTime = timeMicros;
            portionNonOpening = -1;
        }
        if (!opening && portionNonOpening < 0) {
            portionNonOpening = seq;
        }
        if (seq - portionFirst + 1 > maxEntries) {
            throw new JournalFormatException(seq, "signed history missing: no signed checkpoint covers entries from "
                    + signedSize + " on, and entries " + portionFirst + ".." + seq + " of"
                    + " one run are more than a crash can leave unsigned (checkpoints are signed every " + n
                    + " entries as recorded; at most " + maxEntries + " allowed): " + cause());
        }
        if (timeMicros - portionFirstTime > maxSpanMicros) {
            throw new JournalFormatException(seq, "signed history missing: entries " + portionFirst + ".." + seq
                    + " of one run, written over " + (timeMicros - portionFirstTime) / 1_000_000 + " s, are not"
                    + " covered by any signed checkpoint, although one is signed every " + sMicros / 1e6
                    + " s as recorded (at most " + maxSpanMicros / 1_000_000 + " s allowed after a crash): "
                    + cause());
        }
        if (Journal.TYPE_STOP.equals(type)) {
            pendingStop = seq;
        }
        previousType = type;
    }
}
