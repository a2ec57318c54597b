package org.earshot.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Merkle tree against the published RFC 6962 test vectors, against tampering of every bit and every size, and
 * against a literal transcription of the RFC's recursive definitions on random trees of up to 300 leaves.
 */
class MerkleTreeTest {
    private static final HexFormat HEX = HexFormat.of();

    // Test vectors (also used by MerkleLogTest): github.com/transparency-dev/merkle, proof/verify_test.go (variables leaves, roots,
    // inclusionProofs, consistencyProofs; commit 02194e9afb6c1d95b5381350007963aa70fff472), the RFC 6962 vectors
    // Certificate Transparency implementations share (also in google/certificate-transparency-go). Note that Go
    // file numbers inclusion leaves from 1; the indices below are 0-based.
    static final String[] ENTRIES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"};

    static final String[] ROOTS = {
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };

    static final String EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final String H_8_1 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
    private static final String H_8_2 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
    private static final String H_8_3 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";
    private static final String BC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b";
    private static final String CA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
    private static final String D37E = ROOTS[3];
    private static final String EBC5 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
    private static final String B086 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f";

    /** {index (0-based), size, path...} */
    static final Object[][] INCLUSION_VECTORS = {
            {0, 8, List.of(H_8_1, H_8_2, H_8_3)},
            {5, 8, List.of(BC1A, CA85, D37E)},
            {2, 3, List.of(ROOTS[1])},
            {1, 5, List.of(ROOTS[0], H_8_2, BC1A)},
            {0, 1, List.of()},
    };

    /** {oldSize, newSize, proof...} */
    static final Object[][] CONSISTENCY_VECTORS = {
            {1, 1, List.of()},
            {1, 8, List.of(H_8_1, H_8_2, H_8_3)},
            {6, 8, List.of(EBC5, CA85, D37E)},
            {2, 5, List.of(H_8_2, BC1A)},
            {6, 7, List.of(EBC5, B086, D37E)},
    };

    // --- published vectors -------------------------------------------------------------------------------------

    @Test
    void emptyTreeRootIsTheHashOfNothing() {
        assertEquals(EMPTY_ROOT, hex(MerkleTree.emptyRoot()));
        assertEquals(EMPTY_ROOT, hex(MerkleTree.root(List.of())));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void rootsMatchThePublishedVectors(int size) {
        assertEquals(ROOTS[size - 1], hex(MerkleTree.root(vectorLeaves(size))));
    }

    @Test
    void leafAndNodeHashesUseTheirDomainPrefixes() {
        // A one-leaf tree's root is its leaf hash, SHA-256(0x00 || "").
        assertEquals(ROOTS[0], hex(MerkleTree.leafHash(new byte[0])));
        List<byte[]> two = vectorLeaves(2);
        assertEquals(ROOTS[1], hex(MerkleTree.nodeHash(two.get(0), two.get(1))));
        assertEquals(hex(sha256(concat(new byte[] {1}, two.get(0), two.get(1)))),
                hex(MerkleTree.nodeHash(two.get(0), two.get(1))));
        // A leaf whose bytes spell an interior node does not hash to that node.
        byte[] spelled = concat(two.get(0), two.get(1));
        assertFalse(MessageDigest.isEqual(MerkleTree.leafHash(spelled), MerkleTree.nodeHash(two.get(0), two.get(1))));
    }

    @Test
    void inclusionProofsMatchThePublishedVectors() {
        for (Object[] v : INCLUSION_VECTORS) {
            int index = (int) v[0];
            int size = (int) v[1];
            List<byte[]> expected = unhex(v[2]);
            List<byte[]> leaves = vectorLeaves(size);
            assertEquals(hexes(expected), hexes(MerkleTree.inclusionProof(leaves, index)), "PATH(" + index + ", D[" + size + "])");
            assertTrue(MerkleTree.verifyInclusion(leaves.get(index), index, size, expected, unhex(ROOTS[size - 1])));
        }
    }

    @Test
    void consistencyProofsMatchThePublishedVectors() {
        for (Object[] v : CONSISTENCY_VECTORS) {
            int oldSize = (int) v[0];
            int newSize = (int) v[1];
            List<byte[]> expected = unhex(v[2]);
            assertEquals(hexes(expected), hexes(MerkleTree.consistencyProof(vectorLeaves(newSize), oldSize)),
                    "PROOF(" + oldSize + ", D[" + newSize + "])");
            assertTrue(MerkleTree.verifyConsistency(oldSize, newSize, unhex(ROOTS[oldSize - 1]),
                    unhex(ROOTS[newSize - 1]), expected));
        }
    }

    // --- inclusion: every leaf of trees 1..8, every tampering ----------------------------------------------------

    @Test
    void everyInclusionProofVerifiesAndEveryTamperingFails() {
        for (int size = 1; size <= 8; size++) {
            List<byte[]> leaves = vectorLeaves(size);
            byte[] root = unhex(ROOTS[size - 1]);
            for (int index = 0; index < size; index++) {
                List<byte[]> proof = MerkleTree.inclusionProof(leaves, index);
                byte[] leaf = leaves.get(index);
                String at = "leaf " + index + " of " + size;
                assertTrue(MerkleTree.verifyInclusion(leaf, index, size, proof, root), at);
                assertInclusionTamperingFails(leaf, index, size, proof, root, at);
            }
        }
    }

    private static void assertInclusionTamperingFails(byte[] leaf, int index, int size, List<byte[]> proof,
                                                      byte[] root, String at) {
        for (int bit = 0; bit < 256; bit++) {
            assertFalse(MerkleTree.verifyInclusion(flip(leaf, bit), index, size, proof, root), at + " leaf bit " + bit);
            assertFalse(MerkleTree.verifyInclusion(leaf, index, size, proof, flip(root, bit)), at + " root bit " + bit);
            for (int i = 0; i < proof.size(); i++) {
                assertFalse(MerkleTree.verifyInclusion(leaf, index, size, replace(proof, i, flip(proof.get(i), bit)),
                        root), at + " proof[" + i + "] bit " + bit);
            }
        }
        for (int other = 0; other < 2 * size + 2; other++) {
            if (other != index) {
                assertFalse(MerkleTree.verifyInclusion(leaf, other, size, proof, root), at + " as index " + other);
            }
        }
        // The audit path binds the index and the root; it binds the size only through the path's shape, since
        // sizes whose trees put the same siblings on the same sides recompute the same root (e.g. leaf 0 of 3 and
        // of 4). So exactly the sizes with a different shape must fail; a journal signs size and root together.
        for (int other = 1; other <= 2 * size + 2; other++) {
            if (other != size && index < other) {
                assertEquals(shape(index, other).equals(shape(index, size)),
                        MerkleTree.verifyInclusion(leaf, index, other, proof, root), at + " as size " + other);
            }
        }
        assertFalse(MerkleTree.verifyInclusion(leaf, index, 2L * size, proof, root), at + " size * 2");
        assertFalse(MerkleTree.verifyInclusion(leaf, index, index, proof, root), at + " size == index");
        for (List<byte[]> longer : longer(proof, root)) {
            assertFalse(MerkleTree.verifyInclusion(leaf, index, size, longer, root), at + " element added");
        }
        for (List<byte[]> shorter : shorter(proof)) {
            assertFalse(MerkleTree.verifyInclusion(leaf, index, size, shorter, root), at + " element removed");
        }
        assertFalse(MerkleTree.verifyInclusion(MerkleTree.emptyRoot(), index, size, proof, root), at + " other leaf");
        assertFalse(MerkleTree.verifyInclusion(leaf, index, size, proof, MerkleTree.emptyRoot()), at + " empty root");
    }

    @Test
    void inclusionInAnEmptyTreeNeverVerifies() {
        byte[] leaf = MerkleTree.leafHash(new byte[0]);
        assertFalse(MerkleTree.verifyInclusion(leaf, 0, 0, List.of(), MerkleTree.emptyRoot()));
        assertFalse(MerkleTree.verifyInclusion(leaf, 1, 1, List.of(), leaf));
        assertFalse(MerkleTree.verifyInclusion(new byte[0], 0, 1, List.of(), new byte[0]), "malformed hashes");
    }

    // --- consistency: every pair 1 <= m <= n <= 8, every tampering, rollback -------------------------------------

    @Test
    void everyConsistencyProofVerifiesAndEveryTamperingFails() {
        for (int newSize = 1; newSize <= 8; newSize++) {
            List<byte[]> leaves = vectorLeaves(newSize);
            byte[] newRoot = unhex(ROOTS[newSize - 1]);
            for (int oldSize = 1; oldSize <= newSize; oldSize++) {
                byte[] oldRoot = unhex(ROOTS[oldSize - 1]);
                List<byte[]> proof = MerkleTree.consistencyProof(leaves, oldSize);
                String at = oldSize + " -> " + newSize;
                assertTrue(MerkleTree.verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), at);
                assertEquals(oldSize == newSize, proof.isEmpty(), at + " proof is empty exactly when sizes match");
                assertConsistencyTamperingFails(oldSize, newSize, oldRoot, newRoot, proof, at);
            }
        }
    }

    private static void assertConsistencyTamperingFails(int m, int n, byte[] oldRoot, byte[] newRoot,
                                                        List<byte[]> proof, String at) {
        for (int bit = 0; bit < 256; bit++) {
            assertFalse(MerkleTree.verifyConsistency(m, n, flip(oldRoot, bit), newRoot, proof), at + " old bit " + bit);
            assertFalse(MerkleTree.verifyConsistency(m, n, oldRoot, flip(newRoot, bit), proof), at + " new bit " + bit);
            for (int i = 0; i < proof.size(); i++) {
                assertFalse(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, replace(proof, i,
                        flip(proof.get(i), bit))), at + " proof[" + i + "] bit " + bit);
            }
        }
        for (List<byte[]> longer : longer(proof, oldRoot, newRoot)) {
            assertFalse(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, longer), at + " element added");
        }
        for (List<byte[]> shorter : shorter(proof)) {
            assertFalse(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, shorter), at + " element removed");
        }
        // The wrong-size probes of transparency-dev/merkle (size1 -/+ 1, size1 ^ 2, size2 * 2, size2 / 2).
        long[][] wrongSizes = {{m - 1, n}, {m + 1, n}, {m ^ 2, n}, {m, 2L * n}, {m, n / 2}};
        for (long[] wrong : wrongSizes) {
            if (wrong[0] != m || wrong[1] != n) {
                assertFalse(MerkleTree.verifyConsistency(wrong[0], wrong[1], oldRoot, newRoot, proof),
                        at + " as " + wrong[0] + " -> " + wrong[1]);
            }
        }
        if (m != n) {
            // Rollback: the newer head presented as the older one, with or without its root.
            assertFalse(MerkleTree.verifyConsistency(n, m, newRoot, oldRoot, proof), at + " rollback");
            assertFalse(MerkleTree.verifyConsistency(n, m, oldRoot, newRoot, proof), at + " swapped sizes");
            assertFalse(MerkleTree.verifyConsistency(m, n, newRoot, oldRoot, proof), at + " swapped roots");
            assertFalse(MerkleTree.verifyConsistency(m, n, oldRoot, newRoot, List.of()), at + " empty proof");
        }
    }

    @Test
    void theEmptyTreeIsConsistentWithEveryTreeAndNothingElseIs() {
        byte[] empty = MerkleTree.emptyRoot();
        assertTrue(MerkleTree.verifyConsistency(0, 0, empty, empty, List.of()));
        assertTrue(MerkleTree.consistencyProof(List.of(), 0).isEmpty());
        for (int n = 1; n <= 8; n++) {
            byte[] root = unhex(ROOTS[n - 1]);
            assertTrue(MerkleTree.consistencyProof(vectorLeaves(n), 0).isEmpty());
            assertTrue(MerkleTree.verifyConsistency(0, n, empty, root, List.of()), "0 -> " + n);
            assertFalse(MerkleTree.verifyConsistency(0, n, root, root, List.of()), "0 -> " + n + " claimed old root");
            assertFalse(MerkleTree.verifyConsistency(0, n, empty, root, List.of(root)), "0 -> " + n + " padded");
            assertFalse(MerkleTree.verifyConsistency(n, 0, root, empty, List.of()), n + " -> 0 rollback");
            assertFalse(MerkleTree.verifyConsistency(n, n, root, empty, List.of()), n + " -> " + n + " other root");
            assertFalse(MerkleTree.verifyConsistency(n, n, root, root, List.of(root)), n + " -> " + n + " padded");
        }
        assertFalse(MerkleTree.verifyConsistency(0, 0, empty, unhex(ROOTS[0]), List.of()));
    }

    // --- random trees against the RFC's recursive definitions ----------------------------------------------------

    @Test
    void randomTreesAgreeWithTheRecursiveDefinitions() {
        long seed = 6962;
        Random random = new Random(seed);
        List<Integer> sizes = new ArrayList<>(List.of(1, 2, 3, 127, 128, 129, 255, 256, 257, 300));
        for (int i = 0; i < 12; i++) {
            sizes.add(1 + random.nextInt(300));
        }
        for (int size : sizes) {
            List<byte[]> leaves = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                byte[] entry = new byte[random.nextInt(40)];
                random.nextBytes(entry);
                leaves.add(MerkleTree.leafHash(entry));
            }
            byte[] root = MerkleTree.root(leaves);
            String at = "seed " + seed + ", size " + size;
            assertArrayEquals(Rfc.mth(leaves), root, at);
            assertArrayEquals(bottomUpRoot(leaves), root, at + " (level by level)");
            for (int index : probes(random, size, 0)) {
                List<byte[]> proof = MerkleTree.inclusionProof(leaves, index);
                assertEquals(hexes(Rfc.path(index, leaves)), hexes(proof), at + ", PATH(" + index + ")");
                assertTrue(MerkleTree.verifyInclusion(leaves.get(index), index, size, proof, root), at);
                int bit = random.nextInt(256);
                assertFalse(MerkleTree.verifyInclusion(flip(leaves.get(index), bit), index, size, proof, root), at);
            }
            for (int oldSize : probes(random, size, 1)) {
                List<byte[]> proof = MerkleTree.consistencyProof(leaves, oldSize);
                assertEquals(hexes(Rfc.proof(oldSize, leaves)), hexes(proof), at + ", PROOF(" + oldSize + ")");
                byte[] oldRoot = Rfc.mth(leaves.subList(0, oldSize));
                assertTrue(MerkleTree.verifyConsistency(oldSize, size, oldRoot, root, proof), at + " from " + oldSize);
                if (oldSize < size) {
                    int bit = random.nextInt(256);
                    assertFalse(MerkleTree.verifyConsistency(oldSize, size, flip(oldRoot, bit), root, proof), at);
                    assertFalse(MerkleTree.verifyConsistency(size, oldSize, root, oldRoot, proof), at + " rollback");
                    // A head that forked after oldSize: same prefix, different last entry.
                    List<byte[]> forked = new ArrayList<>(leaves);
                    forked.set(size - 1, flip(leaves.get(size - 1), bit));
                    assertFalse(MerkleTree.verifyConsistency(oldSize, size, oldRoot, MerkleTree.root(forked), proof),
                            at + " fork");
                }
            }
        }
    }

    /** Indices (or old sizes from {@code from}) to probe: the edges, the powers of two, and a random sample. */
    private static List<Integer> probes(Random random, int size, int from) {
        int last = from == 0 ? size - 1 : size;
        List<Integer> probes = new ArrayList<>(List.of(from, last));
        for (int p = 1; p <= last; p <<= 1) {
            probes.add(p);
            if (p - 1 >= from) {
                probes.add(p - 1);
            }
        }
        for (int i = 0; i < 15; i++) {
            probes.add(from + random.nextInt(last - from + 1));
        }
        return probes;
    }

    /** RFC 6962 section 2.1 transcribed literally, on sublists, as the reference the tree must agree with. */
    private static final class Rfc {
        static byte[] mth(List<byte[]> d) {
            int n = d.size();
            if (n == 0) {
                return sha256(new byte[0]);
            }
            if (n == 1) {
                return d.get(0); // the test's leaves are already leaf hashes
            }
            int k = k(n);
            return sha256(concat(new byte[] {1}, mth(d.subList(0, k)), mth(d.subList(k, n))));
        }

        static List<byte[]> path(int m, List<byte[]> d) {
            int n = d.size();
            List<byte[]> out = new ArrayList<>();
            if (n == 1) {
                return out;
            }
            int k = k(n);
            if (m < k) {
                out.addAll(path(m, d.subList(0, k)));
                out.add(mth(d.subList(k, n)));
            } else {
                out.addAll(path(m - k, d.subList(k, n)));
                out.add(mth(d.subList(0, k)));
            }
            return out;
        }

        static List<byte[]> proof(int m, List<byte[]> d) {
            return m == 0 ? List.of() : subproof(m, d, true);
        }

        static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
            int n = d.size();
            List<byte[]> out = new ArrayList<>();
            if (m == n) {
                if (!b) {
                    out.add(mth(d));
                }
                return out;
            }
            int k = k(n);
            if (m <= k) {
                out.addAll(subproof(m, d.subList(0, k), b));
                out.add(mth(d.subList(k, n)));
            } else {
                out.addAll(subproof(m - k, d.subList(k, n), false));
                out.add(mth(d.subList(0, k)));
            }
            return out;
        }

        /** The largest power of two smaller than n. */
        static int k(int n) {
            int k = 1;
            while (k << 1 < n) {
                k <<= 1;
            }
            return k;
        }
    }

    /** The root computed level by level, carrying an odd last node up unchanged: equal to MTH by construction. */
    private static byte[] bottomUpRoot(List<byte[]> leaves) {
        List<byte[]> level = leaves;
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                up.add(MerkleTree.nodeHash(level.get(i), level.get(i + 1)));
            }
            if (level.size() % 2 == 1) {
                up.add(level.get(level.size() - 1));
            }
            level = up;
        }
        return level.get(0);
    }

    /** For each step of PATH(m, D[n]) bottom-up, whether the sibling is on the left. */
    private static List<Boolean> shape(int m, int n) {
        if (n == 1) {
            return new ArrayList<>();
        }
        int k = Rfc.k(n);
        List<Boolean> shape = m < k ? shape(m, k) : shape(m - k, n - k);
        shape.add(m >= k);
        return shape;
    }

    // --- bad arguments -------------------------------------------------------------------------------------------

    @Test
    void badArgumentsAreRejectedByName() {
        List<byte[]> leaves = vectorLeaves(3);
        byte[] h = leaves.get(0);
        assertMessage("index 3", () -> MerkleTree.inclusionProof(leaves, 3));
        assertMessage("index -1", () -> MerkleTree.inclusionProof(leaves, -1));
        assertMessage("index 0", () -> MerkleTree.inclusionProof(List.of(), 0));
        assertMessage("oldSize 4", () -> MerkleTree.consistencyProof(leaves, 4));
        assertMessage("oldSize -1", () -> MerkleTree.consistencyProof(leaves, -1));
        assertMessage("entry", () -> MerkleTree.leafHash(null));
        assertMessage("right", () -> MerkleTree.nodeHash(h, new byte[31]));
        assertMessage("left", () -> MerkleTree.nodeHash(null, h));
        assertMessage("leafHashes[1]", () -> MerkleTree.root(List.of(h, new byte[33], h)));
        assertMessage("leafHashes", () -> MerkleTree.root(null));
        assertMessage("index -1", () -> MerkleTree.verifyInclusion(h, -1, 3, List.of(), h));
        assertMessage("treeSize -3", () -> MerkleTree.verifyInclusion(h, 0, -3, List.of(), h));
        assertMessage("proof", () -> MerkleTree.verifyInclusion(h, 0, 1, null, h));
        assertMessage("root", () -> MerkleTree.verifyInclusion(h, 0, 1, List.of(), null));
        assertMessage("oldSize -1", () -> MerkleTree.verifyConsistency(-1, 3, h, h, List.of()));
        assertMessage("newSize -2", () -> MerkleTree.verifyConsistency(1, -2, h, h, List.of()));
        assertMessage("proof[0]", () -> MerkleTree.verifyConsistency(1, 2, h, h, nullElement()));
    }

    @Test
    void returnedHashesAreCopies() {
        List<byte[]> leaves = vectorLeaves(2);
        MerkleTree.inclusionProof(leaves, 0).get(0)[0] ^= 1;
        MerkleTree.root(leaves.subList(0, 1))[0] ^= 1;
        MerkleTree.consistencyProof(leaves, 1).get(0)[0] ^= 1;
        assertEquals(ROOTS[1], hex(MerkleTree.root(leaves)));
        assertEquals(ROOTS[0], hex(leaves.get(0)));
    }

    private static List<byte[]> nullElement() {
        List<byte[]> list = new ArrayList<>();
        list.add(null);
        return list;
    }

    private static void assertMessage(String expected, Supplier<?> call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should name " + expected);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static List<byte[]> vectorLeaves(int size) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            leaves.add(MerkleTree.leafHash(unhex(ENTRIES[i])));
        }
        return leaves;
    }

    /** Proofs one element longer: appended, prepended or inserted, with a repeated element or a given hash. */
    private static List<List<byte[]>> longer(List<byte[]> proof, byte[]... extras) {
        List<byte[]> candidates = new ArrayList<>(List.of(extras));
        candidates.add(MerkleTree.emptyRoot());
        candidates.add(new byte[0]);
        candidates.addAll(proof);
        List<List<byte[]>> out = new ArrayList<>();
        for (byte[] extra : candidates) {
            for (int at = 0; at <= proof.size(); at++) {
                List<byte[]> longer = new ArrayList<>(proof);
                longer.add(at, extra);
                out.add(List.copyOf(longer));
            }
        }
        return out;
    }

    /** Proofs with one element removed, at every position. */
    private static List<List<byte[]>> shorter(List<byte[]> proof) {
        List<List<byte[]>> out = new ArrayList<>();
        for (int i = 0; i < proof.size(); i++) {
            List<byte[]> shorter = new ArrayList<>(proof);
            shorter.remove(i);
            out.add(List.copyOf(shorter));
        }
        return out;
    }

    private static List<byte[]> replace(List<byte[]> proof, int index, byte[] element) {
        List<byte[]> copy = new ArrayList<>(proof);
        copy.set(index, element);
        return List.copyOf(copy);
    }

    private static byte[] flip(byte[] bytes, int bit) {
        byte[] copy = bytes.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        return copy;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    private static byte[] unhex(String hex) {
        return HEX.parseHex(hex);
    }

    @SuppressWarnings("unchecked")
    private static List<byte[]> unhex(Object hexes) {
        List<byte[]> out = new ArrayList<>();
        for (String h : (List<String>) hexes) {
            out.add(unhex(h));
        }
        return List.copyOf(out);
    }

    private static List<String> hexes(List<byte[]> hashes) {
        List<String> out = new ArrayList<>();
        for (byte[] h : hashes) {
            out.add(hex(h));
        }
        return out;
    }
}
