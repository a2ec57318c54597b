package org.earshot.journal;

import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 6962 Merkle tree of a growing journal, kept incrementally: every leaf hash, and the root of every complete,
 * aligned power-of-two subtree, by level. In the RFC's tree every left subtree is such a perfect subtree, so the root
 * of any tree size, and any audit path or consistency proof, needs O(log² n) hashing instead of the O(n) of
 * recomputing from the leaves ({@link MerkleTree} does that, as the reference this class is tested against). Memory:
 * about two hashes per entry. Not thread-safe: the journal guards it.
 */
public final class MerkleLog {
    /** levels.get(k).get(i) = root of leaves [i·2^k, (i+1)·2^k); level 0 holds the leaf hashes. */
    private final List<List<byte[]>> levels = new ArrayList<>();

    public MerkleLog() {
        levels.add(new ArrayList<>());
    }

    public int size() {
        return levels.get(0).size();
    }

    /** Appends one leaf hash (32 bytes) and completes every perfect subtree it closes. */
    public void append(byte[] leafHash) {
        if (leafHash == null || leafHash.length != MerkleTree.HASH_LENGTH) {
            throw new IllegalArgumentException("a leaf hash has " + MerkleTree.HASH_LENGTH + " bytes");
        }
        byte[] node = leafHash.clone();
        levels.get(0).add(node);
        int level = 0;
        // A node at an odd index completes its parent: climb while that happens.
        while (levels.get(level).size() % 2 == 0) {
            List<byte[]> row = levels.get(level);
            byte[] parent = MerkleTree.hashChildren(row.get(row.size() - 2), row.get(row.size() - 1));
            level++;
            if (levels.size() == level) {
                levels.add(new ArrayList<>());
            }
            levels.get(level).add(parent);
        }
    }

    /** The leaf hash at {@code index}. */
    public byte[] leaf(int index) {
        checkIndex(index, size());
        return levels.get(0).get(index).clone();
    }

    /** The root of the tree of the first {@code treeSize} leaves. */
    public byte[] root(int treeSize) {
        checkSize(treeSize);
        return treeSize == 0 ? MerkleTree.emptyRoot() : rangeRoot(0, treeSize).clone();
    }

    /** The audit path of leaf {@code index} in the tree of the first {@code treeSize} leaves. */
    public List<byte[]> inclusionProof(int index, int treeSize) {
        checkSize(treeSize);
        checkIndex(index, treeSize);
        return MerkleTree.inclusionProof(this::rangeRoot, treeSize, index);
    }

    /** The proof that the tree of {@code oldSize} leaves is a prefix of the tree of {@code newSize}. */
    public List<byte[]> consistencyProof(int oldSize, int newSize) {
        checkSize(newSize);
        if (oldSize < 0 || oldSize > newSize) {
            throw new IllegalArgumentException("old tree size " + oldSize + " is outside 0.." + newSize);
        }
        return MerkleTree.consistencyProof(this::rangeRoot, newSize, oldSize);
    }

    private byte[] rangeRoot(int lo, int hi) {
        int n = hi - lo;
        if (Integer.bitCount(n) == 1 && lo % n == 0) {
            int level = Integer.numberOfTrailingZeros(n);
            return levels.get(level).get(lo >> level);
        }
        int k = lo + MerkleTree.largestPowerOfTwoBelow(n);
        return MerkleTree.hashChildren(rangeRoot(lo, k), rangeRoot(k, hi));
    }

    private void checkSize(int treeSize) {
        if (treeSize < 0 || treeSize > size()) {
            throw new IllegalArgumentException("tree size " + treeSize + " is outside 0.." + size());
        }
    }

    private static void checkIndex(int index, int treeSize) {
        if (index < 0 || index >= treeSize) {
            throw new IllegalArgumentException("index " + index + " is outside the tree of size " + treeSize);
        }
    }
}
