package org.earshot.train.eval;

import java.io.IOException;

/** A ground-truth CSV line that cannot be read; the message names the line number and the problem. */
public final class GroundTruthFormatException extends IOException {
    private final int lineNumber;

    public GroundTruthFormatException(int lineNumber, String problem) {
        super("line " + lineNumber + ": " + problem);
        this.lineNumber = lineNumber;
    }

    public int lineNumber() {
        return lineNumber;
    }
}
