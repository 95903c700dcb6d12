package io.kvstore.jepsen.history;

import java.util.regex.Pattern;

/**
 * The function an operation calls (Jepsen's {@code :f}). An open set: the constants below are the ones the
 * checkers in this module understand, and a workload may record any other lower-case name.
 *
 * <p>Values by function (the {@link Op#value()} list):
 * <ul>
 *   <li>{@link #READ}: invocation {@code []}; OK completion {@code [v]}, or {@code []} when the key is absent.
 *   <li>{@link #WRITE}: {@code [v]} on invocation and completion.
 *   <li>{@link #CAS}: {@code [expected, new]} on invocation and completion; FAIL when the current value was not
 *       {@code expected} (so it did not take effect).
 *   <li>{@link #ADD}: {@code [element]}.
 *   <li>{@link #READ_SET}: invocation {@code []}; OK completion lists every element of the set.
 * </ul>
 *
 * @param name lower-case letters, digits and underscores, starting with a letter
 */
public record Fn(String name) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public static final Fn READ = new Fn("read");
    public static final Fn WRITE = new Fn("write");
    public static final Fn CAS = new Fn("cas");
    public static final Fn ADD = new Fn("add");
    public static final Fn READ_SET = new Fn("read_set");
    /** Watch workload: invocation {@code [next revision]}, completion {@code [rev1, v1, rev2, v2, ...]} delivered. */
    public static final Fn WATCH = new Fn("watch");
    /** Watch workload: the committed history by a fresh watch from revision 1, as {@code [rev, value]} pairs. */
    public static final Fn READ_HISTORY = new Fn("read_history");
    /** Watch workload: a key's value after the run, {@code [value, modRevision]}, or {@code []} when absent. */
    public static final Fn FINAL_READ = new Fn("final_read");
    /** Ephemeral workload: a client process creates its key on a session/lease of its own, {@code [client]}. */
    public static final Fn OPEN = new Fn("open");
    /** Ephemeral workload: the harness kill -9s a client process, {@code [client]}. */
    public static final Fn KILL_CLIENT = new Fn("kill_client");
    /** Ephemeral workload: lists the ephemeral keys; completion: the clients whose key is present. */
    public static final Fn READ_EPHEMERAL = new Fn("read_ephemeral");

    public Fn {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("fn name must match " + NAME + ": " + name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
