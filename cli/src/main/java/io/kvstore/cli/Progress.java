package io.kvstore.cli;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * A one-line progress display on stderr for long operations (bench, snapshot, import), shown only when kvctl runs on
 * a terminal ({@code System.console() != null}), so piped and scripted runs stay quiet. Redraws at most every
 * {@value #REDRAW_MILLIS} ms. Thread-safe (bench redraws from a timer thread).
 */
public final class Progress {
    private static final long REDRAW_MILLIS = 200;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private long lastDrawMillis;

    private Progress(PrintWriter err, String label, long total, boolean enabled) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    /** {@code total} 0 when unknown. */
    public static Progress start(PrintStream err, String label, long total) {
        return start(new PrintWriter(err, true), label, total);
    }

    /** As {@link #start(PrintStream, String, long)}, for picocli's writer. */
    public static Progress start(PrintWriter err, String label, long total) {
        return new Progress(err, label, total, System.console() != null);
    }

    public synchronized void update(long done) {
        long now = System.currentTimeMillis();
        if (!enabled || now - lastDrawMillis < REDRAW_MILLIS) {
            return;
        }
        lastDrawMillis = now;
        draw(done);
    }

    public synchronized void finish(long done) {
        if (enabled) {
            draw(done);
            err.println();
        }
    }

    private void draw(long done) {
        String amount = total > 0 ? done + "/" + total + " (" + (done * 100 / total) + "%)" : Long.toString(done);
        err.print("\r" + label + ": " + amount + "   ");
        err.flush();
    }
}
