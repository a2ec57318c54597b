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

    // The few RFC 6962 vectors needed here, copied from MerkleTreeTest (github.com/transparency-dev/merkle,
    // proof/verify_test.go at 02194e9afb6c1d95b5381350007963aa70fff472).
    private static final String[] ENTRIES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"};
    private static final String[] ROOTS = {
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    private static final String EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String H_8_1 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
    private static final String H_8_2 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
    private static final String H_8_3 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";
    private static final String BC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b";
    private static final String CA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
    private static final String EBC5 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
    private static final String B086 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f";

    @Test
    void publishedVectors() {
        MerkleLog log = new MerkleLog();
        assertEquals(EMPTY_ROOT, HEX.formatHex(log.root(0)));
        for (String entry : ENTRIES) {
            log.append(MerkleTree.leafHash(HEX.parseHex(entry)));
        }
        for (int size = 1; size <= 8; size++) {
            assertEquals(ROOTS[size - 1], HEX.formatHex(log.root(size)), "root of size " + size);
        }
        assertEquals(List.of(H_8_1, H_8_2, H_8_3), hexes(log.inclusionProof(0, 8)));
        assertEquals(List.of(BC1A, CA85, ROOTS[3]), hexes(log.inclusionProof(5, 8)));
        assertEquals(List.of(ROOTS[1]), hexes(log.inclusionProof(2, 3)));
        assertEquals(List.of(ROOTS[0], H_8_2, BC1A), hexes(log.inclusionProof(1, 5)));
        assertEquals(List.of(), hexes(log.inclusionProof(0, 1)));
        assertEquals(List.of(), hexes(log.consistencyProof(1, 1)));
        assertEquals(List.of(H_8_1, H_8_2, H_8_3), hexes(log.consistencyProof(1, 8)));
        assertEquals(List.of(EBC5, CA85, ROOTS[3]), hexes(log.consistencyProof(6, 8)));
        assertEquals(List.of(H_8_2, BC1A), hexes(log.consistencyProof(2, 5)));
        assertEquals(List.of(EBC5, B086, ROOTS[3]), hexes(log.consistencyProof(6, 7)));
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
