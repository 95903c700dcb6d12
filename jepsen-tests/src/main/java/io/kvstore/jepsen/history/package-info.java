/**
 * The recorded history of a test run: what each client asked for and what it was told, in the order the harness
 * saw it.
 *
 * <p>A {@link io.kvstore.jepsen.history.History} is an immutable list of {@link io.kvstore.jepsen.history.Op}
 * events. Every operation appears twice: an {@code INVOKE} when a client sends it, and a completion when the client
 * learns the outcome: {@code OK} (it took effect, with its result), {@code FAIL} (it definitely did not take
 * effect) or {@code INFO} (indeterminate: a timeout or lost connection, it may take effect at any time after the
 * invocation, for ever). An invocation with no completion at the end of the history is treated as {@code INFO}.
 *
 * <p>Real-time order is the order of the events in the history ({@link io.kvstore.jepsen.history.Op#index()}):
 * operation A precedes B when A's completion comes before B's invocation. Times are kept for plots and reports.
 * Workloads write histories through a {@link io.kvstore.jepsen.history.HistoryRecorder}, which assigns both, and
 * persist them as JSON lines ({@link io.kvstore.jepsen.history.History#writeJsonLines}).
 */
package io.kvstore.jepsen.history;
