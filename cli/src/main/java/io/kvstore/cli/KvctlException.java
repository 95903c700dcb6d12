package io.kvstore.cli;

/** A failure kvctl itself detected, with the exit code it maps to (from {@link ExitCodes}) and a one-line message. */
final class KvctlException extends RuntimeException {
    final int exitCode;

    KvctlException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    KvctlException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A gRPC failure of a call kvctl made without KvClient (Maintenance): UNAVAILABLE and deadlines exit 5. */
    static KvctlException ofGrpc(String endpoint, io.grpc.StatusRuntimeException e) {
        io.grpc.Status.Code code = e.getStatus().getCode();
        boolean unavailable = code == io.grpc.Status.Code.UNAVAILABLE || code == io.grpc.Status.Code.DEADLINE_EXCEEDED;
        String why = e.getStatus().getDescription() == null ? code.name() : code + ": "
                + e.getStatus().getDescription();
        if (code == io.grpc.Status.Code.UNIMPLEMENTED) {
            why = "the member does not offer this call (an older kvserver?)";
        }
        return new KvctlException(unavailable ? ExitCodes.UNAVAILABLE : ExitCodes.ERROR,
                (unavailable ? "unavailable: " : "error: ") + endpoint + ": " + why, e);
    }
}
