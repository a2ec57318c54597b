package org.earshot.train;

import org.earshot.testing.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several dataset folders read as one, and clips left out by quality. */
class CombinedDatasetsTest {
    private static final String VERIFIED = "labelled by the source dataset";
    private static final String HEURISTIC = "heuristic: emotion category + pitch/loudness rule, not listened to";

    @TempDir
    Path dir;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private Path manifest(String folder, String csv) throws IOException {
        Path d = dir.resolve(folder);
        Files.createDirectories(d);
        Files.writeString(d.resolve("manifest.csv"), csv);
        return d;
    }

    @Test
    void combinesTwoDatasetsResolvingEachPathInItsOwnFolder() throws Exception {
        Path a = SyntheticDataset.write(dir.resolve("set-a"), "a:");
        Path b = SyntheticDataset.write(dir.resolve("set-b"), "b:");
        DatasetManifest one = DatasetManifest.read(a);
        DatasetManifest two = DatasetManifest.read(b);
        DatasetManifest both = DatasetManifest.read(List.of(a, b));
        assertEquals(one.clips().size() + two.clips().size(), both.clips().size());
        assertEquals(one.clips(), both.clips().subList(0, one.clips().size()), "first folder's clips first, in order");
        for (ClipEntry c : both.clips()) {
            assertTrue(Files.isRegularFile(c.file()), c.file() + " resolved in its own folder");
        }
        assertEquals(b.resolve("shout-0-0.wav"), both.clips().get(one.clips().size()).file());
        assertEquals(List.of(a, b), both.roots());
        assertEquals("set-a+set-b", both.name());
        // The combination's hash: over the folders' manifest hashes in order, so it changes with the order.
        String expected = sha256((one.sha256() + "\n" + two.sha256() + "\n").getBytes());
        assertEquals(expected, both.sha256());
        assertEquals(expected, DatasetManifest.read(List.of(a, b)).sha256(), "stable");
        assertNotEquals(expected, DatasetManifest.read(List.of(b, a)).sha256());
        // A group-disjoint split of the combination draws groups from both folders.
        GroupSplit split = GroupSplit.of(both.clips(), 0.34, 3);
        Set<String> trainGroups = new HashSet<>();
        split.train().forEach(c -> trainGroups.add(c.group()));
        split.validation().forEach(c -> assertFalse(trainGroups.contains(c.group()), c.group()));
        assertEquals(Set.of("a:synthetic", "b:synthetic"),
                new HashSet<>(both.clips().stream().map(ClipEntry::source).toList()));
    }

    @Test
    void oneDatasetKeepsTheHashOfItsManifestFile() throws Exception {
        Path a = SyntheticDataset.write(dir.resolve("train-v1"));
        String fileHash = sha256(Files.readAllBytes(a.resolve("manifest.csv")));
        assertEquals(fileHash, DatasetManifest.read(a).sha256());
        assertEquals(fileHash, DatasetManifest.read(List.of(a)).sha256());
        assertEquals(fileHash, DatasetManifest.read(a).excludingQualities(List.of()).sha256());
        assertEquals(fileHash, DatasetSelection.of(a).read().sha256());
        assertEquals("train-v1", DatasetManifest.read(a).describe());
    }

    @Test
    void excludesClipsByQualityAndTheHashSaysSo() throws Exception {
        Path v2 = manifest("train-v2", "path,label,use,group,source,original_label,seconds,license,quality,repository\n"
                + "shout/a.flac,shout,train,emo:1,emogator,fear,1.0,Apache-2.0,\"" + HEURISTIC + "\",x@1:a\n"
                + "shout/b.flac,shout,train,dnv:2,deeply_nonverbal,scream,1.0,CC,\"" + VERIFIED + "\",x@1:b\n"
                + "background/c.flac,background,train,emo:3,emogator,laugh,1.0,Apache-2.0,\"" + HEURISTIC + "\",x@1:c\n"
                + "impact/d.flac,impact,train,new:4,newsource,bang,1.0,CC0,checked twice by ear,x@1:d\n");
        DatasetManifest all = DatasetManifest.read(v2);
        assertEquals(List.of(HEURISTIC, VERIFIED, HEURISTIC, "checked twice by ear"),
                all.clips().stream().map(ClipEntry::quality).toList(), "any quality value is accepted and kept");
        DatasetManifest verified = all.excludingQualities(List.of(HEURISTIC));
        assertEquals(List.of("shout/b.flac", "impact/d.flac"), verified.clips().stream().map(ClipEntry::path).toList());
        assertEquals(List.of(HEURISTIC), verified.excludedQualities());
        String expected = sha256((all.sha256() + "\nexclude-quality " + HEURISTIC + "\n").getBytes());
        assertEquals(expected, verified.sha256());
        assertEquals(expected, new DatasetSelection(List.of(v2), List.of(HEURISTIC)).read().sha256(), "stable");
        assertTrue(verified.describe().contains("excluding quality '" + HEURISTIC + "'"), verified.describe());
        assertEquals(1, verified.excludingQualities(List.of("checked twice by ear")).clips().size());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> all.excludingQualities(List.of("heuristic")));
        assertTrue(e.getMessage().contains("no clip of train-v2 has quality 'heuristic'")
                && e.getMessage().contains("'" + VERIFIED + "'"), e.getMessage());
    }

    @Test
    void qualityIsEmptyWithoutTheColumn() throws Exception {
        Path v1 = manifest("v1", "path,label,use,group\na.wav,impact,train,g\n");
        assertEquals("", DatasetManifest.read(v1).clips().get(0).quality());
        assertEquals("", new ClipEntry(Path.of("a.wav"), "a.wav", "impact", "train", "g", "", "", "").quality());
    }

    @Test
    void aPathLeavingItsFolderIsRefusedInACombinationToo() throws Exception {
        Path a = manifest("a", "path,label,use,group\nx.wav,impact,train,a1\n");
        Path b = manifest("b", "path,label,use,group\ny.wav,impact,train,b1\n../a/x.wav,impact,train,b2\n");
        IOException e = assertThrows(IOException.class, () -> DatasetManifest.read(List.of(a, b)));
        assertTrue(e.getMessage().contains(b.resolve("manifest.csv") + " line 3")
                && e.getMessage().contains("leaves the dataset folder"), e.getMessage());
    }

    @Test
    void refusesAGroupIdThatTwoSourcesShare() throws Exception {
        Path a = manifest("a", "path,label,use,group,source\nx.wav,impact,train,rec7,doors\n");
        Path b = manifest("b", "path,label,use,group,source\ny.wav,impact,train,other,bangs\nz.wav,shout,train,rec7,"
                + "screams\n");
        IOException e = assertThrows(IOException.class, () -> DatasetManifest.read(List.of(a, b)));
        assertTrue(e.getMessage().contains(b.resolve("manifest.csv") + " line 3")
                && e.getMessage().contains(a.resolve("manifest.csv") + " line 2")
                && e.getMessage().contains("'rec7'"), e.getMessage());
        // The same recording (same group, same source) listed in two folders stays one group.
        Path c = manifest("c", "path,label,use,group,source\nw.wav,background,train,rec7,doors\n");
        DatasetManifest ac = DatasetManifest.read(List.of(a, c));
        assertEquals(2, ac.clips().size());
    }

    @Test
    void refusesTheSameFolderTwice() throws Exception {
        Path a = manifest("a", "path,label,use,group\nx.wav,impact,train,a1\n");
        IOException e = assertThrows(IOException.class,
                () -> DatasetManifest.read(List.of(a, a.resolve("../a"))));
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }
}
