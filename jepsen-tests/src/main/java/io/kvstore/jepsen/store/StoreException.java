package io.kvstore.jepsen.store;

/**
 * A failed store call, already classified the way the history needs it: {@link #definitelyNotApplied()} when the
 * store refused the request (it took no effect: recorded {@code fail}), otherwise its outcome is unknown (timeout,
 * lost connection, server error: recorded {@code info}). Reads are recorded {@code fail} either way.
 */
public final class StoreException extends RuntimeException {
    private final boolean definitelyNotApplied;
    private final String error;

    /**
     * @param error a short reason for the history, for example "unavailable" or "VERSION_MISMATCH"
     */
    public StoreException(boolean definitelyNotApplied, String error, Throwable cause) {
        super(error, cause);
        this.definitelyNotApplied = definitelyNotApplied;
        this.error = error;
    }

    public boolean definitelyNotApplied() {
        return definitelyNotApplied;
    }

    public String error() {
        return error;
    }
}
