package org.earshot.journal;

import java.io.IOException;

/**
 * The journal is held open by another process (its lock file is locked): for a standby journal writer, the sign that
 * the active one still runs.
 */
public final class JournalLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    JournalLockedException(String message) {
        super(message);
    }
}
