package io.kvstore.client;

import java.util.Objects;

/**
 * One change seen by a watch. Immutable (arrays are not copied on access: do not modify them).
 *
 * @param type what happened
 * @param path the znode that changed
 * @param revision the store revision of the change (events of one txn share it)
 * @param value the new value for CREATED and UPDATED, empty for DELETED
 * @param stat the znode's metadata after the change; {@code null} for DELETED
 * @param prevValue the value before the change for UPDATED and DELETED when asked for
 *     ({@link WatchOptions#prevValue}); {@code null} otherwise, or when the server omitted it (over its 16 MiB per
 *     revision bound)
 */
public record WatchEvent(Type type, String path, long revision, byte[] value, ZnodeStat stat, byte[] prevValue) {

    /** The kinds of change. */
    public enum Type { CREATED, UPDATED, DELETED }

    public WatchEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return type + " " + path + " @" + revision;
    }
}
