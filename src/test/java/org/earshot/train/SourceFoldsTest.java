package org.earshot.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leave-sources-out folds: no source on both sides, every field clip held out exactly once, clear errors. */
class SourceFoldsTest {
    @TempDir
    Path dir;

    @Test
    void everySourceIsHeldOutWholeInExactlyOneFold() throws IOException {
        SourceFolds folds = SourceFolds.read(write("source,fold\n# comment\nsa,one\nsb,one\nsc,two\nsd,three\n"));
        assertEquals(List.of("one", "two", "three"), folds.names());
        List<ClipEntry> clips = new ArrayList<>();
        for (String source : new String[] {"sa", "sb", "sc", "sd"}) {
            for (String label : new String[] {"shout", "background"}) {
                for (int g = 0; g < 3; g++) {
                    clips.add(clip(source, label, source + ":" + g, "train"));
                }
            }
        }
        clips.add(clip("debian:x", "impact", "x", "augment"));
        Set<ClipEntry> heldOut = new HashSet<>();
        for (int f = 0; f < folds.size(); f++) {
            GroupSplit split = GroupSplit.Spec.sourceFold(folds, f, 1).apply(clips);
            Set<String> trainSources = new HashSet<>();
            split.train().forEach(c -> trainSources.add(c.source()));
            for (ClipEntry c : split.validation()) {
                assertFalse(trainSources.contains(c.source()), c.source() + " on both sides of fold " + f);
                assertEquals(f, folds.foldOfSource().get(c.source()));
                assertTrue(heldOut.add(c), c + " held out twice");
            }
            assertTrue(split.train().stream().anyMatch(ClipEntry::isAugmentOnly), "augment clips always train");
            assertEquals(clips.size(), split.train().size() + split.validation().size());
        }
        assertEquals(clips.size() - 1, heldOut.size(), "every field clip is held out once");
        assertEquals(folds, SourceFolds.of(folds.bySourceList()), "a manifest's record gives the same folds back");
        assertEquals(List.of("sa", "sb"), folds.bySourceList().get("one"));
    }

    @Test
    void refusesSourcesInNoFoldAndBadFiles() throws IOException {
        SourceFolds folds = SourceFolds.read(write("source,fold\nsa,one\nsb,two\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> folds.apply(List.of(clip("sa", "shout", "g", "train"), clip("zz", "shout", "h", "train")), 0));
        assertEquals("sources in no fold of the source folds: zz", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> folds.apply(List.of(), 2));
        assertMessage("source,fold\nsa,one\nsa,two\n", "line 3: source 'sa' appears twice");
        assertMessage("src,fold\nsa,one\n", "the header must be 'source,fold'");
        assertMessage("source,fold\nsa\n", "line 2: expected 'source,fold'");
        assertMessage("source,fold\nsa,one\nsb,one\n", "at least 2 folds");
        IOException missing = assertThrows(IOException.class, () -> SourceFolds.read(dir.resolve("none.csv")));
        assertTrue(missing.getMessage().startsWith("source folds file not found"), missing.getMessage());
    }

    @Test
    void theShippedFoldsCoverTrainV1AndTrainV2AndGiveEveryFoldBackground() throws IOException {
        SourceFolds folds = SourceFolds.read(Path.of("bench/source-folds.csv"));
        assertEquals(9, folds.size());
        Path shared = Path.of("").toAbsolutePath().resolve("../shared/datasets").normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shared.resolve("train-v2")),
                "train-v1/train-v2 not found at " + shared + ": skipping");
        List<ClipEntry> clips = new ArrayList<>(DatasetManifest.read(shared.resolve("train-v1")).clips());
        clips.addAll(DatasetManifest.read(shared.resolve("train-v2")).clips());
        for (int f = 0; f < folds.size(); f++) {
            GroupSplit split = folds.apply(clips, f);
            assertTrue(split.validation().stream().anyMatch(c -> c.label().equals("background")),
                    "fold " + folds.names().get(f) + " has no background to mix its events into");
            assertTrue(split.validation().stream().anyMatch(ClipEntry::isEvent), "fold " + folds.names().get(f));
        }
    }

    private void assertMessage(String csv, String expected) throws IOException {
        Path file = write(csv);
        IOException e = assertThrows(IOException.class, () -> SourceFolds.read(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private Path write(String csv) throws IOException {
        Path file = Files.createTempFile(dir, "folds", ".csv");
        Files.writeString(file, csv);
        return file;
    }

    private static ClipEntry clip(String source, String label, String group, String use) {
        return new ClipEntry(Path.of(source + "-" + group + ".wav"), source + "-" + group + ".wav", label, use, group,
                source, label, "CC0");
    }
}
