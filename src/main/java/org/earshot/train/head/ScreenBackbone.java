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

    private ScreenBackbone() {}

    /** Writes the backbone to a temporary file, which the caller deletes. */
    static Path export(Path yamnetWeights) throws IOException {
        SequentialBlock backbone = YamnetImporter.backbone(yamnetWeights);
        Path file = Files.createTempFile("earshot-screen-backbone", ".onnx");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            backbone.initialize(manager, DataType.FLOAT32, YamnetImporter.inputShape(1));
            OnnxExporter.export(backbone, new ai.djl.ndarray.types.Shape(1, 1, FrontEndSpec.MEL_BANDS,
                    FrontEndSpec.PATCH_FRAMES), file, false);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }
}
