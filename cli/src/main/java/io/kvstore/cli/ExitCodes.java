package io.kvstore.cli;

/** kvctl's exit codes; listed in {@code kvctl --help}. Scripts branch on them, so they never change meaning. */
final class ExitCodes {
    static final int OK = 0;
    /** Anything not below: an internal server error, an unexpected failure. */
    static final int ERROR = 1;
    /** Bad usage or input: unknown option, malformed txn, invalid path, value too large. */
    static final int USAGE = 2;
    /** A znode, or a member (kvctl member ...), does not exist. */
    static final int NOT_FOUND = 3;
    /** Version mismatch, already exists, has children, parent missing; member exists, learner behind, transfer
     *  failed, not a voter, last voter. */
    static final int PRECONDITION = 4;
    /** No member or leader answered within --timeout. */
    static final int UNAVAILABLE = 5;
    /** Auth: not authenticated (no or bad credentials, expired token) or not permitted. */
    static final int DENIED = 6;
    /** Interrupted by Ctrl-C (128 + SIGINT, what the JVM exits with): the normal end of watch and create --hold. */
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
