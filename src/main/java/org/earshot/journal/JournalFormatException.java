package org.earshot.journal;

/**
 * A journal line, segment or checkpoint that does not have the journal's format or does not match its hashes. The
 * message names what is wrong; {@link #seq()} is the entry it concerns, or -1 when the line is too broken to tell.
 */
public final class JournalFormatException extends Exception {
    private final long seq;

    public JournalFormatException(long seq, String message) {
        super(message);
        this.seq = seq;
    }

    public long seq() {
        return seq;
    }
}
