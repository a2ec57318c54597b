package org.earshot.api;

import java.util.List;

/** One page of results; {@code nextCursor} is the {@code afterSeq} for the next page, null when there is no more. */
public record Page<T>(List<T> items, Long nextCursor) {
    public Page {
        items = List.copyOf(items);
    }
}
