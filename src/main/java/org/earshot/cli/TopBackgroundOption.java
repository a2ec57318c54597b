package org.earshot.cli;

import picocli.CommandLine.Option;

/**
 * The {@code --top-background N} option of the evaluation commands: also list, per class, the N background clips
 * that score highest (the likeliest false alarms, the recordings that set the thresholds).
 */
final class TopBackgroundOption {
    @Option(names = "--top-background", paramLabel = "N", description = "Also list, per class, the N background "
            + "clips that score highest: the likeliest false alarms (default: ${DEFAULT-VALUE})")
    int topBackground;

    /** N, checked: 0 lists nothing. */
    int count() {
        if (topBackground < 0) {
            throw new BadInputException("--top-background must be >= 0, got " + topBackground);
        }
        return topBackground;
    }
}
