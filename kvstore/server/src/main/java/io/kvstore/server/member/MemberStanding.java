package io.kvstore.server.member;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.Member;
import io.kvstore.api.v1.MemberListRequest;
import io.kvstore.api.v1.MemberListResponse;
import io.kvstore.store.Failure;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member is still a member of the cluster, for the streams it serves from its own applied state (Watch,
 * Election Observe). A member that was removed but still runs applies nothing more, so such a stream would go silent
 * forever at an old revision; instead, once this member knows it was removed, every registered stream is ended with
 * UNAVAILABLE {@link ErrorCode#NOT_MEMBER} and new ones are refused ({@link #removal()}), so clients go to another
 * member and resume from their last revision.
 *
 * <p>How it learns: it becomes doubtful when it has no leader, or when the membership in its own log no longer
 * names it (when it received its own removal, it stops campaigning and keeps its old leader's name). Usually the
 * leader stops replicating to a member as soon as it appends its removal, so the removed member never sees it and
 * only finds itself without a leader. After {@value #DOUBT_PROBE_MILLIS} ms of doubt it asks another member's
 * Cluster/MemberList (at most one call in flight); only an answer from a member that knows a leader and does not
 * name it counts as removal. A member that is merely cut off (no answer) keeps its streams, and a member that never
 * had a leader since it started (a {@code --join} member before it is added) is never in doubt. The answer reflects
 * the other member's latest configuration, which may not be committed: when the removal is then lost with its
 * leader, a new leader replicates to this member again, and once it has a leader and its own log lists it, it
 * serves streams again (already ended streams were resumed elsewhere by their clients). A removed member is
 * restarted on a fresh data directory to join again.
 *
 * <p>{@link #tick()} runs on the monitor thread; the rest is thread-safe.
 */
public final class MemberStanding {

    private static final Logger log = LoggerFactory.getLogger(MemberStanding.class);

    /**
     * In doubt this long (no leader, or the own log does not list this member), ask another member whether we are
     * still a member. Several elections' worth (an election takes a few hundred milliseconds with the defaults), so
     * a normal election costs no call, and a learner's log that lists it only once the snapshot's tail is applied
     * costs none either.
     */
    static final long DOUBT_PROBE_MILLIS = 2_000;
    /** Bound of one MemberList probe. */
    private static final long PROBE_TIMEOUT_MILLIS = 2_000;

    private final MemberDirectory members;
    private final MemberChannels channels;
    private final LongSupplier nanoClock;
    private final Set<Consumer<Failure>> streams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile Failure removal;
    private boolean leaderSeen; // monitor thread only: a leader was known since this member started
    private long fineAtNanos; // monitor thread only: when this member last had a leader and was in its own log
    private long nextProbeNanos; // monitor thread only
    private int probeTarget; // monitor thread only

    public MemberStanding(MemberDirectory members, MemberChannels channels, LongSupplier nanoClock) {
        this.members = members;
        this.channels = channels;
        this.nanoClock = nanoClock;
        this.fineAtNanos = nanoClock.getAsLong();
        this.nextProbeNanos = fineAtNanos;
    }

    /** The failure to answer a new stream with once this member was removed; empty while it is a member. */
    public Optional<Failure> removal() {
        return Optional.ofNullable(removal);
    }

    /**
     * Registers a live stream: {@code end} is called once, on the monitor thread, if this member learns it was
     * removed (at once, on the caller's thread, when it already knows). Close the returned handle when the stream
     * ends for another reason.
     */
    public AutoCloseable register(Consumer<Failure> end) {
        streams.add(end);
        Failure known = removal;
        if (known != null && streams.remove(end)) {
            end.accept(known);
        }
        return () -> streams.remove(end);
    }

    /** Re-evaluates this member's standing; called periodically. */
    public void tick() {
        long now = nanoClock.getAsLong();
        boolean leader = members.leaderId().isPresent();
        io.kvstore.raft.core.Membership membership = members.membership();
        boolean listed = membership.all().isEmpty() || membership.contains(members.self());
        if (removal != null) {
            // A leader replicates to this member again and its own log lists it: the removal it was told of was
            // not committed (lost with the leader that appended it).
            if (leader && listed) {
                reinstated();
            }
            return;
        }
        leaderSeen |= leader;
        // A member that never had a leader since it started (a --join member before its add) is not in doubt: it
        // has not joined yet. A member with a leader that its own log still lists is fine.
        if (!leaderSeen || leader && listed) {
            fineAtNanos = now;
            return;
        }
        if (now - fineAtNanos < TimeUnit.MILLISECONDS.toNanos(DOUBT_PROBE_MILLIS) || now - nextProbeNanos < 0
                || !probing.compareAndSet(false, true)) {
            return;
        }
        nextProbeNanos = now + TimeUnit.MILLISECONDS.toNanos(DOUBT_PROBE_MILLIS);
        List<String> others = members.membership().all().stream().filter(m -> !m.equals(members.self()))
                .sorted().toList();
        Optional<String> address = others.isEmpty() ? Optional.empty()
                : members.clientAddressOf(others.get(probeTarget++ % others.size()));
        if (address.isEmpty()) {
            probing.set(false);
            return;
        }
        ClusterGrpc.newStub(channels.get(address.get())).withDeadlineAfter(PROBE_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS).memberList(MemberListRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(MemberListResponse r) {
                        // Only an answer that knows a leader is authoritative: a member as lost as we are may
                        // hold an old list.
                        if (!r.getLeader().isEmpty() && r.getMembersList().stream().map(Member::getName)
                                .noneMatch(members.self()::equals)) {
                            removed("member " + r.getHeader().getMemberId() + "'s list, under leader "
                                    + r.getLeader() + ", no longer names it");
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        probing.set(false);
                    }

                    @Override
                    public void onCompleted() {
                        probing.set(false);
                    }
                });
    }

    private void reinstated() {
        synchronized (this) {
            removal = null;
        }
        fineAtNanos = nanoClock.getAsLong();
        log.warn("member {} has a leader again and its log lists it: its removal was not committed; serving watch "
                + "and observe streams again", members.self());
    }

    private void removed(String why) {
        synchronized (this) {
            if (removal != null) {
                return;
            }
            removal = Failure.of(ErrorCode.NOT_MEMBER, "member " + members.self() + " has been removed from the "
                    + "cluster (" + why + "): it serves no watches or observations any more; use another member");
        }
        log.warn("member {} learned it was removed from the cluster ({}): ending {} watch and observe streams and "
                + "refusing new ones; stop this process", members.self(), why, streams.size());
        for (Consumer<Failure> end : List.copyOf(streams)) {
            if (streams.remove(end)) {
                try {
                    end.accept(removal);
                } catch (RuntimeException e) {
                    log.debug("ending a stream of removed member {} failed: {}", members.self(), e.toString());
                }
            }
        }
    }
}
