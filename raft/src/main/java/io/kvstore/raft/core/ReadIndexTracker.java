package io.kvstore.raft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A leader's pending read-index requests (dissertation §6.4) and the answers waiting for the next Ready.
 *
 * <p>A request records the commit index when it arrived and the heartbeat round that will confirm it: the next one
 * broadcast, so requests of one event-loop turn share a round. Once a quorum of voters has answered that round the
 * leader was still leader when the request arrived, so its commit index then covers every acknowledged write.
 * Requests that arrive before the leader has committed an entry of its own term wait: until then the commit index
 * may lag what earlier leaders acknowledged (etcd #7331). Requests dropped because leadership was lost are answered
 * with index -1, so no request waits for ever on an answer that cannot come.
 */
final class ReadIndexTracker {
    /** Who asked (a member id; the leader itself for local reads). */
    private record Request(long requestId, String origin, long index, long round) {}

    /** How an answer leaves: to the local runtime or back to the asking follower. */
    interface Answer {
        void send(String origin, long requestId, long index);
    }

    private final List<Request> awaitingTermCommit = new ArrayList<>();
    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private final List<ReadState> answers = new ArrayList<>();
    private long round;
    private boolean broadcastPending;

    void request(long requestId, String origin, boolean termCommitted, long committed) {
        if (termCommitted) {
            pending.add(new Request(requestId, origin, committed, round + 1));
            broadcastPending = true;
        } else {
            awaitingTermCommit.add(new Request(requestId, origin, -1, -1));
        }
    }

    /** The leader committed its first entry of the term at {@code committed}: held-back requests may proceed. */
    void termCommitted(long committed) {
        for (Request r : awaitingTermCommit) {
            pending.add(new Request(r.requestId(), r.origin(), committed, round + 1));
            broadcastPending = true;
        }
        awaitingTermCommit.clear();
    }

    boolean broadcastPending() {
        return broadcastPending;
    }

    /** The round number for a heartbeat broadcast about to be sent; it confirms every request registered so far. */
    long nextRound() {
        broadcastPending = false;
        return ++round;
    }

    /** Answers, in order, every request whose round a quorum has acknowledged. */
    void confirm(LongPredicate quorumAckedRound, Answer answer) {
        while (!pending.isEmpty() && quorumAckedRound.test(pending.peek().round())) {
            Request r = pending.poll();
            answer.send(r.origin(), r.requestId(), r.index());
        }
    }

    void answerLocal(long requestId, long index) {
        answers.add(new ReadState(requestId, index));
    }

    boolean hasAnswers() {
        return !answers.isEmpty();
    }

    List<ReadState> takeAnswers() {
        List<ReadState> taken = List.copyOf(answers);
        answers.clear();
        return taken;
    }

    /** Leadership ended: every unanswered request is answered with -1 (failed; retry). */
    void dropAll(Answer answer) {
        for (Request r : awaitingTermCommit) {
            answer.send(r.origin(), r.requestId(), -1);
        }
        for (Request r : pending) {
            answer.send(r.origin(), r.requestId(), -1);
        }
        awaitingTermCommit.clear();
        pending.clear();
        broadcastPending = false;
    }
}
