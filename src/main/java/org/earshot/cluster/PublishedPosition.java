package org.earshot.cluster;

import java.util.TreeSet;

/**
 * Up to where the journal writer knows its journaled entries reached Kafka's {@code <prefix>journaled} topic: the
 * first journal seq that may not have been acknowledged (the smallest seq sent and not yet acknowledged, or one past
 * the last seq sent when none is outstanding). Entries from it on are produced again when a writer starts, so a seq
 * never acknowledged (a send that failed, a writer that died) is published at least once. Any thread.
 */
final class PublishedPosition {
    private final TreeSet<Long> pending = new TreeSet<>();
    private long next;

    /** @param start the first seq not known to be published */
    PublishedPosition(long start) {
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
        this.next = start;
    }

    /** The entry at {@code seq} was handed to the producer. */
    synchronized void sent(long seq) {
        pending.add(seq);
        next = Math.max(next, seq + 1);
    }

    /** Kafka acknowledged the entry at {@code seq}. */
    synchronized void acknowledged(long seq) {
        pending.remove(seq);
    }

    /** The first seq not known to be published: where a writer starting now produces from. */
    synchronized long next() {
        return pending.isEmpty() ? next : pending.first();
    }
}
