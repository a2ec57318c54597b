package org.earshot.audio;

import java.io.IOException;

/**
 * An audio file or stream that cannot be decoded: not the expected container, an unsupported encoding, inconsistent
 * header fields or truncated data. The message names the source and the problem so that an operator can fix the
 * file without reading code.
 */
public class AudioFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public AudioFormatException(String source, String problem) {
        super(source + ": " + problem);
    }
}
