package org.earshot.journal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The incremental tree against {@link MerkleTree}, the reference it must agree with: roots, audit paths and
 * consistency proofs for every prefix of the log at every size up to 70, on random sizes up to 5,000, and on the
 * published RFC 6962 vectors.
 */
class MerkleLogTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The published vectors, shared with {@link MerkleTreeTest}. */
    @Test
    void publishedVectors() {
        MerkleLog log = new MerkleLog();
        assertEquals(MerkleTreeTest.EMPTY_ROOT, HEX.formatHex(log.root(0)));
        for (String entry : MerkleTreeTest.ENTRIES) {
            log.append(MerkleTree.leafHash(HEX.parseHex(entry)));
        }
        for (int size = 1; size <= 8; size++) {
            assertEquals(MerkleTreeTest.ROOTS[size - 1], HEX.formatHex(log.root(size)), "root of size " + size);
        }
        for (Object[] v : MerkleTreeTest.INCLUSION_VECTORS) {
            assertEquals(v[2], hexes(log.inclusionProof((Integer) v[0], (Integer) v[1])),
                    "inclusion proof of leaf " + v[0] + " in " + v[1]);
        }
        for (Object[] v : MerkleTreeTest.CONSISTENCY_VECTORS) {
            assertEquals(v[2], hexes(log.consistencyProof((Integer) v[0], (Integer) v[1])),
                    "consistency proof " + v[0] + " -> " + v[1]);
        }
    }

    @Test
    void agreesWithTheReferenceForEveryPrefixOfEverySizeUpTo70() {
        Random random = new Random(1);
        MerkleLog log = new MerkleLog();
        List<byte[]> leaves = new ArrayList<>();
        for (int n = 0; n <= 70; n++) {
            assertEquals(n, log.size());
            for (int size = 0; size <= n; size++) {
                List<byte[]> prefix = leaves.subList(0, size);
                byte[] root = MerkleTree.root(prefix);
                assertArrayEquals(root, log.root(size), "root(" + size + ") with " + n + " leaves");
                for (int i = 0; i < size; i++) {
                    List<byte[]> proof = log.inclusionProof(i, size);
                    assertEquals(hexes(MerkleTree.inclusionProof(prefix, i)), hexes(proof),
                            "inclusion of " + i + " in " + size);
                    assertTrue(MerkleTree.verifyInclusion(leaves.get(i), i, size, proof, root));
                }
                for (int old = 0; old <= size; old++) {
                    List<byte[]> proof = log.consistencyProof(old, size);
                    assertEquals(hexes(MerkleTree.consistencyProof(prefix, old)), hexes(proof),
                            "consistency " + old + " -> " + size);
                    assertTrue(MerkleTree.verifyConsistency(old, size, MerkleTree.root(leaves.subList(0, old)),
                            root, proof), "consistency " + old + " -> " + size);
                }
            }
            byte[] leaf = randomLeaf(random);
            leaves.add(leaf);
            log.append(leaf);
        }
    }

    @Test
    void agreesWithTheReferenceOnRandomLargerSizes() {
        Random random = new Random(2);
        MerkleLog log = new MerkleLog();
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            byte[] leaf = randomLeaf(random);
            leaves.add(leaf);
            log.append(leaf);
        }
        for (int trial = 0; trial < 40; trial++) {
            int size = 71 + random.nextInt(leaves.size() - 70);
            List<byte[]> prefix = leaves.subList(0, size);
            byte[] root = MerkleTree.root(prefix);
            assertArrayEquals(root, log.root(size), "root(" + size + ")");
            int index = random.nextInt(size);
            assertEquals(hexes(MerkleTree.inclusionProof(prefix, index)), hexes(log.inclusionProof(index, size)),
                    "inclusion of " + index + " in " + size);
            int old = random.nextInt(size + 1);
            List<byte[]> proof = log.consistencyProof(old, size);
            assertEquals(hexes(MerkleTree.consistencyProof(prefix, old)), hexes(proof),
                    "consistency " + old + " -> " + size);
            assertTrue(MerkleTree.verifyConsistency(old, size, log.root(old), root, proof));
        }
        // Powers of two and their neighbours are where the cached perfect subtrees begin and end.
        for (int size : new int[] {1024, 1025, 2047, 2048, 2049, 4096, 4097, 5000}) {
            assertArrayEquals(MerkleTree.root(leaves.subList(0, size)), log.root(size), "root(" + size + ")");
        }
    }

    @Test
    void leavesAndReturnedHashesAreCopies() {
        MerkleLog log = new MerkleLog();
        byte[] leaf = MerkleTree.leafHash(new byte[] {1});
        log.append(leaf);
        log.append(MerkleTree.leafHash(new byte[] {2}));
        byte[] rootBefore = log.root(2);
        leaf[0] ^= 1;
        log.root(2)[0] ^= 1;
        log.leaf(0)[0] ^= 1;
        log.inclusionProof(1, 2).get(0)[0] ^= 1;
        assertArrayEquals(rootBefore, log.root(2));
        assertArrayEquals(MerkleTree.leafHash(new byte[] {1}), log.leaf(0));
    }

    @Test
    void badArgumentsAreRejectedByName() {
        MerkleLog log = new MerkleLog();
        log.append(MerkleTree.leafHash(new byte[0]));
        assertMessage("a leaf hash has 32 bytes", () -> log.append(new byte[31]));
        assertMessage("a leaf hash has 32 bytes", () -> log.append(null));
        assertMessage("tree size 2 is outside 0..1", () -> log.root(2));
        assertMessage("index 1 is outside the tree of size 1", () -> log.inclusionProof(1, 1));
        assertMessage("index 0 is outside the tree of size 0", () -> log.inclusionProof(0, 0));
        assertMessage("old tree size 2 is outside 0..1", () -> log.consistencyProof(2, 1));
        assertMessage("index 1 is outside the tree of size 1", () -> log.leaf(1));
    }

    private static void assertMessage(String expected, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    private static byte[] randomLeaf(Random random) {
        byte[] entry = new byte[random.nextInt(40)];
        random.nextBytes(entry);
        return MerkleTree.leafHash(entry);
    }

    private static List<String> hexes(List<byte[]> hashes) {
        List<String> out = new ArrayList<>();
        for (byte[] h : hashes) {
            out.add(HEX.formatHex(h));
        }
        return out;
    }
}
