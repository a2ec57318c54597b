import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.model.ModelManifest;
import org.earshot.model.OnnxClassifier;
import org.earshot.train.CrossValidation;
import org.earshot.train.DatasetManifest;
import org.earshot.train.GroupSplit;
import org.earshot.train.ValidationData;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.eval.EventMetrics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does averaging two recipes help? Given the fold models of two cross-validations of the same partition (the WORK
 * folders of two bench/cross-validate.sh runs, each holding fold-0 ... fold-K-1), judges each fold with each recipe
 * alone and with the mean of the two recipes' probabilities, window by window (an ensemble: twice the network cost).
 * Each fold is scored by models that never trained on it; thresholds are nested (chosen on the other folds at
 * 1 false alarm per hour, the rule of earshot evaluate cross-validation), so the lines compare like with like.
 *
 * <p>Run by bench/ensemble-cv.sh: java -cp target/earshot-run.jar bench/EnsembleCrossValidation.java DATASET K A B
 */
public class EnsembleCrossValidation {
    /** Both members' scores of every call, kept in call order and replayed for the next way of combining them. */
    static final class Members implements Classifier {
        final Classifier a;
        final Classifier b;
        final List<float[][]> scoresA = new ArrayList<>();
        final List<float[][]> scoresB = new ArrayList<>();
        /** A hash of each call's patches: a replay must see the same windows in the same order. */
        final List<Integer> patchHashes = new ArrayList<>();
        int next;
        int mode;

        Members(Classifier a, Classifier b) {
            this.a = a;
            this.b = b;
        }

        /** 0: the first recipe alone, 1: the second alone, 2: the mean of both. Restarts the replay. */
        Members mode(int mode) {
            this.mode = mode;
            this.next = 0;
            return this;
        }

        @Override
        public float[][] classify(float[][] patches) {
            int hash = Arrays.deepHashCode(patches);
            if (next == scoresA.size()) {
                scoresA.add(a.classify(patches));
                scoresB.add(b.classify(patches));
                patchHashes.add(hash);
            }
            if (patchHashes.get(next) != hash) {
                throw new IllegalStateException("call " + next + " scores other windows than the recorded call");
            }
            float[][] x = scoresA.get(next);
            float[][] y = scoresB.get(next);
            next++;
            float[][] out = new float[x.length][];
            for (int i = 0; i < x.length; i++) {
                out[i] = new float[x[i].length];
                for (int c = 0; c < x[i].length; c++) {
                    out[i][c] = mode == 0 ? x[i][c] : mode == 1 ? y[i][c] : (x[i][c] + y[i][c]) / 2;
                }
            }
            return out;
        }

        @Override
        public void close() {}
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: EnsembleCrossValidation DATASET K WORK_A WORK_B");
            System.exit(2);
        }
        Path data = Path.of(args[0]);
        int k = Integer.parseInt(args[1]);
        Path[] work = {Path.of(args[2]), Path.of(args[3])};
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(0, args[2] + " alone");
        names.put(1, args[3] + " alone");
        names.put(2, "mean of the two");

        List<ValidationData> foldData = new ArrayList<>();
        List<Members> members = new ArrayList<>();
        List<OnnxClassifier> open = new ArrayList<>();
        long seed = 0;
        String datasetSha = DatasetManifest.read(data).sha256();
        for (int fold = 0; fold < k; fold++) {
            ModelManifest[] m = new ModelManifest[2];
            for (int r = 0; r < 2; r++) {
                m[r] = ModelManifest.read(work[r].resolve("fold-" + fold));
                if (!datasetSha.equals(m[r].training.datasetManifestSha256())) {
                    throw new IllegalArgumentException(work[r].resolve("fold-" + fold) + " was trained on another "
                            + "dataset manifest than " + data);
                }
                if (m[r].training.folds() != k || m[r].training.fold() != fold) {
                    throw new IllegalArgumentException(work[r].resolve("fold-" + fold) + " is not fold " + fold
                            + " of " + k);
                }
            }
            if (m[0].training.seed() != m[1].training.seed()) {
                throw new IllegalArgumentException("fold " + fold + ": the two recipes split with other seeds");
            }
            seed = m[0].training.seed();
            foldData.add(ValidationData.load(data, GroupSplit.Spec.fold(k, fold, seed), 2));
            OnnxClassifier a = OnnxClassifier.load(work[0].resolve("fold-" + fold));
            OnnxClassifier b = OnnxClassifier.load(work[1].resolve("fold-" + fold));
            open.add(a);
            open.add(b);
            members.add(new Members(a, b));
        }
        System.out.printf(Locale.ROOT, "%d-fold cross-validation of %s (seed %d): each fold judged at thresholds "
                + "chosen on the other folds (at most 1 false alarm per hour on their background)%n", k, data, seed);
        System.out.println("recipe | event F1 at -6 / 0 / +6 dB (shout glass_break impact) | background false alarms "
                + "per hour | clip ROC AUC");
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            List<CrossValidation.Fold> folds = new ArrayList<>();
            for (int fold = 0; fold < k; fold++) {
                folds.add(CrossValidation.Fold.score(e.getValue(), fold, foldData.get(fold),
                        members.get(fold).mode(e.getKey()), seed));
            }
            CrossValidation cv = new CrossValidation(folds);
            List<DetectorConfig> nested = cv.nestedThresholds(1.0);
            StringBuilder line = new StringBuilder(e.getValue());
            for (int r = 0; r < ValidationData.STREAM_RATIOS_DB.length; r++) {
                line.append(r == 0 ? " |" : " /");
                for (EventMetrics.ClassResult c : cv.pooled("", r, nested, EventMetrics.DEFAULT_COLLAR_SECONDS)
                        .results()) {
                    line.append(String.format(Locale.ROOT, " %.3f", c.f1()));
                }
            }
            line.append(" |");
            for (EventMetrics.ClassResult c : cv.pooled("", -1, nested, EventMetrics.DEFAULT_COLLAR_SECONDS)
                    .results()) {
                line.append(String.format(Locale.ROOT, " %.1f", c.falseAlarmsPerHour()));
            }
            line.append(" |");
            for (ClipMetrics.ClassReport c : cv.clips(nested.get(0))) {
                line.append(String.format(Locale.ROOT, " %.3f", c.rocAuc()));
            }
            System.out.println(line);
            for (int fold = 0; fold < k; fold++) {
                DetectorConfig t = nested.get(fold);
                System.out.printf(Locale.ROOT, "   fold %d thresholds %.3f %.3f %.3f%n", fold, t.threshold(0),
                        t.threshold(1), t.threshold(2));
            }
        }
        for (OnnxClassifier c : open) {
            c.close();
        }
    }
}
