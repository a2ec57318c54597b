package org.earshot.train.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.earshot.model.ModelDirectory;
import org.earshot.train.nn.Layers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class OnnxExporterTest {
    @TempDir
    Path tmp;

    @Test
    void rejectsABlockTypeOutsideTheExportableSetNamingIt() {
        SequentialBlock net = new SequentialBlock().add(Layers.relu()).add(LayerNorm.builder().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> toProto(net));
        assertTrue(e.getMessage().contains("LayerNorm"), e.getMessage());
        assertTrue(e.getMessage().contains("net/02LayerNorm"), e.getMessage());
    }

    @Test
    void rejectsALambdaBlockWithAnUnknownName() {
        SequentialBlock net = new SequentialBlock().add(LambdaBlock.singleton(x -> x.neg(), "negate"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> toProto(net));
        assertTrue(e.getMessage().contains("'negate'"), e.getMessage());
    }

    @Test
    void rejectsAnUninitialisedBlock() {
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> toProto(net));
        assertTrue(e.getMessage().contains("not initialised"), e.getMessage());
    }

    @Test
    void rejectsALinearLayerOnAFeatureMap() {
        SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(3).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> toProto(net));
        assertTrue(e.getMessage().contains("rank-2"), e.getMessage());
    }

    @Test
    void rejectsAnInputShapeThatIsNotNchw() {
        assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toModelProto(
                new SequentialBlock(), new Shape(64, 96), false, "", Map.of()));
    }

    @Test
    void writesTheFileAtomicallyLeavingNoTemporaryFile() throws Exception {
        Path out = tmp.resolve("m").resolve(ModelDirectory.MODEL_FILE);
        try (Model model = TestNetworks.train(TestNetworks.flattenHead(3), 3, 0, 1)) {
            OnnxExporter.export(model.getBlock(), TestNetworks.INPUT_SHAPE, out, true, "test", Map.of("labels", "a,b,c"));
        }
        assertTrue(Files.size(out) > 0);
        try (var files = Files.list(out.getParent())) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
        }
    }

    private static byte[] toProto(SequentialBlock net) {
        return OnnxExporter.toModelProto(net, TestNetworks.INPUT_SHAPE, false, "", Map.of());
    }
}
