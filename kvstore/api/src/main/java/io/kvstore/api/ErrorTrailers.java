package io.kvstore.api;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Optional;

/**
 * The trailers every kvstore error status carries, shared by server and client. Clients switch on
 * {@link #REASON} (an {@link ErrorCode} name, like {@code google.rpc.ErrorInfo.reason}), never on message text.
 */
public final class ErrorTrailers {
    /** The machine-readable reason: an {@link ErrorCode} name. */
    public static final Metadata.Key<String> REASON =
            Metadata.Key.of("kvstore-error-reason", Metadata.ASCII_STRING_MARSHALLER);

    /** For VERSION_MISMATCH: the znode's current version (0 when missing), in decimal. */
    public static final Metadata.Key<String> CURRENT_VERSION =
            Metadata.Key.of("kvstore-current-version", Metadata.ASCII_STRING_MARSHALLER);

    /** For a failed txn operation: its index in the branch, in decimal. */
    public static final Metadata.Key<String> OP_INDEX =
            Metadata.Key.of("kvstore-op-index", Metadata.ASCII_STRING_MARSHALLER);

    /** For NOT_LEADER (UNAVAILABLE): the leader's member id, when known. */
    public static final Metadata.Key<String> LEADER_ID =
            Metadata.Key.of("kvstore-leader-id", Metadata.ASCII_STRING_MARSHALLER);

    /** For NOT_LEADER (UNAVAILABLE): the leader's client address (host:port), when known. */
    public static final Metadata.Key<String> LEADER_ADDRESS =
            Metadata.Key.of("kvstore-leader-address", Metadata.ASCII_STRING_MARSHALLER);

    private ErrorTrailers() {
    }

    /** The reason carried by {@code trailers}, if it names a known code (older servers may send newer codes). */
    public static Optional<ErrorCode> reason(Metadata trailers) {
        if (trailers == null || trailers.get(REASON) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ErrorCode.valueOf(trailers.get(REASON)));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }

    /** The reason of a failed call's status, via {@link Status#trailersFromThrowable}. */
    public static Optional<ErrorCode> reason(Throwable error) {
        return reason(Status.trailersFromThrowable(error));
    }
}
