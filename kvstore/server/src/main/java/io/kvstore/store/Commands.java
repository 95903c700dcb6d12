package io.kvstore.store;

import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.store.command.Command;

/**
 * Builds the replicated {@link Command} for a client's write: the request's header becomes the command's
 * client id and sequence, and is cleared from the nested request. Call after {@link RequestValidator}.
 * Thread-safe.
 */
public final class Commands {

    private Commands() {
    }

    /** The command for a Create. */
    public static Command of(CreateRequest request) {
        return identity(request.getHeader()).setCreate(request.toBuilder().clearHeader()).build();
    }

    /** The command for a Put. */
    public static Command of(PutRequest request) {
        return identity(request.getHeader()).setPut(request.toBuilder().clearHeader()).build();
    }

    /** The command for a Delete. */
    public static Command of(DeleteRequest request) {
        return identity(request.getHeader()).setDelete(request.toBuilder().clearHeader()).build();
    }

    /** The command for a Txn. */
    public static Command of(TxnRequest request) {
        return identity(request.getHeader()).setTxn(request.toBuilder().clearHeader()).build();
    }

    /**
     * The user making the current gRPC call, for Command.caller: the authenticated user (on the leader, a forwarded
     * call's user is the one the follower named); "" when auth is off or a member acts for itself.
     */
    public static String caller() {
        io.kvstore.auth.Caller caller = io.kvstore.auth.AuthInterceptor.CALLER.get();
        return caller == null || caller.member() ? "" : caller.name();
    }

    private static Command.Builder identity(RequestHeader header) {
        Command.Builder command = Command.newBuilder().setClientId(header.getClientId())
                .setSequence(header.getSequence()).setCaller(caller());
        if (header.hasFence()) {
            command.setFence(header.getFence());
        }
        return command;
    }
}
