package io.kvstore.client;

import io.kvstore.api.ErrorCode;

/**
 * The store is not in a state that allows the request; it will keep failing until that state changes (gRPC
 * FAILED_PRECONDITION). {@link #reason()} says which: {@link ErrorCode#PARENT_NOT_FOUND} (create the parent, or
 * use make-parents), {@link ErrorCode#HAS_CHILDREN} (delete recursively), {@link ErrorCode#SUBTREE_TOO_LARGE}
 * (delete the subtree in parts) or {@link ErrorCode#STALE_SEQUENCE} (a client bug: report it); from
 * {@link ClusterAdmin}: {@link ErrorCode#LEARNER_BEHIND} (wait for the learner to catch up, then retry),
 * {@link ErrorCode#TRANSFER_FAILED} (the target could not take over; the old leader still leads),
 * {@link ErrorCode#NOT_VOTER} (transfer to a learner) or {@link ErrorCode#LAST_VOTER}. Nothing was written.
 */
public final class KvPreconditionException extends KvException {
    /** See {@link KvException#KvException(String, ErrorCode, int, Throwable)}. */
    public KvPreconditionException(String message, ErrorCode reason, int opIndex, Throwable cause) {
        super(message, reason, opIndex, cause);
    }
}
