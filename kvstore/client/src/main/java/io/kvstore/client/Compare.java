package io.kvstore.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One condition of a {@link Txn}, on one znode. For a missing znode, exists is false, version and revisions are 0,
 * and every value compare is false. Immutable; made by the static factories.
 */
public final class Compare {
    private final io.kvstore.api.v1.Compare proto;

    private Compare(io.kvstore.api.v1.Compare proto) {
        this.proto = proto;
    }

    /** The znode at {@code path} exists. */
    public static Compare exists(String path) {
        return new Compare(on(path, CompareOp.EQUAL).setExists(true).build());
    }

    /** The znode at {@code path} does not exist. */
    public static Compare notExists(String path) {
        return new Compare(on(path, CompareOp.EQUAL).setExists(false).build());
    }

    /** The znode's version {@code op} {@code version} (0 for a missing znode). */
    public static Compare version(String path, CompareOp op, long version) {
        return new Compare(on(path, op).setVersion(version).build());
    }

    /** The znode's mod revision {@code op} {@code revision}. */
    public static Compare modRevision(String path, CompareOp op, long revision) {
        return new Compare(on(path, op).setModRevision(revision).build());
    }

    /** The znode's create revision {@code op} {@code revision}. */
    public static Compare createRevision(String path, CompareOp op, long revision) {
        return new Compare(on(path, op).setCreateRevision(revision).build());
    }

    /** The znode's value {@code op} {@code value}, in unsigned lexicographic byte order. */
    public static Compare value(String path, CompareOp op, byte[] value) {
        return new Compare(on(path, op).setValue(ByteString.copyFrom(value)).build());
    }

    /** The path this condition is on. */
    public String path() {
        return proto.getPath();
    }

    io.kvstore.api.v1.Compare toProto() {
        return proto;
    }

    private static io.kvstore.api.v1.Compare.Builder on(String path, CompareOp op) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(op, "op");
        return io.kvstore.api.v1.Compare.newBuilder().setPath(path)
                .setOp(io.kvstore.api.v1.Compare.Op.valueOf(op.name()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Compare c && proto.equals(c.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return "Compare[" + proto.toString().replace('\n', ' ').trim() + "]";
    }
}
