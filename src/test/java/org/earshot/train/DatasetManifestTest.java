package org.earshot.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetManifestTest {
    @TempDir
    Path dir;

    @Test
    void readsQuotedFieldsAndKeepsLicence() throws IOException {
        Files.writeString(dir.resolve("manifest.csv"), """
                path,label,use,group,source,original_label,seconds,license
                impact/a.wav,impact,train,g1,src,door,0.6,"not stated, (DCASE)"
                background/b.wav,background,train,g2,src,noise,1.0,MIT
                """);
        DatasetManifest m = DatasetManifest.read(dir);
        assertEquals(2, m.clips().size());
        assertEquals("not stated, (DCASE)", m.clips().get(0).license());
        assertEquals(dir.resolve("impact/a.wav"), m.clips().get(0).file());
        assertEquals("impact/a.wav", m.clips().get(0).path());
        assertEquals("door", m.clips().get(0).originalLabel());
        assertEquals(64, m.sha256().length());
    }

    @Test
    void originalLabelIsOptional() throws IOException {
        Files.writeString(dir.resolve("manifest.csv"), "path,label,use,group\na.wav,impact,train,g\n");
        ClipEntry clip = DatasetManifest.read(dir).clips().get(0);
        assertEquals("", clip.originalLabel());
        assertEquals("", clip.source());
    }

    @Test
    void rejectsPathsThatLeaveTheDatasetFolderNamingTheLine() throws IOException {
        String absoluteOutside = dir.resolveSibling("x.wav").toString();
        for (String path : List.of("../outside.wav", "impact/../../outside.wav", absoluteOutside)) {
            Files.writeString(dir.resolve("manifest.csv"),
                    "path,label,use,group\nimpact/../a.wav,impact,train,g\n" + path + ",impact,train,g\n");
            IOException e = assertThrows(IOException.class, () -> DatasetManifest.read(dir), path);
            assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("leaves the dataset folder")
                    && e.getMessage().contains(path), e.getMessage());
        }
    }

    @Test
    void rejectsUnknownLabelNamingTheLine() throws IOException {
        Files.writeString(dir.resolve("manifest.csv"), "path,label,use,group\na.wav,impact,train,g\nb.wav,scream,train,g\n");
        IOException e = assertThrows(IOException.class, () -> DatasetManifest.read(dir));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("scream"), e.getMessage());
    }

    @Test
    void rejectsMissingColumnAndMissingFile() throws IOException {
        assertThrows(IOException.class, () -> DatasetManifest.read(dir));
        Files.writeString(dir.resolve("manifest.csv"), "path,label\na.wav,impact\n");
        IOException e = assertThrows(IOException.class, () -> DatasetManifest.read(dir));
        assertTrue(e.getMessage().contains("group"), e.getMessage());
    }

    @Test
    void splitNeverDividesAGroupAndKeepsAugmentInTraining() {
        List<ClipEntry> clips = new java.util.ArrayList<>();
        for (int g = 0; g < 40; g++) {
            for (int k = 0; k < 3; k++) {
                String label = g % 4 == 0 ? "background" : List.of("shout", "glass_break", "impact").get(g % 3);
                String path = g + "-" + k + ".wav";
                clips.add(new ClipEntry(Path.of(path), path, label, "train", "g" + g, "", "", ""));
            }
        }
        clips.add(new ClipEntry(Path.of("fx.wav"), "fx.wav", "shout", "augment", "fx", "", "", ""));
        GroupSplit split = GroupSplit.of(clips, 0.25, 7);
        Set<String> trainGroups = new HashSet<>();
        split.train().forEach(c -> trainGroups.add(c.group()));
        split.validation().forEach(c -> assertFalse(trainGroups.contains(c.group()), "group split: " + c.group()));
        assertTrue(split.train().stream().anyMatch(c -> c.group().equals("fx")));
        assertFalse(split.validation().isEmpty());
        for (String label : List.of("shout", "glass_break", "impact", "background")) {
            assertTrue(split.validation().stream().anyMatch(c -> c.label().equals(label)), label);
        }
        assertEquals(split.validation(), GroupSplit.of(clips, 0.25, 7).validation(), "seeded split is reproducible");
    }

    @Test
    void foldsPartitionTheGroupsAndEachFoldHoldsSomeOfEveryLabel() {
        List<ClipEntry> clips = new java.util.ArrayList<>();
        for (int g = 0; g < 40; g++) {
            for (int k = 0; k < 3; k++) {
                String label = List.of("background", "shout", "glass_break", "impact").get(g % 4);
                String path = g + "-" + k + ".wav";
                clips.add(new ClipEntry(Path.of(path), path, label, "train", "g" + g, "", "", ""));
            }
        }
        // A group under two labels must still land in one fold only.
        clips.add(new ClipEntry(Path.of("both.wav"), "both.wav", "impact", "train", "g1", "", "", ""));
        clips.add(new ClipEntry(Path.of("fx.wav"), "fx.wav", "shout", "augment", "fx", "", "", ""));
        java.util.Map<String, Integer> foldOfClip = new java.util.HashMap<>();
        for (int f = 0; f < 4; f++) {
            GroupSplit split = GroupSplit.fold(clips, 4, f, 7);
            assertEquals(clips.size(), split.train().size() + split.validation().size());
            Set<String> trainGroups = new HashSet<>();
            split.train().forEach(c -> trainGroups.add(c.group()));
            split.validation().forEach(c -> assertFalse(trainGroups.contains(c.group()), "group split: " + c.group()));
            assertTrue(split.train().stream().anyMatch(c -> c.group().equals("fx")), "augment always trains");
            for (String label : List.of("shout", "glass_break", "impact", "background")) {
                long groups = split.validation().stream().filter(c -> c.label().equals(label)).map(ClipEntry::group)
                        .distinct().count();
                assertTrue(groups >= 2 && groups <= 3, "fold " + f + " holds " + groups + " of 10 " + label
                        + " groups");
            }
            for (ClipEntry c : split.validation()) {
                Integer before = foldOfClip.put(c.path(), f);
                assertEquals(null, before, c.path() + " held out by folds " + before + " and " + f);
            }
            assertEquals(split.validation(), GroupSplit.Spec.fold(4, f, 7).apply(clips).validation(), "seeded");
        }
        assertEquals(clips.size() - 1, foldOfClip.size(), "every field recording is held out by exactly one fold");
        assertEquals(GroupSplit.of(clips, 0.25, 7), GroupSplit.Spec.fraction(0.25, 7).apply(clips));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GroupSplit.Spec.fold(4, 4, 7));
        assertTrue(e.getMessage().contains("fold must be between 0 and 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GroupSplit.Spec.fold(1, 0, 7));
    }
}
