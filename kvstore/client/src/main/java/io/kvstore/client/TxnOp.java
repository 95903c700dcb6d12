package io.kvstore.client;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.PutRequest;
import java.util.Objects;

/**
 * One operation of a {@link Txn} branch. Operations run in order and each sees the effects of the ones before it;
 * if one fails, nothing of the txn is applied and the {@link KvException} names it in {@link KvException#opIndex()}.
 * Immutable; made by the static factories.
 */
public final class TxnOp {
    /** What the operation does; matches the {@link TxnOpResult} it produces. */
    public enum Kind { CREATE, PUT, DELETE, GET }

    private final io.kvstore.api.v1.TxnOp proto;

    private TxnOp(io.kvstore.api.v1.TxnOp proto) {
        this.proto = proto;
    }

    /** Reads a znode; a missing one yields an empty {@link TxnOpResult.Got}, not a failure. */
    public static TxnOp get(String path) {
        return new TxnOp(io.kvstore.api.v1.TxnOp.newBuilder()
                .setGet(GetRequest.newBuilder().setPath(checked(path))).build());
    }

    /** An unconditional put. */
    public static TxnOp put(String path, byte[] value) {
        return put(path, value, PutOptions.DEFAULT);
    }

    /** A put with options (expected version, make parents). */
    public static TxnOp put(String path, byte[] value, PutOptions options) {
        PutRequest.Builder put = PutRequest.newBuilder().setPath(checked(path)).setValue(ByteString.copyFrom(value))
                .setMakeParents(options.makeParents());
        if (options.expectedVersion() != PutOptions.ANY_VERSION) {
            put.setExpectedVersion(options.expectedVersion());
        }
        return new TxnOp(io.kvstore.api.v1.TxnOp.newBuilder().setPut(put).build());
    }

    /** A create; fails the txn with {@link KvAlreadyExistsException} when the znode exists. */
    public static TxnOp create(String path, byte[] value) {
        return create(path, value, CreateOptions.DEFAULT);
    }

    /** A create with options. */
    public static TxnOp create(String path, byte[] value, CreateOptions options) {
        return new TxnOp(io.kvstore.api.v1.TxnOp.newBuilder().setCreate(CreateRequest.newBuilder()
                .setPath(checked(path)).setValue(ByteString.copyFrom(value)).setMakeParents(options.makeParents()))
                .build());
    }

    /** A delete of a znode without children. */
    public static TxnOp delete(String path) {
        return delete(path, DeleteOptions.DEFAULT);
    }

    /** A delete with options (expected version, recursive). */
    public static TxnOp delete(String path, DeleteOptions options) {
        DeleteRequest.Builder delete = DeleteRequest.newBuilder().setPath(checked(path))
                .setRecursive(options.recursive());
        if (options.expectedVersion() != PutOptions.ANY_VERSION) {
            delete.setExpectedVersion(options.expectedVersion());
        }
        return new TxnOp(io.kvstore.api.v1.TxnOp.newBuilder().setDelete(delete).build());
    }

    /** What the operation does. */
    public Kind kind() {
        return switch (proto.getOpCase()) {
            case CREATE -> Kind.CREATE;
            case PUT -> Kind.PUT;
            case DELETE -> Kind.DELETE;
            case GET -> Kind.GET;
            case OP_NOT_SET -> throw new IllegalStateException("unreachable: factories always set the op");
        };
    }

    /** The path the operation is on. */
    public String path() {
        return switch (proto.getOpCase()) {
            case CREATE -> proto.getCreate().getPath();
            case PUT -> proto.getPut().getPath();
            case DELETE -> proto.getDelete().getPath();
            case GET -> proto.getGet().getPath();
            case OP_NOT_SET -> throw new IllegalStateException("unreachable: factories always set the op");
        };
    }

    io.kvstore.api.v1.TxnOp toProto() {
        return proto;
    }

    private static String checked(String path) {
        return Objects.requireNonNull(path, "path");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TxnOp op && proto.equals(op.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return "TxnOp[" + kind() + " " + path() + "]";
    }
}
