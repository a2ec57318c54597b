package org.earshot.train;

import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.detect.FileDetector;
import org.earshot.detect.Labels;
import org.earshot.train.eval.ClipMetrics;
import org.earshot.train.eval.Event;
import org.earshot.train.eval.EventMetrics;

import java.util.List;

/**
 * Evaluation on real audio through the same detection path as {@code earshot detect}: clip-level metrics (a clip's
 * score for a class is its highest window score) and event-based metrics on streams.
 */
public final class Evaluation {
    private static final int CLASSES = Labels.CLASSES.size();

    /**
     * Event-based results of one stream, with what the level gate skipped and the recall of each source of reference
     * events (one entry, key "", when sources are unknown).
     */
    public record StreamReport(String name, double seconds, List<EventMetrics.ClassResult> results, long windows,
            long gatedWindows, List<EventMetrics.Recall> bySource) {}

    private Evaluation() {}

    /** Highest score of each class over the clip's windows (every window scored: the gate is off). */
    public static double[] clipScores(float[] samples, Classifier classifier, DetectorConfig config) {
        RecordingClassifier recorder = new RecordingClassifier(classifier);
        FileDetector.detect(samples, recorder, config.withGateEnabled(false));
        double[] max = new double[CLASSES];
        for (float[] row : recorder.rows()) {
            for (int c = 0; c < CLASSES; c++) {
                max[c] = Math.max(max[c], row[c]);
            }
        }
        return max;
    }

    public static List<ClipMetrics.ClassReport> clips(List<LoadedClip> clips, Classifier classifier,
            DetectorConfig config) {
        return clips(clips, clipScores(clips, classifier, config), config);
    }

    /** Each clip's highest window score per class, in the order of the clips. */
    public static double[][] clipScores(List<LoadedClip> clips, Classifier classifier, DetectorConfig config) {
        double[][] scores = new double[clips.size()][];
        for (int i = 0; i < clips.size(); i++) {
            scores[i] = clipScores(clips.get(i).samples(), classifier, config);
        }
        return scores;
    }

    /** Clip metrics from scores computed by {@link #clipScores(List, Classifier, DetectorConfig)}. */
    public static List<ClipMetrics.ClassReport> clips(List<LoadedClip> clips, double[][] scores,
            DetectorConfig config) {
        boolean[][] labels = new boolean[clips.size()][CLASSES];
        for (int i = 0; i < clips.size(); i++) {
            int c = Labels.indexOf(clips.get(i).entry().label());
            if (c >= 0) {
                labels[i][c] = true;
            }
        }
        double[] thresholds = new double[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            thresholds[c] = config.threshold(c);
        }
        return ClipMetrics.report(scores, labels, thresholds, Labels.CLASSES);
    }

    public static StreamReport stream(String name, float[] samples, List<Event> truth, Classifier classifier,
            DetectorConfig config) {
        return stream(name, new StreamGenerator.Stream(samples, truth), classifier, config);
    }

    public static StreamReport stream(String name, StreamGenerator.Stream stream, Classifier classifier,
            DetectorConfig config) {
        return stream(name, stream, classifier, config, EventMetrics.DEFAULT_COLLAR_SECONDS);
    }

    /** Event metrics with another onset collar than DCASE's 0.5 s: shows how much of the error is in the onsets. */
    public static StreamReport stream(String name, StreamGenerator.Stream stream, Classifier classifier,
            DetectorConfig config, double collarSeconds) {
        FileDetector.Result r = FileDetector.detect(stream.samples(), classifier, config);
        EventMetrics metrics = new EventMetrics(collarSeconds);
        List<Event> estimated = r.detections().stream().map(Event::of).toList();
        metrics.addRecording(stream.events(), estimated, r.audioSeconds());
        return new StreamReport(name, r.audioSeconds(), metrics.results(), r.windows(), r.gatedWindows(),
                metrics.recallBy(stream.events(), stream.sources(), estimated));
    }
}
