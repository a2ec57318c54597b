package org.earshot.api;

/**
 * A signed checkpoint: the tree size and root hash it commits to, when it was made (epoch microseconds), the id of
 * the signing key, the signature and the exact text that was signed.
 */
public record CheckpointView(long treeSize, byte[] rootHash, long timeMicros, String keyId, byte[] signature,
                             String signedText) {
}
