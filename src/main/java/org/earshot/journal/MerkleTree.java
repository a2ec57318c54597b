package org.earshot.journal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The Merkle Tree Hash of RFC 6962 / RFC 9162 section 2.1 with SHA-256, as pure static functions over a list of
 * 32-byte leaf hashes: the root of a journal of n entries, the audit path that proves one entry is in it, and the
 * consistency proof that a journal of m entries is a prefix of the journal of n entries; plus the RFC 9162
 * verifiers for both proofs, which need only the two sizes, the hashes and the proof, never the journal itself.
 * Leaves and interior nodes are hashed with distinct prefixes (0x00 and 0x01) so that no leaf can pose as a node
 * (second-preimage resistance), and the tree is the RFC's unbalanced one (split at the largest power of two below
 * n), never one that duplicates the last leaf, so proofs interoperate with Certificate Transparency tooling.
 */
public final class MerkleTree {
    /** Length in bytes of every hash: SHA-256. */
    public static final int HASH_LENGTH = 32;

    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;

    private MerkleTree() {
    }

    /** MTH({}) = SHA-256 of the empty string: the root of a journal with no entries. */
    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    /** SHA-256(0x00 || entry): the hash of one journal entry as a leaf of the tree. */
    public static byte[] leafHash(byte[] entry) {
        if (entry == null) {
            throw new IllegalArgumentException("entry is null");
        }
        MessageDigest digest = sha256();
        digest.update(LEAF_PREFIX);
        digest.update(entry);
        return digest.digest();
    }

    /** SHA-256(0x01 || left || right): the hash of an interior node from its two children. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        requireHash(left, "left");
        requireHash(right, "right");
        return hashChildren(left, right);
    }

    /** MTH(D[n]) for the given leaf hashes; {@link #emptyRoot()} when there are none. */
    public static byte[] root(List<byte[]> leafHashes) {
        requireLeafHashes(leafHashes);
        if (leafHashes.isEmpty()) {
            return emptyRoot();
        }
        return subtreeRoot(leafHashes, 0, leafHashes.size()).clone();
    }

    /**
     * PATH(m, D[n]): the audit path proving that leaf {@code index} is in the tree of all {@code leafHashes},
     * ordered from the leaf up to the root.
     */
    public static List<byte[]> inclusionProof(List<byte[]> leafHashes, int index) {
        requireLeafHashes(leafHashes);
        if (index < 0 || index >= leafHashes.size()) {
            throw new IllegalArgumentException("index " + index + " is outside the tree of size " + leafHashes.size());
        }
        return inclusionProof((lo, hi) -> subtreeRoot(leafHashes, lo, hi), leafHashes.size(), index);
    }

    /**
     * PROOF(m, D[n]): the consistency proof that the first {@code oldSize} leaves form a prefix of all
     * {@code leafHashes}. It is empty when oldSize is 0 or the whole tree, as there is then nothing to prove.
     */
    public static List<byte[]> consistencyProof(List<byte[]> leafHashes, int oldSize) {
        requireLeafHashes(leafHashes);
        if (oldSize < 0 || oldSize > leafHashes.size()) {
            throw new IllegalArgumentException("oldSize " + oldSize + " is outside 0.." + leafHashes.size());
        }
        return consistencyProof((lo, hi) -> subtreeRoot(leafHashes, lo, hi), leafHashes.size(), oldSize);
    }

    /**
     * Verifies an audit path by the algorithm of RFC 9162 section 2.1.3.2: false for a leaf, proof or root that
     * does not match, for {@code index >= treeSize}, and for a proof that is too long or too short.
     *
     * @throws IllegalArgumentException for a negative index or size or a null argument
     */
    public static boolean verifyInclusion(byte[] leafHash, long index, long treeSize, List<byte[]> proof,
                                          byte[] root) {
        requireNonNull(leafHash, "leafHash");
        requireNonNull(root, "root");
        requireProof(proof);
        if (index < 0) {
            throw new IllegalArgumentException("index " + index + " is negative");
        }
        if (treeSize < 0) {
            throw new IllegalArgumentException("treeSize " + treeSize + " is negative");
        }
        if (index >= treeSize || leafHash.length != HASH_LENGTH || root.length != HASH_LENGTH || !wellFormed(proof)) {
            return false;
        }
        // fn walks the leaf's position up the tree, sn the last leaf's; where fn == sn the leaf's subtree is the
        // rightmost, possibly incomplete one, whose levels without a sibling are skipped.
        long fn = index;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false; // more proof than tree: a padded proof must not verify
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = hashChildren(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = hashChildren(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // sn == 0 means the proof climbed all the way to the root, so a truncated proof fails here.
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /**
     * Verifies a consistency proof by the algorithm of RFC 9162 section 2.1.4.2, which covers
     * {@code 0 < oldSize < newSize}. The cases the RFC leaves out have nothing to prove, so their proof must be
     * empty: equal sizes are consistent only with equal roots, and size 0 only with the empty-tree root. A
     * rollback ({@code oldSize > newSize}) never verifies.
     *
     * @throws IllegalArgumentException for a negative size or a null argument
     */
    public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot,
                                            List<byte[]> proof) {
        requireNonNull(oldRoot, "oldRoot");
        requireNonNull(newRoot, "newRoot");
        requireProof(proof);
        if (oldSize < 0) {
            throw new IllegalArgumentException("oldSize " + oldSize + " is negative");
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("newSize " + newSize + " is negative");
        }
        if (oldSize > newSize || oldRoot.length != HASH_LENGTH || newRoot.length != HASH_LENGTH) {
            return false;
        }
        if (oldSize == 0) {
            // The empty tree is a prefix of every tree; its root is fixed, so a different claimed root is a lie.
            return proof.isEmpty() && MessageDigest.isEqual(oldRoot, emptyRoot())
                    && (newSize > 0 || MessageDigest.isEqual(newRoot, oldRoot));
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && MessageDigest.isEqual(oldRoot, newRoot);
        }
        if (proof.isEmpty() || !wellFormed(proof)) {
            return false;
        }
        // A power-of-two old tree is itself a complete subtree of the new one, so the proof omits its root.
        List<byte[]> path = proof;
        if ((oldSize & (oldSize - 1)) == 0) {
            path = new ArrayList<>(proof.size() + 1);
            path.add(oldRoot);
            path.addAll(proof);
        }
        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        // fr rebuilds the old root and sr the new one from the same path; both must come out right.
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = hashChildren(c, fr);
                sr = hashChildren(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = hashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(fr, oldRoot) && MessageDigest.isEqual(sr, newRoot);
    }

    /**
     * MTH(D[lo:hi]) for a non-empty range, recursing on ranges so no sublist is copied; a one-leaf range returns
     * the caller's array itself, so whatever leaves this class is cloned first.
     */
    private static byte[] subtreeRoot(List<byte[]> leaves, int lo, int hi) {
        if (hi - lo == 1) {
            return leaves.get(lo);
        }
        int k = lo + largestPowerOfTwoBelow(hi - lo);
        return hashChildren(subtreeRoot(leaves, lo, k), subtreeRoot(leaves, k, hi));
    }

    /**
     * MTH(D[lo:hi]) of a tree held somewhere: the list of leaves here, cached perfect subtrees in {@link MerkleLog}.
     * The proof algorithms below only ever ask for ranges of the RFC's split, so both give the same proofs.
     */
    @FunctionalInterface
    interface RangeHasher {
        byte[] root(int lo, int hi);
    }

    /** PATH(index, D[size]) over any {@link RangeHasher}; index and size already checked. */
    static List<byte[]> inclusionProof(RangeHasher tree, int size, int index) {
        List<byte[]> proof = new ArrayList<>();
        path(tree, index, 0, size, proof);
        return Collections.unmodifiableList(proof);
    }

    /** PROOF(oldSize, D[size]) over any {@link RangeHasher}; sizes already checked. */
    static List<byte[]> consistencyProof(RangeHasher tree, int size, int oldSize) {
        List<byte[]> proof = new ArrayList<>();
        if (oldSize > 0) {
            subproof(tree, oldSize, 0, size, true, proof);
        }
        return Collections.unmodifiableList(proof);
    }

    /** PATH(m, D[lo:hi]) for the leaf at absolute position m, appended bottom-up as the RFC orders it. */
    private static void path(RangeHasher tree, int m, int lo, int hi, List<byte[]> out) {
        if (hi - lo == 1) {
            return;
        }
        int k = lo + largestPowerOfTwoBelow(hi - lo);
        if (m < k) {
            path(tree, m, lo, k, out);
            out.add(tree.root(k, hi).clone());
        } else {
            path(tree, m, k, hi, out);
            out.add(tree.root(lo, k).clone());
        }
    }

    /**
     * SUBPROOF(m, D[lo:hi], b) with m counted from lo; {@code complete} is the RFC's b: true while D[lo:lo+m] is
     * still the whole old tree, whose root the verifier already holds and so is left out.
     */
    private static void subproof(RangeHasher tree, int m, int lo, int hi, boolean complete, List<byte[]> out) {
        int n = hi - lo;
        if (m == n) {
            if (!complete) {
                out.add(tree.root(lo, hi).clone());
            }
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(tree, m, lo, lo + k, complete, out);
            out.add(tree.root(lo + k, hi).clone());
        } else {
            subproof(tree, m - k, lo + k, hi, false, out);
            out.add(tree.root(lo, lo + k).clone());
        }
    }

    /** The largest power of two strictly smaller than n, for n >= 2: where RFC 6962 splits a tree. */
    static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }

    static byte[] hashChildren(byte[] left, byte[] right) {
        MessageDigest digest = sha256();
        digest.update(NODE_PREFIX);
        digest.update(left);
        digest.update(right);
        return digest.digest();
    }

    /** A proof element of the wrong length cannot be a SHA-256 node, so the proof is malformed, not an error. */
    private static boolean wellFormed(List<byte[]> proof) {
        for (byte[] element : proof) {
            if (element.length != HASH_LENGTH) {
                return false;
            }
        }
        return true;
    }

    private static void requireLeafHashes(List<byte[]> leafHashes) {
        if (leafHashes == null) {
            throw new IllegalArgumentException("leafHashes is null");
        }
        for (int i = 0; i < leafHashes.size(); i++) {
            requireHash(leafHashes.get(i), "leafHashes[" + i + "]");
        }
    }

    private static void requireProof(List<byte[]> proof) {
        if (proof == null) {
            throw new IllegalArgumentException("proof is null");
        }
        for (int i = 0; i < proof.size(); i++) {
            requireNonNull(proof.get(i), "proof[" + i + "]");
        }
    }

    private static void requireHash(byte[] hash, String name) {
        requireNonNull(hash, name);
        if (hash.length != HASH_LENGTH) {
            throw new IllegalArgumentException(name + " has " + hash.length + " bytes, not " + HASH_LENGTH);
        }
    }

    private static void requireNonNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256, so this cannot happen on a conforming JVM.
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
