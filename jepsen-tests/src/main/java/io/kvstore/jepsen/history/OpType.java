package io.kvstore.jepsen.history;

/** The kind of event an {@link Op} records. */
public enum OpType {
    /** A client sent the operation. */
    INVOKE,
    /** The operation took effect; the completion carries its result (for example the value a read returned). */
    OK,
    /** The operation definitely did not take effect (for example a rejected compare-and-set). */
    FAIL,
    /**
     * The outcome is unknown (timeout, lost connection, crash): the operation may take effect at any time after its
     * invocation, or never.
     */
    INFO;

    /** The lower-case name used in JSON lines. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a {@link #jsonName()}; throws {@link IllegalArgumentException} for anything else. */
    public static OpType fromJsonName(String name) {
        for (OpType t : values()) {
            if (t.jsonName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown op type: " + name);
    }

    /** True for OK, FAIL and INFO. */
    public boolean isCompletion() {
        return this != INVOKE;
    }
}
