package org.earshot.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PublishedPositionTest {
    @Test
    void theFirstSeqNotAcknowledgedIsWhereAWriterStartsAgain() {
        PublishedPosition p = new PublishedPosition(10);
        assertEquals(10, p.next());
        p.sent(12);
        p.sent(15);
        p.sent(16);
        assertEquals(12, p.next(), "12 not acknowledged yet");
        // Acknowledged out of order (other partitions): 15 and 16 first, then 12.
        p.acknowledged(15);
        p.acknowledged(16);
        assertEquals(12, p.next());
        p.acknowledged(12);
        assertEquals(17, p.next());
    }

    @Test
    void aSendThatFailedKeepsThePositionBeforeIt() {
        PublishedPosition p = new PublishedPosition(0);
        p.sent(1);
        p.sent(2);
        p.acknowledged(2); // 1 failed: never acknowledged
        p.sent(3);
        p.acknowledged(3);
        assertEquals(1, p.next());
        assertThrows(IllegalArgumentException.class, () -> new PublishedPosition(-1));
    }
}
