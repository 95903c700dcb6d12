package io.kvstore.raft;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.RaftCore;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.log.FileDisk;
import io.kvstore.raft.log.LogStore;
import io.kvstore.raft.log.RecoveredLog;
import io.kvstore.raft.log.SegmentedLogStore;
import io.kvstore.raft.transport.NettyTransport;
import io.kvstore.raft.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * {@link StateMachine#apply} and completes proposal and read futures. All public methods are thread-safe and never
 * block on the cluster. Futures may be completed on either node thread: dependent stages that block must use the
 * {@code *Async} variants, or they stall the member.
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
    private final ApplyLoop applyLoop;
    private final RaftLoop raftLoop;
    private final Thread loopThread;
    private final Thread applyThread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RaftNode(RaftNodeOptions options, StateMachine stateMachine, LogStore logStore, Transport transport)
            throws IOException {
        this.options = options;
        this.logStore = logStore;
        this.transport = transport;
        RecoveredLog recovered = logStore.recover();
        List<Entry> entries = recovered.entries();
        long lastIndex = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
        long appliedIndex = stateMachine.appliedIndex();
        if (appliedIndex < 0 || appliedIndex > lastIndex) {
            // The state machine is ahead of the durable log: the log was lost or belongs to another member.
            throw new IllegalStateException("member " + options.id() + ": state machine applied index "
                    + appliedIndex + " is beyond the last durable log index " + lastIndex);
        }
        long seed = System.nanoTime() ^ ((long) options.id().hashCode() << 32);
        log.debug("member {} election randomness seed {}", options.id(), seed);
        RaftCore core = new RaftCore(options.toRaftConfig(), recovered.hardState(), entries, appliedIndex,
                new SplittableRandom(seed));
        this.applyLoop = new ApplyLoop(options.id(), stateMachine, appliedIndex, this::fail);
        this.raftLoop = new RaftLoop(options.id(), core, logStore, transport, applyLoop, options.tickMillis(),
                this::fail);
        this.loopThread = new Thread(raftLoop, "raft-loop-" + options.id());
        this.applyThread = new Thread(applyLoop, "raft-apply-" + options.id());
        log.info("member {} recovered {} log entries (term {}, applied index {})",
                options.id(), entries.size(), recovered.hardState().term(), appliedIndex);
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
        Objects.requireNonNull(options, "options");
        Path raftDir = options.dataDir().resolve("raft");
        ClusterIdentity.checkOrWrite(raftDir, options);
        LogStore logStore = new SegmentedLogStore(new FileDisk(raftDir.resolve("log")), SEGMENT_BYTES_MAX);
        Transport transport = new NettyTransport(options.id(), options.clusterId(),
                options.members().get(options.id()), options.members());
        return create(options, stateMachine, logStore, transport);
    }

    /**
     * Builds a member over the given log store and transport, which it then owns (closes), also when this throws.
     * {@code options.dataDir()} is not used.
     *
     * @throws IOException when the log cannot be recovered
     */
    public static RaftNode create(RaftNodeOptions options, StateMachine stateMachine, LogStore logStore,
                                  Transport transport) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(stateMachine, "stateMachine");
        try {
            return new RaftNode(options, stateMachine, Objects.requireNonNull(logStore, "logStore"),
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
        applyThread.start();
        loopThread.start();
        transport.start(raftLoop::offerInbound);
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
     * A linearizable read barrier: completes with a log index once this member, confirmed as leader, has applied it;
     * a read of the state machine after that sees every write acknowledged before this call. Fails with
     * {@link NotLeaderException} when this member is not leader or loses leadership first.
     */
    public CompletableFuture<Long> readIndex() {
        CompletableFuture<Long> future = new CompletableFuture<>();
        raftLoop.readIndex(future);
        return future;
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
        applyLoop.stop();
        join(applyThread);
        RaftClosedException cause = new RaftClosedException("member " + options.id() + " is closed");
        raftLoop.failQueued();
        applyLoop.failAll(cause);
        closeQuietly(null, logStore);
        log.info("member {} stopped", options.id());
    }

    /** A node thread hit a fatal error: stop the member from another thread (close joins the node threads). */
    private void fail(Throwable cause) {
        log.error("member {} is stopping after a fatal error", options.id(), cause);
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
