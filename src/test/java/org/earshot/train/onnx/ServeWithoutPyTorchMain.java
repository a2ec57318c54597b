package org.earshot.train.onnx;

import ai.djl.engine.Engine;
import org.earshot.model.OnnxClassifier;

import java.nio.file.Path;
import java.util.Random;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Run in a child JVM whose class path lacks every PyTorch jar: reports which engines it sees, then scores
 * deterministic random patches with {@link OnnxClassifier}. Arguments: model directory, seed, patch count.
 */
public final class ServeWithoutPyTorchMain {
    private ServeWithoutPyTorchMain() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        System.out.println("pytorch-classes=" + isPresent("ai.djl.pytorch.engine.PtEngine"));
        System.out.println("engines=" + new TreeSet<>(Engine.getAllEngines()));
        try (OnnxClassifier classifier = OnnxClassifier.load(dir)) {
            for (float[] row : classifier.classify(TestNetworks.randomPatches(new Random(seed), count))) {
                StringJoiner line = new StringJoiner(",", "scores=", "");
                for (float v : row) {
                    line.add(Float.toString(v));
                }
                System.out.println(line);
            }
        }
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, ServeWithoutPyTorchMain.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
