package io.kvstore.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One znode as read: its path, value and stat, and the store revision the read reflects. Immutable: the value is
 * copied in and out.
 *
 * @param path the absolute path
 * @param value the data (never null; empty for a znode without data)
 * @param stat the znode's metadata
 * @param revision the store revision the read was served at
 */
public record Znode(String path, byte[] value, ZnodeStat stat, long revision) {
    public Znode {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(stat, "stat");
        value = value.clone();
    }

    /** A copy of the data. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /** The data decoded as UTF-8 (malformed bytes become U+FFFD). */
    public String valueUtf8() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Znode z && path.equals(z.path) && Arrays.equals(value, z.value) && stat.equals(z.stat)
                && revision == z.revision;
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, Arrays.hashCode(value), stat, revision);
    }

    @Override
    public String toString() {
        return "Znode[path=" + path + ", valueBytes=" + value.length + ", stat=" + stat + ", revision=" + revision
                + "]";
    }
}
