package io.kvstore.store;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.Stat;
import java.util.Objects;

/**
 * One znode as read from the store. Immutable.
 *
 * @param path where it is
 * @param stat its metadata
 * @param data its value
 */
public record Znode(ZPath path, Stat stat, ByteString data) {
    public Znode {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(stat, "stat");
        Objects.requireNonNull(data, "data");
    }
}
