package org.earshot.train.yamnet;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared/models} (the weights are not in the repository): {@code EARSHOT_SHARED_MODELS} if set,
 * else {@code ../shared/models} next to the repository root (the tests' working directory). Tests skip, saying why,
 * when the default location is absent, and fail when an explicitly configured one is.
 */
public final class SharedModels {
    private SharedModels() {}

    public static Path dir() {
        String configured = System.getenv("EARSHOT_SHARED_MODELS");
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            assertTrue(Files.isDirectory(dir.resolve("yamnet-256")),
                    "EARSHOT_SHARED_MODELS=" + configured + " has no yamnet-256 folder");
            return dir;
        }
        Path dir = Path.of("").toAbsolutePath().resolve("../shared/models").normalize();
        assumeTrue(Files.isDirectory(dir.resolve("yamnet-256")),
                "YAMNet-256 models not found at " + dir + " (set EARSHOT_SHARED_MODELS): skipping");
        return dir;
    }

    public static Path backbone() {
        return dir().resolve("yamnet-256/yamnet_256_f32_backbone.h5");
    }

    /** YAMNet-AudioSet as ONNX (patch in, AudioSet scores and embedding out). */
    public static Path audioset() {
        return dir().resolve("yamnet-audioset/yamnet_patch.onnx");
    }

    static Path fsd50k() {
        return dir().resolve("yamnet-256/fsd50k-5class/yamnet_256_64x96_tl.h5");
    }
}
