package org.earshot.train.head;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.SequentialBlock;
import org.earshot.dsp.FrontEndSpec;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.onnx.OnnxExporter;
import org.earshot.train.yamnet.YamnetImporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * YAMNet-256's pretrained backbone (about 130 k parameters, a quarter of a YAMNet-AudioSet window's cost) as an
 * ONNX file, for a cascade's screen: it takes the classifier input and gives the 256-d embedding as its output.
 */
final class ScreenBackbone {
    static final String INPUT = OnnxClassifier.INPUT_NAME;
    static final String EMBEDDING = OnnxExporter.OUTPUT_NAME;
    static final String FILE = "yamnet-256-backbone.onnx";

    private ScreenBackbone() {}

    /**
     * Writes the backbone to {@value #FILE} in a new temporary directory of its own, which the caller deletes with
     * {@link #delete}: DJL scans the whole directory a model is loaded from, and the shared temporary directory holds
     * other processes' files that may vanish during the scan.
     */
    static Path export(Path yamnetWeights) throws IOException {
        SequentialBlock backbone = YamnetImporter.backbone(yamnetWeights);
        Path dir = Files.createTempDirectory("earshot-screen-backbone");
        Path file = dir.resolve(FILE);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            backbone.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            OnnxExporter.export(backbone, new ai.djl.ndarray.types.Shape(1, 1, FrontEndSpec.MEL_BANDS,
                    FrontEndSpec.PATCH_FRAMES), file, false);
        } catch (IOException | RuntimeException e) {
            delete(file);
            throw e;
        }
        return file;
    }

    /** Deletes an exported backbone and its directory. */
    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }
}
