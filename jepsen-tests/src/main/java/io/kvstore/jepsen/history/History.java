package io.kvstore.jepsen.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable, validated list of {@link Op} events in real-time order. Thread-safe.
 *
 * <p>Validated once at construction: indexes are 0, 1, 2, ...; a process invokes only when it has nothing in
 * flight; every completion answers its process's pending invocation with the same function and key.
 */
public final class History implements Iterable<Op> {
    private final List<Op> ops;
    private final List<Call> calls;

    private History(List<Op> ops) {
        this.ops = List.copyOf(ops);
        this.calls = Collections.unmodifiableList(pair(this.ops));
    }

    /** Validates and wraps {@code ops}; throws {@link IllegalArgumentException} naming the first bad event. */
    public static History of(List<Op> ops) {
        return new History(ops);
    }

    /**
     * Builds a history from events whose indexes may be arbitrary (for example a sub-history): keeps their order and
     * renumbers them 0, 1, 2, ...
     */
    public static History renumbered(List<Op> ops) {
        List<Op> out = new ArrayList<>(ops.size());
        for (Op op : ops) {
            out.add(op.withIndex(out.size()));
        }
        return new History(out);
    }

    /** The events, in order. */
    public List<Op> ops() {
        return ops;
    }

    public int size() {
        return ops.size();
    }

    @Override
    public Iterator<Op> iterator() {
        return ops.iterator();
    }

    /**
     * Every invocation paired with its completion, in invocation order. An invocation still pending at the end has a
     * null completion, which {@link Call#outcome()} reports as INFO.
     */
    public List<Call> calls() {
        return calls;
    }

    /** {@link #calls()} grouped by key, keys in sorted order, each list in invocation order. */
    public Map<String, List<Call>> callsByKey() {
        Map<String, List<Call>> byKey = new TreeMap<>();
        for (Call c : calls) {
            byKey.computeIfAbsent(c.invoke().key(), k -> new ArrayList<>()).add(c);
        }
        return byKey;
    }

    private static List<Call> pair(List<Op> ops) {
        Map<Integer, Integer> pendingByProcess = new HashMap<>(); // process -> position in invocations
        List<Op> invocations = new ArrayList<>();
        List<Op> completions = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = Objects.requireNonNull(ops.get(i), "op");
            if (op.index() != i) {
                throw new IllegalArgumentException("op at position " + i + " has index " + op.index());
            }
            if (op.type() == OpType.INVOKE) {
                Integer pending = pendingByProcess.putIfAbsent(op.process(), invocations.size());
                if (pending != null) {
                    throw new IllegalArgumentException("process " + op.process() + " invokes while "
                            + invocations.get(pending) + " is in flight: " + op);
                }
                invocations.add(op);
                completions.add(null);
            } else {
                Integer pending = pendingByProcess.remove(op.process());
                if (pending == null) {
                    throw new IllegalArgumentException("completion without invocation: " + op);
                }
                Op invoke = invocations.get(pending);
                if (!invoke.f().equals(op.f()) || !invoke.key().equals(op.key())) {
                    throw new IllegalArgumentException("completion " + op + " does not match " + invoke);
                }
                completions.set(pending, op);
            }
        }
        List<Call> calls = new ArrayList<>(invocations.size());
        for (int i = 0; i < invocations.size(); i++) {
            calls.add(new Call(invocations.get(i), completions.get(i)));
        }
        return calls;
    }

    /**
     * Reads JSON lines written by {@link #writeJsonLines(Writer)}; blank lines are skipped. Does not close
     * {@code in}. Throws {@link IllegalArgumentException} naming the line for malformed input.
     */
    public static History readJsonLines(Reader in) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Op> ops = new ArrayList<>();
        int lineNumber = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                ops.add(JsonLines.parseOp(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
            }
        }
        return of(ops);
    }

    /** Writes one JSON object per event, each followed by '\n'. Does not close {@code out}. */
    public void writeJsonLines(Writer out) throws IOException {
        StringBuilder line = new StringBuilder(128);
        for (Op op : ops) {
            line.setLength(0);
            JsonLines.formatOp(op, line);
            line.append('\n');
            out.append(line);
        }
        out.flush();
    }

    /** {@link #readJsonLines(Reader)} from a UTF-8 file. */
    public static History readJsonLines(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return readJsonLines(in);
        }
    }

    /** {@link #writeJsonLines(Writer)} to a UTF-8 file, replacing it. */
    public void writeJsonLines(Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeJsonLines(out);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof History h && ops.equals(h.ops);
    }

    @Override
    public int hashCode() {
        return ops.hashCode();
    }

    @Override
    public String toString() {
        return "History(" + ops.size() + " ops)";
    }
}
