package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import com.google.protobuf.Message;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.SessionCloseResponse;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.store.command.CommandResult;
import java.util.Objects;

/**
 * The outcome of one write command: what {@link KvStateMachine#apply} returns for a COMMAND entry. Expected
 * failures (not found, version mismatch, ...) are {@link Failure} values, never exceptions. Immutable.
 */
public sealed interface WriteResult permits WriteResult.Success, Failure {

    /**
     * The write was applied (or, for a txn whose branch only reads, evaluated).
     *
     * @param revision store revision after the write; unchanged when nothing changed
     * @param response a {@link CreateResponse}, {@link PutResponse}, {@link DeleteResponse} or {@link TxnResponse},
     *     without header: the server adds it
     */
    record Success(long revision, Message response) implements WriteResult {
        public Success {
            Objects.requireNonNull(response, "response");
        }
    }

    /** Encodes for the exactly-once table. {@code revision} is the store revision after the command. */
    static CommandResult toProto(WriteResult result, long revision) {
        CommandResult.Builder b = CommandResult.newBuilder().setRevision(revision);
        if (result instanceof Failure f) {
            b.getFailureBuilder().setCode(f.code().name()).setMessage(f.message())
                    .setCurrentVersion(f.currentVersion()).setOpIndex(f.opIndex());
        } else {
            Message r = ((Success) result).response();
            if (r instanceof CreateResponse c) {
                b.setCreate(c);
            } else if (r instanceof PutResponse p) {
                b.setPut(p);
            } else if (r instanceof DeleteResponse d) {
                b.setDelete(d);
            } else if (r instanceof TxnResponse t) {
                b.setTxn(t);
            } else if (r instanceof SessionOpenResponse o) {
                b.setOpenSession(o);
            } else if (r instanceof SessionCloseResponse c) {
                b.setCloseSession(c);
            } else if (r instanceof io.kvstore.store.command.AuthChanged a) {
                b.setAuthChanged(a);
            } else {
                throw new IllegalStateException("unexpected response type " + r.getClass());
            }
        }
        return b.build();
    }

    /** Decodes what {@link #toProto} wrote. */
    static WriteResult fromProto(CommandResult proto) {
        return switch (proto.getOutcomeCase()) {
            case FAILURE -> new Failure(ErrorCode.valueOf(proto.getFailure().getCode()), proto.getFailure().getMessage(),
                    proto.getFailure().getCurrentVersion(), proto.getFailure().getOpIndex());
            case CREATE -> new Success(proto.getRevision(), proto.getCreate());
            case PUT -> new Success(proto.getRevision(), proto.getPut());
            case DELETE -> new Success(proto.getRevision(), proto.getDelete());
            case TXN -> new Success(proto.getRevision(), proto.getTxn());
            case OPEN_SESSION -> new Success(proto.getRevision(), proto.getOpenSession());
            case CLOSE_SESSION -> new Success(proto.getRevision(), proto.getCloseSession());
            case AUTH_CHANGED -> new Success(proto.getRevision(), proto.getAuthChanged());
            case OUTCOME_NOT_SET -> throw new IllegalStateException("stored result without outcome: " + proto);
        };
    }
}
