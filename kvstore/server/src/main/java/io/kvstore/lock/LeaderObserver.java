package io.kvstore.lock;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.kvstore.api.v1.EventType;
import io.kvstore.api.v1.LeaderKey;
import io.kvstore.api.v1.LeaderResponse;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.LockQueue;
import io.kvstore.store.ZPath;
import io.kvstore.store.Znode;
import io.kvstore.watch.LocalWatch;
import io.kvstore.watch.WatchHub;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Election.Observe call: the candidates of one election as of a snapshot at revision R, then every change from
 * R + 1 from a {@link LocalWatch} on the election's directory, applied in revision order to an in-memory copy. After
 * each revision the oldest candidate is the leader; a response goes out when the leader's key or value differs
 * from the last one sent. Because every member applies the same revisions in the same order, every observer derives
 * the same sequence of leaders (the history and live hand-over of the watch machinery guarantee no revision is
 * skipped). A watch cancellation (history compacted, slow stream) ends the call UNAVAILABLE: observe again.
 * Responses are sent on the watch sender thread, one at a time.
 */
final class LeaderObserver {

    private record Candidate(long token, com.google.protobuf.ByteString value, long sessionId) {
    }

    private final MemberDirectory members;
    private final String name;
    private final ZPath dir;
    private final ServerCallStreamObserver<LeaderResponse> out;
    private final TreeMap<String, Candidate> candidates = new TreeMap<>();
    private LocalWatch watch;
    private AutoCloseable registration; // with the member's standing; closed when the call ends
    private LeaderResponse last;

    LeaderObserver(MemberDirectory members, String name, ServerCallStreamObserver<LeaderResponse> out) {
        this.members = members;
        this.name = name;
        this.dir = ZPath.parse(LockQueue.ELECTIONS_ROOT + "/" + name);
        this.out = out;
    }

    synchronized void start(WatchHub hub, KvStateMachine store, io.kvstore.server.member.MemberStanding standing) {
        KvStateMachine.Children children = store.readChildren(dir, LockQueue.WAITERS_READ_MAX);
        for (Znode z : children.znodes()) {
            candidates.put(z.path().name(), new Candidate(z.stat().getCreateRevision(), z.data(),
                    z.stat().getEphemeralSessionId()));
        }
        publish(children.revision(), true);
        watch = LocalWatch.open(hub, this::onResponse);
        out.setOnCancelHandler(this::stop);
        watch.watch(1, dir.value(), WatchMode.CHILDREN, children.revision() + 1);
        registration = standing.register(this::removed);
    }

    /** This member was removed from the cluster: its state stops advancing, so end the call (observe elsewhere). */
    private synchronized void removed(io.kvstore.store.Failure failure) {
        watch.close();
        try {
            out.onError(io.kvstore.server.StatusMapper.toException(failure));
        } catch (RuntimeException closed) {
            // the call ended
        }
    }

    /** The call ended: stop watching and forget the registration. */
    private synchronized void stop() {
        watch.close();
        if (registration != null) {
            try {
                registration.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private synchronized void onResponse(WatchResponse r) {
        if (r.hasCanceled()) {
            stop();
            try {
                out.onError(Status.UNAVAILABLE.withDescription("observation of election " + name + " ended: "
                        + r.getCanceled().getReason() + " " + r.getCanceled().getMessage() + "; observe again")
                        .asRuntimeException());
            } catch (RuntimeException closed) {
                // the call ended
            }
            return;
        }
        if (!r.hasEvents()) {
            return;
        }
        for (WatchEvent e : r.getEvents().getEventsList()) {
            String child = ZPath.parse(e.getPath()).name();
            if (e.getType() == EventType.DELETED) {
                candidates.remove(child);
            } else {
                candidates.put(child, new Candidate(e.getStat().getCreateRevision(), e.getValue(),
                        e.getStat().getEphemeralSessionId()));
            }
        }
        publish(r.getHeader().getRevision(), false);
    }

    /** Sends the leader at {@code revision} if it changed (always on the first call). */
    private void publish(long revision, boolean first) {
        Map.Entry<String, Candidate> head = candidates.firstEntry();
        LeaderResponse.Builder b = LeaderResponse.newBuilder();
        if (head != null) {
            b.setHasLeader(true).setLeader(LeaderKey.newBuilder().setName(name)
                    .setKey(dir.child(head.getKey()).value()).setToken(head.getValue().token())
                    .setLockPath(dir.value())).setValue(LockQueue.parse(head.getValue().value()).getOwner())
                    .setSessionId(head.getValue().sessionId());
        }
        LeaderResponse body = b.build();
        if (!first && (body.equals(last) || !body.getHasLeader())) {
            last = body;
            return; // unchanged, or no leader between two leaders: only leaders are reported after the first
        }
        last = body;
        try {
            out.onNext(body.toBuilder().setHeader(ResponseHeaders.of(members.self(), members.status(), revision,
                    true)).build());
        } catch (RuntimeException closed) {
            if (watch != null) {
                watch.close();
            }
        }
    }
}
