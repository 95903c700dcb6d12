package io.kvstore.server;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.kvstore.raft.RaftNode;
import io.kvstore.raft.RaftNodeOptions;
import io.kvstore.server.cluster.ClusterService;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerCli;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.interceptor.InterceptorChain;
import io.kvstore.server.kv.KvService;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.server.member.MemberPublisher;
import io.kvstore.server.member.MembersService;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.Limits;
import io.kvstore.watch.WatchHub;
import io.kvstore.watch.WatchService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kvstore member process: the znode tree ({@link KvStateMachine} in {@code <data-dir>/state}), its raft member
 * ({@link RaftNode} in {@code <data-dir>/raft}, peers on {@code --peer-addr}), and a gRPC server on
 * {@code --client-addr} with kvstore.v1 KV, Cluster, Session, Watch and Auth, grpc.health.v1, server reflection (v1 and
 * v1alpha) and the internal Members service, each behind the one {@link InterceptorChain} (which authenticates and
 * authorizes every call once auth is enabled: docs/security.md).
 *
 * <p>Lifecycle: {@link #start} opens and starts everything and returns once clients can connect; it prints
 * {@code kvserver <name> serving clients on <host:port>} to stdout (the bound port, also for port 0), a line
 * scripts and tests wait for. {@link #close} stops it. {@link #main} adds flags, a shutdown hook (SIGTERM, Ctrl-C)
 * and exit codes: 2 for a configuration error, 1 for a failure to start, each with one line on stderr.
 *
 * <p>Threads: raft's two threads; {@value #CALL_THREADS} call threads that run gRPC handlers and every continuation
 * of a raft future but a successful write's prebuilt answer (so RocksDB reads never run on raft threads); one scheduler thread for health, member
 * publication and default deadlines. Thread-safe; {@link #close} is idempotent.
 */
public final class KvServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvServer.class);
    private static final java.util.logging.Logger GRPC_LOGGER = java.util.logging.Logger.getLogger("io.grpc");

    /** Requests up to REQUEST_BYTES_MAX must arrive so the validator can answer REQUEST_TOO_LARGE with a reason;
     *  64 KiB on top covers the rest of the gRPC message. Bigger ones fail in gRPC with RESOURCE_EXHAUSTED. */
    static final int INBOUND_BYTES_MAX = Limits.REQUEST_BYTES_MAX + (64 << 10);
    /** Handlers never block (they enqueue to raft or read RocksDB briefly), so a few threads cover a 2-core box. */
    static final int CALL_THREADS = 4;
    /** How often health and the member publication are re-checked: leader changes show within 0.1 s. */
    private static final long MONITOR_PERIOD_MILLIS = 100;
    /** How long a watch with progress_notify goes without a response before it is told the current revision:
     *  1 s lets a client tell "no changes" from "stuck stream" within a couple of seconds, at one small message per
     *  idle watch per second. */
    static final java.time.Duration WATCH_PROGRESS_INTERVAL = java.time.Duration.ofSeconds(1);
    /** Grace for in-flight calls at shutdown before they are cancelled. */
    private static final long SHUTDOWN_GRACE_MILLIS = 3_000;

    private final ServerConfig config;
    private final KvStateMachine store;
    private final RaftNode raft;
    private final Server grpc;
    private final HealthStatusManager health;
    private final MemberChannels channels;
    private final ExecutorService callExecutor;
    private final ScheduledExecutorService scheduler;
    private final MemberDirectory members;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Set once by {@link #start}; closed before the store (its catch-up thread reads RocksDB). */
    private volatile WatchHub watchHub;
    private volatile io.kvstore.server.member.MemberStanding standing;
    /** Set once by {@link #start}; its event loops stop after the gRPC server. */
    private volatile io.kvstore.server.security.ClientListener listener;
    /** Set once by {@link #start}. */
    private volatile io.kvstore.server.kv.SpaceQuota quota;

    private KvServer(ServerConfig config, KvStateMachine store, RaftNode raft, Server grpc, HealthStatusManager health,
                     MemberChannels channels, ExecutorService callExecutor, ScheduledExecutorService scheduler,
                     MemberDirectory members) {
        this.config = config;
        this.store = store;
        this.raft = raft;
        this.grpc = grpc;
        this.health = health;
        this.channels = channels;
        this.callExecutor = callExecutor;
        this.scheduler = scheduler;
        this.members = members;
    }

    /**
     * Opens the data directory, binds the client port, starts raft and returns a serving member.
     *
     * @throws IOException when the raft log cannot be read (including corruption) or the client port cannot be bound
     * @throws IllegalStateException when the data directory belongs to another member or cluster
     * @throws UncheckedIOException when the peer port cannot be bound or a directory cannot be created
     * @throws io.kvstore.store.StoreIoException when RocksDB cannot open the state (for example, another process
     *     holds it)
     */
    public static KvServer start(ServerConfig config) throws IOException {
        log.info("kvserver {} starting: cluster '{}' {}, data dir {}, clients on {}, peers on {}", config.name(),
                config.clusterId(), config.cluster(), config.dataDir().toAbsolutePath(), config.clientAddress(),
                config.peerAddress());
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            KvStateMachine store = new KvStateMachine(config.dataDir().resolve("state"), config.watchHistoryBounds(),
                    System::currentTimeMillis);
            opened.add(store);
            // Before raft opens: the hub must see every entry applied from now on.
            WatchHub watchHub = new WatchHub(store, io.kvstore.server.member.MemberIds.numeric(config.name()),
                    WATCH_PROGRESS_INTERVAL);
            opened.add(watchHub);
            Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
            config.cluster().forEach((member, address) -> peers.put(member, address.toSocketAddress()));
            io.kvstore.raft.transport.tls.PeerTls peerTls = config.tls().peer() == null ? null
                    : io.kvstore.raft.transport.tls.PeerTls.of(config.tls().peer());
            // Before raft: a TLS file that does not load must stop the start before anything listens.
            io.kvstore.server.security.ClientListener listener = io.kvstore.server.security.ClientListener.create(config);
            opened.add(listener);
            RaftNode raft = RaftNode.open(
                    RaftNodeOptions.builder(config.name(), config.clusterId(), peers, config.dataDir())
                            .join(config.join()).snapshotEveryEntries(config.snapshotEveryEntries())
                            .leaseReads(config.leaseReads()).build(), store, peerTls);
            opened.add(raft);
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                    threads("kvserver-monitor-" + config.name()));
            opened.add(scheduler::shutdownNow);
            ExecutorService callExecutor = Executors.newFixedThreadPool(CALL_THREADS,
                    threads("kvserver-call-" + config.name()));
            opened.add(callExecutor::shutdownNow);
            // Auth: this member's credential on calls to other members (docs/security.md).
            io.kvstore.auth.MemberCredentials memberCredentials = new io.kvstore.auth.MemberCredentials(
                    config.name(), store::authState, System::currentTimeMillis);
            MemberChannels channels = new MemberChannels(listener.memberChannelContext(),
                    memberCredentials.interceptor());
            opened.add(channels);
            MemberDirectory members = new MemberDirectory(config.name(), config.cluster().keySet(), raft, store);
            // Ends this member's watch and observe streams once it learns it was removed (docs/server.md, watches).
            io.kvstore.server.member.MemberStanding standing = new io.kvstore.server.member.MemberStanding(members,
                    channels, System::nanoTime);
            HealthStatusManager health = new HealthStatusManager();
            InterceptorChain chain = InterceptorChain.standard(scheduler, new io.kvstore.auth.AuthInterceptor(
                    store::authState, System::currentTimeMillis,
                    path -> store.get(io.kvstore.store.ZPath.parse(path)).found(), store::sessionOwner));
            NettyServerBuilder builder = listener.builder(config, INBOUND_BYTES_MAX)
                    .executor(callExecutor);
            // Every service goes through the chain: there is no other addService call.
            io.kvstore.server.kv.SpaceQuota quota = new io.kvstore.server.kv.SpaceQuota(config.name(),
                    config.limits().quotaBackendBytes(), store::treeBytes);
            builder.addService(chain.wrap(new KvService(members, raft, store, channels, callExecutor, quota)
                            .definition()))
                    .addService(chain.wrap(new ClusterService(members, raft, store, channels, config.cluster(),
                            config.clusterId(), callExecutor, scheduler).definition()))
                    .addService(chain.wrap(io.kvstore.session.SessionService.register(members, raft, store, channels,
                            callExecutor, scheduler)))
                    .addService(chain.wrap(new WatchService(watchHub, store::authState, standing).bindService()))
                    .addService(chain.wrap(new io.kvstore.auth.AuthService(members, raft, store, channels,
                            callExecutor, new io.kvstore.auth.PasswordHasher(
                                    io.kvstore.auth.PasswordHasher.ITERATIONS_DEFAULT),
                            java.time.Duration.ofSeconds(config.authTokenTtlSeconds()), System::currentTimeMillis)
                            .definition()))
                    .addService(chain.wrap(new MembersService(members, raft, callExecutor).definition()))
                    .addService(chain.wrap(health.getHealthService().bindService()))
                    .addService(chain.wrap(ProtoReflectionServiceV1.newInstance().bindService()))
                    .addService(chain.wrap(reflectionV1Alpha()));
            // Locks and elections (lock.proto, election.proto), through the same chain.
            for (io.grpc.BindableService service : io.kvstore.lock.Locks.services(members, raft, store, watchHub,
                    channels, callExecutor, scheduler, standing)) {
                builder.addService(chain.wrap(service.bindService()));
            }
            // Online snapshot, version and disk usage for kvctl (io.kvstore.maintenance).
            builder.addService(chain.wrap(new io.kvstore.maintenance.MaintenanceService(config.name(),
                    config.clusterId(), store, config.dataDir()).bindService()));
            Server grpc = builder.build().start();
            opened.add(() -> grpc.shutdownNow().awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS));
            HostPort bound = config.clientAddress().withPort(grpc.getPort());
            raft.start();
            KvServer server = new KvServer(config.withClientAddress(bound), store, raft, grpc, health, channels,
                    callExecutor, scheduler, members);
            server.watchHub = watchHub;
            server.standing = standing;
            server.listener = listener;
            server.quota = quota;
            server.startMonitor();
            log.info("kvserver {} started: raft member in cluster '{}', state in {}", config.name(),
                    config.clusterId(), config.dataDir().resolve("state").toAbsolutePath());
            System.out.println("kvserver " + config.name() + " serving clients on " + bound);
            System.out.flush();
            return server;
        } catch (IOException | RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @SuppressWarnings("deprecation") // v1alpha is deprecated in grpc-java, and still what grpcurl < 1.9 asks for
    private static io.grpc.ServerServiceDefinition reflectionV1Alpha() {
        return ProtoReflectionService.newInstance().bindService();
    }

    private void startMonitor() {
        HealthReporter reporter = new HealthReporter(members, health);
        MemberPublisher publisher = new MemberPublisher(members, raft, channels, config.clientAddress().toString(),
                System::nanoTime);
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reporter.tick();
                publisher.tick();
                standing.tick();
            } catch (RuntimeException e) {
                // A periodic task that throws is never run again: log and keep going.
                log.warn("member {} monitor tick failed", config.name(), e);
            }
        }, 0, MONITOR_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The configuration, with the client address actually bound. */
    public ServerConfig config() {
        return config;
    }

    /** The full name of every gRPC method this server serves (for the authorization table's completeness test). */
    public java.util.Set<String> registeredMethods() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        grpc.getServices().forEach(service -> service.getMethods()
                .forEach(method -> names.add(method.getMethodDescriptor().getFullMethodName())));
        return names;
    }

    /** The client address clients and other members dial (the bound port when the configured one was 0). */
    public HostPort clientAddress() {
        return config.clientAddress();
    }

    /** The client address {@code member} published through raft, as this member has applied it. */
    public java.util.Optional<String> clientAddressOf(String member) {
        return members.clientAddressOf(member);
    }

    /** Whether this member's NO_SPACE alarm is raised (docs/security.md, "Limits and quotas"). */
    public boolean noSpaceAlarm() {
        return quota.alarmed();
    }

    /** The size of the znode tree the space quota counts, in bytes. */
    public long treeBytes() {
        return store.treeBytes();
    }

    /** Client connections open now and refused so far by --max-connections: {open, refused}. */
    public long[] clientConnections() {
        return new long[] {listener.limiter().open(), listener.limiter().refused()};
    }

    /** This member's raft status (role, term, leader), for operators and tests. */
    public io.kvstore.raft.core.RaftStatus raftStatus() {
        return raft.status();
    }

    /**
     * Stops serving and releases everything, in an order that keeps native RocksDB memory safe: health goes
     * NOT_SERVING, the gRPC server stops (in-flight calls get {@value #SHUTDOWN_GRACE_MILLIS} ms), channels to
     * other members close, raft stops (failing pending proposals), the call threads finish, the state machine
     * closes. Idempotent; waits for the steps.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("kvserver {} stopping", config.name());
        health.enterTerminalState();
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                grpc.shutdownNow().awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
            channels.close();
            if (listener != null) {
                listener.close();
            }
            raft.close();
            callExecutor.shutdown();
            scheduler.shutdownNow();
            awaitOrWarn(callExecutor, "call threads");
            awaitOrWarn(scheduler, "monitor thread");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (watchHub != null) {
                watchHub.close();
            }
            store.close();
            log.info("kvserver {} stopped", config.name());
            stopped.countDown();
        }
    }

    /** Blocks until {@link #close} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * Runs a member until SIGTERM or Ctrl-C. See {@code kvserver --help} and docs/server.md.
     *
     * <p>Exit codes: 0 after a clean shutdown or {@code --help}; 1 when starting failed; 2 for a configuration
     * error. Errors are one line on stderr.
     */
    public static void main(String[] args) throws InterruptedException {
        // grpc-java logs through java.util.logging; at INFO it writes a stack trace per bad connection (port scans,
        // garbage), which is noise for an operator. The logger is kept in a field: JUL holds loggers weakly.
        GRPC_LOGGER.setLevel(java.util.logging.Level.WARNING);
        ServerConfig config;
        try {
            config = ServerCli.parse(args, System.getenv());
        } catch (ServerCli.HelpRequested help) {
            System.out.print(help.text());
            return;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("kvserver: " + e.getMessage());
            System.err.println("kvserver: run 'kvserver --help' for the flags");
            System.exit(2);
            return;
        }
        KvServer server;
        try {
            server = start(config);
        } catch (Exception e) {
            log.debug("start failed", e);
            System.err.println("kvserver " + config.name() + ": cannot start: " + describe(e));
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kvserver-shutdown"));
        // Raft stops itself when its log cannot be written (durability unknown): the process must not linger as a
        // member that answers nothing. Exit from a thread of our own: the callback runs on a raft thread that the
        // shutdown hook waits for.
        server.raft.failure().thenAccept(cause -> {
            System.err.println("kvserver " + config.name() + ": raft stopped after a fatal error: " + describe(cause));
            Thread exit = new Thread(() -> System.exit(1), "kvserver-fatal-exit");
            exit.start();
        });
        server.awaitStopped();
    }

    /** The messages of {@code e} and its causes, each once: enough to act on without a stack trace. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    private static void awaitOrWarn(ExecutorService executor, String what) throws InterruptedException {
        if (!executor.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
            log.warn("{} did not stop within {} ms", what, SHUTDOWN_GRACE_MILLIS);
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
