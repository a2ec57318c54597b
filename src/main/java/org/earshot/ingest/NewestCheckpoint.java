package org.earshot.ingest;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest signed journal checkpoint an MQTT output holds for auditors (its tree size and JSON): replaced only by
 * a larger tree, so that a checkpoint signed earlier but delivered later never takes its place. Any thread.
 */
final class NewestCheckpoint {
    private record Signed(long treeSize, String json) {}

    private final AtomicReference<Signed> held = new AtomicReference<>();

    /** Keeps the checkpoint if its tree is larger than the one held; true when it did (it is now the newest). */
    boolean offer(long treeSize, String json) {
        Signed next = new Signed(treeSize, json);
        Signed before = held.getAndUpdate(c -> c == null || c.treeSize() < treeSize ? next : c);
        return before == null || before.treeSize() < treeSize;
    }

    /** The newest checkpoint's JSON; null before the first. */
    String json() {
        Signed s = held.get();
        return s == null ? null : s.json();
    }
}
