package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One log entry: immutable. {@code index} starts at 1; {@code term} is the leader's term when it was appended.
 *
 * @param index position in the log, 1-based
 * @param term term of the leader that created the entry
 * @param type what the entry carries
 * @param data the state machine command (empty for {@link Type#NOOP})
 */
public record Entry(long index, long term, Type type, ByteString data) {

    /** What an entry carries. New types are appended, never reordered: the ordinal is written to disk. */
    public enum Type {
        /** A leader's first entry of its term: commits earlier terms' entries (Raft §5.4.2). */
        NOOP,
        /** A state machine command. */
        COMMAND,
        /** A new {@link Membership}, in force on each member as soon as it is in that member's log. */
        CONFIG
    }

    public Entry {
        if (index < 1) {
            throw new IllegalArgumentException("index must be >= 1: " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("term must be >= 1: " + term);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** Bytes this entry occupies in flow-control accounting: payload plus a fixed header estimate. */
    public long sizeBytes() {
        return data.size() + 24L;
    }
}
