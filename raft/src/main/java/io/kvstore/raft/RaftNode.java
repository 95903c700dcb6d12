package io.kvstore.raft;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.log.FileDisk;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.snapshot.SnapshotFetcher;
import io.kvstore.raft.snapshot.SnapshotServer;
import io.kvstore.raft.snapshot.SnapshotStore;
import io.kvstore.raft.transport.SnapshotFrame;
import io.kvstore.raft.transport.NettyTransport;
import io.kvstore.raft.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.net.InetSocketAddress;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.MembershipChange;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running raft member: a {@link RaftCore} driven by an event-loop thread, a durable {@link LogStore}, a
 * {@link Transport} to the other members, and an apply thread that feeds a {@link StateMachine}.
 *
 * <p>Threads: {@code raft-loop-<id>} owns the core and the log store; {@code raft-apply-<id>} calls
 * {@link StateMachine#apply}, {@link StateMachine#snapshot} and {@link StateMachine#restore} and completes proposal
 * and read futures; {@code raft-snapshot-serve-<id>} serves snapshot chunks to followers and
 * {@code raft-snapshot-fetch-<id>} fetches a snapshot from the leader. All public methods are thread-safe and never
 * block on the cluster. Futures may be completed on either node thread: dependent stages that block must use the
 * {@code *Async} variants, or they stall the member.
 *
 * <p>Snapshots live in {@code <dataDir>/raft/snapshots} ({@link SnapshotStore}); every
 * {@link RaftNodeOptions#snapshotEveryEntries()} applied entries the node snapshots the state machine and compacts
 * the log to it, and a follower that needs compacted entries fetches the leader's snapshot.
 *
 * <p>Lifecycle: {@link #open} or {@link #create}, then {@link #start}, then {@link #close}. The node owns its log
 * store and transport and closes them; the caller owns the state machine.
 *
 * <p>Errors: requests fail with a {@link RaftException} subclass, whose Javadoc says whether the request may have
 * taken effect. An I/O failure of the log, or an exception from the state machine, stops the node (logged at
 * ERROR); later requests fail with {@link RaftClosedException}.
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RaftNode.class);
    /** 64 MiB segments: few files for a config store's log, small enough to delete promptly after compaction. */
    private static final long SEGMENT_BYTES_MAX = 64L << 20;
    /** How long close waits for each thread; a state machine stuck longer than this is abandoned. */
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private final RaftNodeOptions options;
    private final LogStore logStore;
    private final Transport transport;
    private final SnapshotStore snapshots;
    private final SnapshotServer snapshotServer;
    private final SnapshotFetcher snapshotFetcher;
    private final ApplyLoop applyLoop;
    private final RaftLoop raftLoop;
    private final Thread loopThread;
    private final Thread applyThread;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Membership membership;
    private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RaftNode(RaftNodeOptions options, java.util.Set<String> bootstrapVoters, StateMachine stateMachine,
                     LogStore logStore, Transport transport)
            throws IOException {
        this.options = options;
        this.logStore = logStore;
        this.transport = transport;
        this.snapshots = new SnapshotStore(options.dataDir().resolve("raft").resolve("snapshots"));
        RecoveredLog recovered = logStore.recover();
        snapshots.cleanUpAtStart();
        List<Entry> entries = recovered.entries();
        long lastIndex = recovered.snapshot().index() + entries.size();
        long appliedIndex = restoreIfBehindSnapshot(options.id(), stateMachine, recovered.snapshot());
        if (appliedIndex < 0 || appliedIndex > lastIndex) {
            // The state machine is ahead of the durable log: the log was lost or belongs to another member.
            throw new IllegalStateException("member " + options.id() + ": state machine applied index "
                    + appliedIndex + " is beyond the last durable log index " + lastIndex);
        }
        long seed = System.nanoTime() ^ ((long) options.id().hashCode() << 32);
        log.debug("member {} election randomness seed {}", options.id(), seed);
        RaftCore core = new RaftCore(options.toRaftConfig(bootstrapVoters), recovered.hardState(),
                recovered.snapshot(), entries,
                appliedIndex, new SplittableRandom(seed));
        this.membership = core.membership();
        RaftLoop[] loop = new RaftLoop[1]; // the apply loop and the loop refer to each other
        this.applyLoop = new ApplyLoop(options.id(), stateMachine, appliedIndex, this::fail, snapshots,
                options.snapshotEveryEntries(), recovered.snapshot().index(), p -> loop[0].snapshotTaken(p));
        this.snapshotFetcher = new SnapshotFetcher(options.id(), snapshots, transport::send,
                offer -> loop[0].offerInbound(offer), SnapshotFetcher.CHUNK_BYTES_DEFAULT);
        this.snapshotServer = new SnapshotServer(options.id(), snapshots, transport::send,
                peer -> loop[0].snapshotUnavailable(peer));
        this.raftLoop = new RaftLoop(options.id(), core, logStore, transport, applyLoop, snapshots, snapshotFetcher,
                options.tickMillis(), this::fail, this::membershipChanged,
                options.leaseReads() ? new LeaseClock(options.electionTicks(),
                        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(options.tickMillis()),
                        options.clockDriftMax()) : null);
        loop[0] = raftLoop;
        this.loopThread = new Thread(raftLoop, "raft-loop-" + options.id());
        this.applyThread = new Thread(applyLoop, "raft-apply-" + options.id());
        log.info("member {} recovered {} log entries (term {}, applied index {})",
                options.id(), entries.size(), recovered.hardState().term(), appliedIndex);
    }

    /**
     * At start, when the log's snapshot marker is ahead of the state machine (the last run crashed after the log
     * recorded an installed snapshot but before the state machine was replaced), restores the state machine from
     * the local copy of that snapshot, which must exist. Returns the applied index to start from.
     */
    private long restoreIfBehindSnapshot(String id, StateMachine stateMachine, SnapshotMeta marker)
            throws IOException {
        long applied = stateMachine.appliedIndex();
        if (marker.index() <= applied) {
            return applied;
        }
        SnapshotStore.SnapshotId snapshot = SnapshotStore.SnapshotId.of(marker);
        if (!snapshots.contains(snapshot)) {
            throw new IllegalStateException("member " + id + ": the log starts after snapshot " + snapshot
                    + " but the state machine has applied only up to " + applied + " and the snapshot directory "
                    + snapshots.dir(snapshot) + " is missing; restore that directory or wipe this member's data"
                    + " directory and add it back as a new member");
        }
        snapshots.verify(snapshot);
        log.info("member {} restores its state machine from snapshot {} (it had applied up to {})", id, snapshot,
                applied);
        stateMachine.restore(snapshots.dataDir(snapshot), marker.index());
        if (stateMachine.appliedIndex() != marker.index()) {
            throw new IllegalStateException("member " + id + ": state machine reports applied index "
                    + stateMachine.appliedIndex() + " after restoring snapshot " + snapshot);
        }
        return marker.index();
    }

    /**
     * Opens the member stored under {@code options.dataDir()}: checks or writes {@code <dataDir>/raft/cluster.properties},
     * recovers the log in {@code <dataDir>/raft/log}, and prepares a {@link NettyTransport} listening on this
     * member's address in {@code options.members()}. Call {@link #start()} next.
     *
     * @throws IllegalStateException when the data directory belongs to another member, cluster or member set (the
     *     message names both and how to fix it), or the state machine is ahead of the log
     * @throws IOException when the log cannot be read, including {@link io.kvstore.raft.log.CorruptLogException}
     */
    public static RaftNode open(RaftNodeOptions options, StateMachine stateMachine) throws IOException {
        return open(options, stateMachine, null);
    }

    /**
     * As {@link #open(RaftNodeOptions, StateMachine)}, with mutual TLS between members when {@code peerTls} is
     * non-null (see {@link io.kvstore.raft.transport.tls.PeerTls}); every member of the cluster must then use it.
     */
    public static RaftNode open(RaftNodeOptions options, StateMachine stateMachine,
                                io.kvstore.raft.transport.tls.PeerTls peerTls) throws IOException {
        Objects.requireNonNull(options, "options");
        Path raftDir = options.dataDir().resolve("raft");
        String bootstrap = ClusterIdentity.checkOrWrite(raftDir, options);
        LogStore logStore = new SegmentedLogStore(new FileDisk(raftDir.resolve("log")), SEGMENT_BYTES_MAX);
        Transport transport = new NettyTransport(options.id(), options.clusterId(),
                options.members().get(options.id()), options.members(), peerTls);
        java.util.Set<String> bootstrapVoters = bootstrap.equals(ClusterIdentity.JOINED) ? java.util.Set.of()
                : new java.util.TreeSet<>(java.util.Arrays.asList(bootstrap.split(",")));
        RaftNode node = create(options, bootstrapVoters, stateMachine, logStore, transport);
        try {
            node.checkConfiguredMembers(bootstrap);
        } catch (IllegalStateException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * The configured member list must be the one this directory bootstrapped with or the membership the log now
     * records (after membership changes an operator lists the current members): anything else is a configuration
     * mistake that would send this member's messages to the wrong places.
     */
    private void checkConfiguredMembers(String bootstrap) {
        if (options.join()) {
            return;
        }
        java.util.Set<String> configured = new java.util.TreeSet<>(options.members().keySet());
        String configuredText = String.join(",", configured);
        java.util.Set<String> current = new java.util.TreeSet<>(membership.all());
        if (!configuredText.equals(bootstrap) && !configured.equals(current)) {
            throw new IllegalStateException("member " + options.id() + " is configured with members "
                    + configured + " but its data directory was bootstrapped with [" + bootstrap
                    + "] and its log now records members " + current + ": start it with one of those lists"
                    + " (the log's membership is authoritative); nothing on disk was changed");
        }
    }

    /**
     * Builds a member over the given log store and transport, which it then owns (closes), also when this throws.
     * {@code options.dataDir()} holds only the snapshots ({@code <dataDir>/raft/snapshots}, created on the first
     * snapshot).
     *
     * @throws IOException when the log cannot be recovered
     */
    public static RaftNode create(RaftNodeOptions options, StateMachine stateMachine, LogStore logStore,
                                  Transport transport) throws IOException {
        Objects.requireNonNull(options, "options");
        return create(options, options.join() ? java.util.Set.of() : options.members().keySet(), stateMachine,
                logStore, transport);
    }

    /** As {@link #create(RaftNodeOptions, StateMachine, LogStore, Transport)}, with the recorded bootstrap voters. */
    private static RaftNode create(RaftNodeOptions options, java.util.Set<String> bootstrapVoters,
                                   StateMachine stateMachine, LogStore logStore, Transport transport)
            throws IOException {
        Objects.requireNonNull(stateMachine, "stateMachine");
        try {
            return new RaftNode(options, bootstrapVoters, stateMachine, Objects.requireNonNull(logStore, "logStore"),
                    Objects.requireNonNull(transport, "transport"));
        } catch (IOException | RuntimeException e) {
            closeQuietly(transport, logStore);
            throw e;
        }
    }

    /**
     * Starts the transport and both threads.
     *
     * @throws IllegalStateException when called twice or after close
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("member " + options.id() + " already started or closed");
        }
        transport.updatePeers(peerAddresses(membership));
        applyThread.start();
        loopThread.start();
        transport.start(raftLoop::offerInbound, this::onSnapshotFrame);
        log.info("member {} started in cluster {} with members {}", options.id(), options.clusterId(),
                options.members().keySet());
    }

    /**
     * Proposes a command. The future completes with {@link StateMachine#apply}'s result once the entry is applied
     * on this member, or exceptionally with {@link NotLeaderException} (not accepted; retry at the hint),
     * {@link RaftBusyException} (not accepted), {@link ProposalDroppedException} (accepted, then overwritten: not
     * applied), or {@link RaftClosedException} (outcome unknown). An accepted proposal whose index never gets applied
     * here (a partitioned former leader) stays pending: callers should put a timeout on the future.
     */
    public CompletableFuture<Object> propose(ByteString command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<Object> future = new CompletableFuture<>();
        raftLoop.propose(command, future);
        return future;
    }

    /**
     * A linearizable read barrier: completes with a log index once this member has applied it; a read of the state
     * machine after that sees every write acknowledged before this call. On the leader the index is confirmed by a
     * quorum heartbeat round; a follower asks its leader for it (dissertation §6.4.1). Fails with
     * {@link NotLeaderException} when no leader is known, leadership or the term changes first, or a follower's
     * request is not answered within two election timeouts; the caller may retry.
     */
    public CompletableFuture<Long> readIndex() {
        CompletableFuture<Long> future = new CompletableFuture<>();
        raftLoop.readIndex(future);
        return future;
    }

    /**
     * Proposes one membership change (add a learner with its peer address, promote a learner, remove a member). The
     * future completes once the change is committed and applied here, or fails with {@link NotLeaderException},
     * {@link RaftBusyException} (another change is pending, the leader has not committed in its term yet, or a
     * learner to promote has not caught up: retry), or {@link IllegalArgumentException} (the change can never apply,
     * e.g. removing a member that is not in the cluster).
     */
    public CompletableFuture<Object> changeMembership(MembershipChange change) {
        Objects.requireNonNull(change, "change");
        CompletableFuture<Object> future = new CompletableFuture<>();
        raftLoop.changeMembership(change, future);
        return future;
    }

    /**
     * Hands leadership to {@code target}, or to the most up-to-date voter when null. The future completes with the
     * new leader's id once another member leads; it fails with {@link RaftBusyException} when the transfer does not
     * finish within two election timeouts (the target is down, partitioned or cannot catch up; this member keeps
     * leading), {@link NotLeaderException}, or {@link IllegalArgumentException} (target is not a voter).
     */
    public CompletableFuture<String> transferLeadership(String target) {
        CompletableFuture<String> future = new CompletableFuture<>();
        raftLoop.transferLeadership(target, future);
        return future;
    }

    /** Transport threads: snapshot requests go to the server, chunks to the fetcher; neither reaches the core. */
    private void onSnapshotFrame(SnapshotFrame frame) {
        if (frame instanceof SnapshotFrame.ChunkRequest request) {
            snapshotServer.handle(request);
        } else if (frame instanceof SnapshotFrame.Chunk chunk) {
            snapshotFetcher.onChunk(chunk);
        }
    }

    /**
     * Snapshot counters since start, for operators and tests.
     *
     * @param snapshotIndex index of the newest snapshot taken or installed (the log starts after it or earlier)
     * @param snapshotsTaken local snapshots committed, each followed by a log compaction
     * @param snapshotsInstalled snapshots received from a leader and installed
     * @param bytesFetched snapshot data bytes received from leaders
     * @param bytesServed snapshot data bytes sent to followers
     */
    public record SnapshotStats(long snapshotIndex, long snapshotsTaken, long snapshotsInstalled, long bytesFetched,
                                long bytesServed) {}

    public SnapshotStats snapshotStats() {
        return new SnapshotStats(applyLoop.snapshotIndex(), raftLoop.snapshotsTaken(), raftLoop.snapshotsInstalled(),
                snapshotFetcher.bytesFetched(), snapshotServer.bytesServed());
    }

    /** The membership in force on this member (the last one in its log, committed or not). */
    public Membership membership() {
        return membership;
    }

    private void membershipChanged(Membership now) {
        membership = now;
        transport.updatePeers(peerAddresses(now));
    }

    /** Peer addresses of the members of {@code m}: those recorded in the log, else the configured ones. */
    private Map<String, InetSocketAddress> peerAddresses(Membership m) {
        Map<String, InetSocketAddress> peers = new TreeMap<>();
        for (String member : m.all()) {
            String recorded = m.addresses().get(member);
            InetSocketAddress address = recorded != null ? RaftNodeOptions.parseAddress(recorded)
                    : options.members().get(member);
            if (address != null) {
                peers.put(member, address);
            }
        }
        options.members().forEach(peers::putIfAbsent); // configured peers stay reachable (a joining member's seed)
        return peers;
    }

    /** A recent snapshot of the member's state; {@code appliedIndex} is what the state machine has applied. */
    public RaftStatus status() {
        RaftStatus s = raftLoop.status();
        return new RaftStatus(s.id(), s.role(), s.term(), s.leaderId(), s.commitIndex(), applyLoop.appliedIndex(),
                s.lastIndex());
    }

    /**
     * Stops the loop, the apply thread (after it applied what was already committed), the transport and the log
     * store, and fails every pending request with {@link RaftClosedException}. Idempotent; waits up to
     * {@value #CLOSE_WAIT_MILLIS} ms per thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        raftLoop.stop();
        join(loopThread);
        transport.close();
        snapshotFetcher.close();
        snapshotServer.close();
        applyLoop.stop();
        join(applyThread);
        RaftClosedException cause = new RaftClosedException("member " + options.id() + " is closed");
        raftLoop.failQueued();
        applyLoop.failAll(cause);
        closeQuietly(null, logStore);
        log.info("member {} stopped", options.id());
    }

    /** A node thread hit a fatal error: stop the member from another thread (close joins the node threads). */
    /**
     * Completes with the cause when this member stops itself after a fatal error (a failed write or fsync of its
     * log, an exception from the state machine): durability is unknown then, so the member must not go on. A server
     * embedding the node should exit non-zero. Never completes on a normal {@link #close()}.
     */
    public CompletableFuture<Throwable> failure() {
        return failure;
    }

    private void fail(Throwable cause) {
        log.error("member {} is stopping after a fatal error", options.id(), cause);
        failure.complete(cause);
        Thread stopper = new Thread(this::close, "raft-stop-" + options.id());
        stopper.setDaemon(true);
        stopper.start();
    }

    private static void join(Thread thread) {
        if (thread == Thread.currentThread() || !thread.isAlive()) {
            return;
        }
        try {
            thread.join(TimeUnit.MILLISECONDS.toMillis(CLOSE_WAIT_MILLIS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{} did not stop within {} ms", thread.getName(), CLOSE_WAIT_MILLIS);
        }
    }

    private static void closeQuietly(Transport transport, LogStore logStore) {
        if (transport != null) {
            transport.close();
        }
        try {
            logStore.close();
        } catch (IOException | RuntimeException e) {
            log.warn("closing the log store failed", e);
        }
    }
}
