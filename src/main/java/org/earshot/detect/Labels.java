package org.earshot.detect;

import java.util.List;

/** The event classes of DESIGN.md, in the order of the network's outputs. Everything else is background. */
public final class Labels {
    public static final List<String> CLASSES = List.of("shout", "glass_break", "impact");
    public static final String BACKGROUND = "background";

    private Labels() {}

    /** Index of a class name, or -1 for background or an unknown name. */
    public static int indexOf(String label) {
        return CLASSES.indexOf(label);
    }
}
