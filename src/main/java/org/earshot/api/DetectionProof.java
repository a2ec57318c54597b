package org.earshot.api;

import java.util.List;

/**
 * A detection with everything a client needs to check offline that it is in the journal: the entry's exact bytes
 * (as UTF-8 JSON text), its leaf index and hash, the RFC 9162 audit path to the root of a tree of {@code treeSize}
 * entries, and the signed checkpoint of that tree size; {@code checkpoint} is null when the entry is newer than the
 * latest checkpoint and the proof is against the current, not yet signed, tree.
 */
public record DetectionProof(DetectionRecord detection, String entryJson, long leafIndex, byte[] leafHash,
                             long treeSize, byte[] rootHash, List<byte[]> auditPath, CheckpointView checkpoint) {
    public DetectionProof {
        auditPath = List.copyOf(auditPath);
    }
}
