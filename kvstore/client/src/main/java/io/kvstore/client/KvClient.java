package io.kvstore.client;

import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionCloseResponse;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.SessionOpenRequest;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.client.internal.ClientConfig;
import io.kvstore.client.internal.Endpoints;
import io.kvstore.client.internal.RetryingCaller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of a kvstore cluster: reads and writes znodes, with retries, leader discovery and exactly-once writes.
 *
 * <pre>{@code
 * try (KvClient kv = KvClient.builder().endpoints("10.0.0.1:7379", "10.0.0.2:7379", "10.0.0.3:7379").build()) {
 *     kv.put("/app/db/url", "jdbc:...".getBytes(UTF_8), PutOptions.DEFAULT.withMakeParents());
 *     Znode url = kv.get("/app/db/url");
 * }
 * }</pre>
 *
 * <p><b>Thread-safety and ownership.</b> Thread-safe; share one instance per process. The client owns one gRPC
 * channel per member it talks to and one timer thread; {@link #close()} releases them and must be called. Results are
 * immutable values; byte arrays passed in are copied.
 *
 * <p><b>Sync and async.</b> Every operation has a blocking form and an {@code ...Async} form returning a
 * {@link CompletableFuture}. The blocking form throws the {@link KvException} the future would fail with. Futures
 * complete on gRPC or client timer threads: do not block in their callbacks, hop to your own executor for heavy
 * work. Cancelling a returned future does not cancel the call.
 *
 * <p><b>Deadlines and retries.</b> Every attempt has a deadline ({@link Builder#requestTimeout}); a call retries
 * retryable failures (member unreachable, not the leader, no quorum, outcome unknown, busy) on other members with
 * exponential backoff and jitter until {@link Builder#retryDeadline} has passed, then throws
 * {@link KvUnavailableException}. A NOT_LEADER answer naming the leader sends the next attempt there. Other failures
 * are thrown at once, typed: see {@link KvException}. Missing znodes are an error only for {@link #get}: use
 * {@link #find} or {@link #exists} when absence is a normal answer.
 *
 * <p><b>Exactly-once writes.</b> Each write carries a client id and sequence; a retried write re-sends the same
 * pair, and the store applies it at most once, answering a retry with the original result. The store remembers one
 * sequence per client id, so the client owns a pool of "write lanes" (client ids), each carrying at most one write at
 * a time; up to {@link Builder#writeLanes} writes run concurrently and further writes wait for a lane, within their
 * retry deadline. See docs/client.md.
 */
public final class KvClient implements AutoCloseable {
    /** Restarts of a full listing whose pages went stale under concurrent changes, before giving up. */
    private static final int LIST_RESTARTS_MAX = 3;

    private final RetryingCaller caller;
    private final ClusterAdmin cluster;
    private final ClientConfig config;
    private final Random jitter;
    private final Endpoints endpoints;
    /** Watch reconnect timers; one daemon thread. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor watchTimer;
    /** Runs watch listeners (each watcher's callbacks serially); daemon threads, created on demand. */
    private final java.util.concurrent.ExecutorService watchCallbacks;
    private final java.util.Set<Watcher> watchers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private KvClient(ClientConfig config, Random jitter,
                     java.util.function.Function<String, io.grpc.ManagedChannel> channelFactory,
                     io.kvstore.client.internal.TokenCredentials credentials) {
        // The channel factory (internal.Channels) is the one place credentials are chosen: TLS transport
        // credentials, and auth's token as a call interceptor.
        Endpoints endpoints = new Endpoints(config.endpoints(), channelFactory);
        this.caller = new RetryingCaller(config, endpoints, jitter, credentials != null);
        this.config = config;
        this.jitter = jitter;
        this.endpoints = endpoints;
        this.watchTimer = new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("kvclient-watch-timer"));
        this.watchTimer.setRemoveOnCancelPolicy(true);
        this.watchCallbacks = java.util.concurrent.Executors.newCachedThreadPool(daemon("kvclient-watch-callback"));
        this.cluster = new ClusterAdmin(caller, new ClusterAdmin.Await() {
            @Override
            public <T> T await(CompletableFuture<T> future) {
                return KvClient.this.await(future);
            }
        });
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Membership and leadership operations on the same channels, retries and deadlines as this client; valid until
     * this client is closed. See {@link ClusterAdmin}.
     */
    public ClusterAdmin cluster() {
        return cluster;
    }

    /**
     * Users, roles, grants and the enabled flag (docs/security.md) on the same channels, credentials, retries and
     * deadlines as this client; valid until this client is closed. See {@link AuthAdmin}.
     */
    public AuthAdmin auth() {
        return new AuthAdmin(caller, new ClusterAdmin.Await() {
            @Override
            public <T> T await(CompletableFuture<T> future) {
                return KvClient.this.await(future);
            }
        });
    }

    /** A builder with the defaults: endpoint 127.0.0.1:7379, 5 s per attempt, 30 s per call, 64 write lanes. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    /** The znode at {@code path}, read linearizably. @throws KvNotFoundException when it does not exist */
    public Znode get(String path) {
        return await(getAsync(path, ReadConsistency.LINEARIZABLE));
    }

    /** The znode at {@code path}. @throws KvNotFoundException when it does not exist */
    public Znode get(String path, ReadConsistency consistency) {
        return await(getAsync(path, consistency));
    }

    /** See {@link #get(String, ReadConsistency)}; the future fails with KvNotFoundException when absent. */
    public CompletableFuture<Znode> getAsync(String path, ReadConsistency consistency) {
        GetRequest request = GetRequest.newBuilder().setPath(checked(path))
                .setSerializable(consistency == ReadConsistency.SERIALIZABLE).build();
        return caller.read(KVGrpc.getGetMethod(), request).thenApply(r -> Wire.znode(path, r));
    }

    /** The znode at {@code path}, read linearizably, or empty when it does not exist. */
    public Optional<Znode> find(String path) {
        return await(findAsync(path, ReadConsistency.LINEARIZABLE));
    }

    /** The znode at {@code path}, or empty when it does not exist. */
    public Optional<Znode> find(String path, ReadConsistency consistency) {
        return await(findAsync(path, consistency));
    }

    /** See {@link #find(String, ReadConsistency)}. */
    public CompletableFuture<Optional<Znode>> findAsync(String path, ReadConsistency consistency) {
        return getAsync(path, consistency).handle((znode, failure) -> {
            if (failure == null) {
                return Optional.of(znode);
            }
            Throwable cause = failure.getCause() != null && !(failure instanceof KvException)
                    ? failure.getCause() : failure;
            if (cause instanceof KvNotFoundException) {
                return Optional.<Znode>empty();
            }
            throw cause instanceof RuntimeException r ? r : new KvException(cause.toString(), null, -1, cause);
        });
    }

    /** The stat of the znode at {@code path}, read linearizably, or empty when it does not exist. */
    public Optional<ZnodeStat> exists(String path) {
        return await(existsAsync(path, ReadConsistency.LINEARIZABLE));
    }

    /** The stat of the znode at {@code path}, or empty when it does not exist. */
    public Optional<ZnodeStat> exists(String path, ReadConsistency consistency) {
        return await(existsAsync(path, consistency));
    }

    /** See {@link #exists(String, ReadConsistency)}. */
    public CompletableFuture<Optional<ZnodeStat>> existsAsync(String path, ReadConsistency consistency) {
        ExistsRequest request = ExistsRequest.newBuilder().setPath(checked(path))
                .setSerializable(consistency == ReadConsistency.SERIALIZABLE).build();
        return caller.read(KVGrpc.getExistsMethod(), request)
                .thenApply(r -> r.getExists() ? Optional.of(Wire.stat(r.getStat())) : Optional.empty());
    }

    /**
     * The names of all direct children of {@code path}, in byte order, read linearizably, fetched page by page at
     * one revision. A listing whose children change between pages restarts from the first page (up to 3 times).
     * Holds every name in memory: for very wide znodes page with {@link #listPage}.
     *
     * @throws KvNotFoundException when the znode does not exist
     */
    public List<String> list(String path) {
        return await(listAsync(path, ReadConsistency.LINEARIZABLE));
    }

    /** See {@link #list(String)}. */
    public List<String> list(String path, ReadConsistency consistency) {
        return await(listAsync(path, consistency));
    }

    /** See {@link #list(String)}. */
    public CompletableFuture<List<String>> listAsync(String path, ReadConsistency consistency) {
        return listFrom(checked(path), consistency, "", new ArrayList<>(), 0);
    }

    private CompletableFuture<List<String>> listFrom(String path, ReadConsistency consistency, String token,
            List<String> names, int restarts) {
        return listPageAsync(path, 0, token, consistency).handle((page, failure) -> {
            if (failure == null) {
                names.addAll(page.names());
                return page.hasMore() ? listFrom(path, consistency, page.nextPageToken(), names, restarts)
                        : CompletableFuture.completedFuture(List.copyOf(names));
            }
            Throwable cause = failure instanceof KvException ? failure : failure.getCause();
            if (cause instanceof KvException e && e.reason().orElse(null) == ErrorCode.PAGE_TOKEN_STALE
                    && restarts < LIST_RESTARTS_MAX) {
                return listFrom(path, consistency, "", new ArrayList<>(), restarts + 1);
            }
            return CompletableFuture.<List<String>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /**
     * One page of the children of {@code path}.
     *
     * @param limit names per page; 0 for the server's default (1000), at most 10000
     * @param pageToken "" for the first page, else {@link ListPage#nextPageToken()} of the previous page
     * @throws KvException with reason PAGE_TOKEN_STALE when the children changed since the first page: restart
     */
    public ListPage listPage(String path, int limit, String pageToken, ReadConsistency consistency) {
        return await(listPageAsync(path, limit, pageToken, consistency));
    }

    /** See {@link #listPage}. */
    public CompletableFuture<ListPage> listPageAsync(String path, int limit, String pageToken,
            ReadConsistency consistency) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0: " + limit);
        }
        ListRequest request = ListRequest.newBuilder().setPath(checked(path)).setLimit(limit)
                .setPageToken(Objects.requireNonNull(pageToken, "pageToken"))
                .setSerializable(consistency == ReadConsistency.SERIALIZABLE).build();
        return caller.read(KVGrpc.getListMethod(), request).thenApply(r -> new ListPage(r.getNamesList(),
                r.getNextPageToken(), r.getHeader().getRevision()));
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    /**
     * Creates a znode. @throws KvAlreadyExistsException when it exists; KvPreconditionException (PARENT_NOT_FOUND)
     * when its parent is missing
     */
    public CreateResult create(String path, byte[] value) {
        return await(createAsync(path, value, CreateOptions.DEFAULT));
    }

    /** Creates a znode, with options (make parents). */
    public CreateResult create(String path, byte[] value, CreateOptions options) {
        return await(createAsync(path, value, options));
    }

    /** See {@link #create(String, byte[], CreateOptions)}. */
    public CompletableFuture<CreateResult> createAsync(String path, byte[] value, CreateOptions options) {
        return createAsync(path, value, options, 0);
    }

    /** A create, ephemeral when {@code sessionId} is not 0 (see {@link Session#createEphemeral}). */
    CompletableFuture<CreateResult> createAsync(String path, byte[] value, CreateOptions options, long sessionId) {
        return createAsync(path, value, options, sessionId, null);
    }

    /** A create, fenced when {@code fence} is not null (see {@link FencedWrites}). */
    CompletableFuture<CreateResult> createAsync(String path, byte[] value, CreateOptions options, long sessionId,
                                                FencingToken fence) {
        CreateRequest.Builder request = CreateRequest.newBuilder().setPath(checked(path))
                .setValue(ByteString.copyFrom(value)).setMakeParents(options.makeParents())
                .setSequential(options.sequential()).setTtlMillis(options.ttl().toMillis()).setSessionId(sessionId);
        return caller.write(KVGrpc.getCreateMethod(), header -> request.setHeader(fenced(header, fence)).build())
                .thenApply(Wire::create);
    }

    // ---- sessions ----------------------------------------------------------------------------------------------

    /**
     * Opens a session with {@code ttl} (1 s to 1 hour) and starts its keepalives. The caller owns the returned
     * {@link Session} and must close it (which deletes its ephemeral znodes); closing this client stops its
     * keepalives too. @throws KvInvalidArgumentException (TTL_OUT_OF_RANGE) for a TTL out of bounds
     */
    public Session openSession(Duration ttl) {
        return await(openSessionAsync(ttl));
    }

    /** See {@link #openSession}. */
    public CompletableFuture<Session> openSessionAsync(Duration ttl) {
        long sentNanos = System.nanoTime();
        SessionOpenRequest.Builder request = SessionOpenRequest.newBuilder().setTtlMillis(ttl.toMillis());
        return caller.write(SessionGrpc.getOpenMethod(), header -> request.setHeader(header).build())
                .thenApply(r -> Session.start(this, caller, r.getSessionId(), Duration.ofMillis(r.getTtlMillis()),
                        sentNanos));
    }

    /** Ends a session on the server (used by {@link Session#close}). */
    CompletableFuture<SessionCloseResponse> closeSessionAsync(long sessionId) {
        SessionCloseRequest.Builder request = SessionCloseRequest.newBuilder().setSessionId(sessionId);
        return caller.write(SessionGrpc.getCloseMethod(), header -> request.setHeader(header).build());
    }

    /** Blocks like the synchronous operations do. */
    <T> T awaitResult(CompletableFuture<T> future) {
        return await(future);
    }

    /** Blocks like the synchronous operations do, {@code extra} longer (for calls that wait on the server). */
    <T> T awaitResult(CompletableFuture<T> future, Duration extra) {
        return await(future, extra);
    }

    /** Creates or replaces a znode's value, unconditionally. */
    public PutResult put(String path, byte[] value) {
        return await(putAsync(path, value, PutOptions.DEFAULT));
    }

    /**
     * Creates or replaces a znode's value, with options. @throws KvVersionMismatchException when
     * {@code options.expectedVersion()} does not match (its {@code currentVersion()} says what did)
     */
    public PutResult put(String path, byte[] value, PutOptions options) {
        return await(putAsync(path, value, options));
    }

    /** See {@link #put(String, byte[], PutOptions)}. */
    public CompletableFuture<PutResult> putAsync(String path, byte[] value, PutOptions options) {
        return putAsync(path, value, options, null);
    }

    CompletableFuture<PutResult> putAsync(String path, byte[] value, PutOptions options, FencingToken fence) {
        PutRequest.Builder request = PutRequest.newBuilder().setPath(checked(path))
                .setValue(ByteString.copyFrom(value)).setMakeParents(options.makeParents());
        if (options.expectedVersion() != PutOptions.ANY_VERSION) {
            request.setExpectedVersion(options.expectedVersion());
        }
        return caller.write(KVGrpc.getPutMethod(), header -> request.setHeader(fenced(header, fence)).build())
                .thenApply(Wire::put);
    }

    /** Deletes a znode without children. @throws KvNotFoundException when it does not exist */
    public DeleteResult delete(String path) {
        return await(deleteAsync(path, DeleteOptions.DEFAULT));
    }

    /**
     * Deletes a znode, with options. @throws KvNotFoundException when it does not exist; KvPreconditionException
     * (HAS_CHILDREN) when it has children and the delete is not recursive; KvVersionMismatchException
     */
    public DeleteResult delete(String path, DeleteOptions options) {
        return await(deleteAsync(path, options));
    }

    /** See {@link #delete(String, DeleteOptions)}. */
    public CompletableFuture<DeleteResult> deleteAsync(String path, DeleteOptions options) {
        return deleteAsync(path, options, null);
    }

    CompletableFuture<DeleteResult> deleteAsync(String path, DeleteOptions options, FencingToken fence) {
        DeleteRequest.Builder request = DeleteRequest.newBuilder().setPath(checked(path))
                .setRecursive(options.recursive());
        if (options.expectedVersion() != PutOptions.ANY_VERSION) {
            request.setExpectedVersion(options.expectedVersion());
        }
        return caller.write(KVGrpc.getDeleteMethod(), header -> request.setHeader(fenced(header, fence)).build())
                .thenApply(r -> new DeleteResult(r.getDeleted(), r.getHeader().getRevision()));
    }

    /**
     * Runs a transaction. Failed compares are not an error ({@link TxnResult#succeeded()} is false). A failing
     * operation throws the matching KvException with {@link KvException#opIndex()} set, and nothing is applied.
     */
    public TxnResult txn(Txn txn) {
        return await(txnAsync(txn));
    }

    /** See {@link #txn(Txn)}. */
    public CompletableFuture<TxnResult> txnAsync(Txn txn) {
        return txnAsync(txn, null);
    }

    CompletableFuture<TxnResult> txnAsync(Txn txn, FencingToken fence) {
        var request = Wire.txn(Objects.requireNonNull(txn, "txn"));
        return caller.write(KVGrpc.getTxnMethod(), header -> request.setHeader(fenced(header, fence)).build())
                .thenApply(r -> Wire.txn(txn, r));
    }

    // ---- locks and elections (docs/client.md, "Locks and elections") -----------------------------------------

    /**
     * An exclusive lock (mutex) named {@code name}, owned by {@code session}: its end releases the lock. The handle
     * is not thread-safe per acquisition; see {@link DistributedLock}.
     */
    public DistributedLock lock(String name, Session session) {
        return new DistributedLock(this, caller, name, session, DistributedLock.Kind.EXCLUSIVE, 1);
    }

    /** A counting semaphore: up to {@code permits} holders of {@code name} at once. */
    public DistributedLock semaphore(String name, int permits, Session session) {
        return new DistributedLock(this, caller, name, session, DistributedLock.Kind.EXCLUSIVE, permits);
    }

    /** A fair read-write lock: readers share, a writer is alone, in arrival order. */
    public ReadWriteLock readWriteLock(String name, Session session) {
        return new ReadWriteLock(
                new DistributedLock(this, caller, name, session, DistributedLock.Kind.SHARED, 0),
                new DistributedLock(this, caller, name, session, DistributedLock.Kind.EXCLUSIVE, 1));
    }

    /** A candidate in election {@code name}, owned by {@code session}. See {@link LeaderElection}. */
    public LeaderElection election(String name, Session session) {
        return new LeaderElection(this, caller, name, session, watchCallbacks);
    }

    /** Writes that succeed only while {@code token} is a current holder's token (see {@link FencedWrites}). */
    public FencedWrites fenced(FencingToken token) {
        return new FencedWrites(this, Objects.requireNonNull(token, "token"));
    }

    private static io.kvstore.api.v1.RequestHeader fenced(io.kvstore.api.v1.RequestHeader header,
                                                         FencingToken fence) {
        return fence == null ? header : header.toBuilder().setFence(io.kvstore.api.v1.Fence.newBuilder()
                .setLockPath(fence.lockPath()).setToken(fence.token())).build();
    }

    // ---- watches -----------------------------------------------------------------------------------------------

    /**
     * Watches {@code path} (see {@link WatchOptions} for the scope and start) until the returned {@link Watcher} is
     * closed. Events reach {@code listener} in revision order, each exactly once, on a client thread (see
     * {@link WatchListener}). Any member serves watches; when the stream fails (member down, leader change, no
     * quorum, network flap) the watcher reconnects to the next member with backoff and jitter and resumes from the
     * last delivered revision + 1, for ever: it never gives up silently. It ends by itself only with
     * {@link WatchListener#onCompacted} (the resume point left the server's history: re-read, watch again) or
     * {@link WatchListener#onError} (an invalid request). The path is validated by the server (onError).
     *
     * @throws IllegalStateException when the client is closed
     */
    public Watcher watch(String path, WatchOptions options, WatchListener listener) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (watchTimer.isShutdown()) {
            throw new IllegalStateException("client closed");
        }
        Watcher[] self = new Watcher[1];
        io.kvstore.client.internal.ReconnectingWatcher watcher = new io.kvstore.client.internal.ReconnectingWatcher(
                checked(path), options, listener, endpoints, watchTimer, watchCallbacks, config, jitter,
                () -> watchers.remove(self[0]));
        self[0] = watcher;
        watchers.add(watcher);
        return watcher.start();
    }

    /**
     * Closes the channels and the timer. Calls in flight and writes waiting for a lane fail with
     * {@link KvUnavailableException}; calls made afterwards throw IllegalStateException. Idempotent.
     */
    @Override
    public void close() {
        watchers.forEach(Watcher::close);
        watchTimer.shutdownNow();
        watchCallbacks.shutdown();
        caller.close();
    }

    private <T> T await(CompletableFuture<T> future) {
        return await(future, Duration.ZERO);
    }

    private <T> T await(CompletableFuture<T> future, Duration extra) {
        Duration waitMax = caller.syncWaitMax().plus(extra);
        try {
            return future.get(waitMax.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new KvException(String.valueOf(cause), null, -1, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException("interrupted while waiting for the call", null, -1, e);
        } catch (TimeoutException e) {
            // Unreachable while the call's own deadlines hold; bounded anyway so no caller hangs for ever.
            throw new KvUnavailableException("no outcome within " + waitMax, null, e);
        }
    }

    private static String checked(String path) {
        return Objects.requireNonNull(path, "path");
    }

    /**
     * Settings of a {@link KvClient}; validated by {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private List<String> endpoints = List.of("127.0.0.1:7379");
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration retryDeadline = Duration.ofSeconds(30);
        private Duration backoffInitial = Duration.ofMillis(25);
        /**
         * 100 ms: an election takes 200–400 ms with the server's defaults, and a client backing off towards a
         * second between attempts would find the new leader up to half a second late (measured in
         * docs/benchmarks.md). Ten attempts a second per waiting call is a small load on a cluster that is
         * electing anyway.
         */
        private Duration backoffMax = Duration.ofMillis(100);
        private int writeLanes = 64;
        private int laneWaitersMax = 10_000;
        private Random jitter = new Random();
        private String user;
        private String password;
        private java.nio.file.Path tlsCaFile;
        private java.nio.file.Path tlsCertFile;
        private java.nio.file.Path tlsKeyFile;
        private String tlsServerName;

        private Builder() {
        }

        /**
         * Authenticates as {@code user} (auth; docs/security.md): the password is exchanged for a short-lived token
         * on first use, the token is sent on every call and renewed before it expires, and a call refused because
         * its token expired or was invalidated is retried (within the retry deadline) with a fresh one. Against a cluster with auth
         * disabled, calls go without a token. Default: no credentials. A wrong password surfaces as a
         * {@link KvException} with status UNAUTHENTICATED on the first call.
         */
        public Builder credentials(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Connect with TLS and trust servers whose certificate chains to the PEM CA bundle {@code caFile} (null: the
         * JDK's default CAs). The server's certificate must name the endpoint's host (see {@link #tlsServerName}).
         * Default: plaintext. docs/security.md, "TLS".
         */
        public Builder tls(java.nio.file.Path caFile) {
            this.tlsCaFile = caFile;
            return this;
        }

        /**
         * Present this client certificate (PEM chain and PEM PKCS#8 key) over TLS; implies TLS. Servers that require
         * client certificates ({@code --client-cert-auth}) refuse clients without one; its common name is the
         * client's identity.
         */
        public Builder tlsClientCertificate(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
            this.tlsCertFile = Objects.requireNonNull(certFile, "certFile");
            this.tlsKeyFile = Objects.requireNonNull(keyFile, "keyFile");
            return this;
        }

        /** Verify the server's certificate against this name instead of the endpoint's host; implies TLS. */
        public Builder tlsServerName(String serverName) {
            this.tlsServerName = Objects.requireNonNull(serverName, "serverName");
            return this;
        }

        /** host:port of members to try, in order; any member will do (writes are forwarded to the leader). */
        public Builder endpoints(String... endpoints) {
            return endpoints(List.of(endpoints));
        }

        /** See {@link #endpoints(String...)}. Default: 127.0.0.1:7379. */
        public Builder endpoints(List<String> endpoints) {
            this.endpoints = List.copyOf(endpoints);
            return this;
        }

        /**
         * Deadline of one attempt. Default 5 s: well above a commit (milliseconds) and a forwarded linearizable
         * read, short enough that a hung member costs one attempt, not the call.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Deadline of one call over all attempts and the wait for a write lane. Default 30 s: rides out a leader
         * election (about a second) and a member restart; lower it when a fast failure beats waiting.
         */
        public Builder retryDeadline(Duration retryDeadline) {
            this.retryDeadline = retryDeadline;
            return this;
        }

        /** Backoff before the second attempt (default 25 ms) and the cap it doubles up to (default 100 ms). */
        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /**
         * Writes in flight at once, each on its own client id. Default 64: enough to keep a leader's pipeline busy
         * from one process, while the server's dedup table (100,000 client ids) holds over a thousand such clients.
         * Range 1..1024.
         */
        public Builder writeLanes(int writeLanes) {
            this.writeLanes = writeLanes;
            return this;
        }

        /**
         * Writes that may wait for a free lane before new ones fail at once with KvUnavailableException. Default
         * 10,000: a bound on queued memory, far above what a healthy cluster lets build up.
         */
        public Builder laneWaitersMax(int laneWaitersMax) {
            this.laneWaitersMax = laneWaitersMax;
            return this;
        }

        /** The source of backoff jitter; pass a seeded Random to make delays repeatable in tests. */
        public Builder jitter(Random jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /** The client. @throws IllegalArgumentException naming the setting that is out of range */
        public KvClient build() {
            ClientConfig config = new ClientConfig(endpoints, requestTimeout, retryDeadline, backoffInitial,
                    backoffMax, writeLanes, laneWaitersMax);
            io.kvstore.client.internal.TokenCredentials credentials = user == null ? null
                    : new io.kvstore.client.internal.TokenCredentials(user, password, requestTimeout,
                            System::currentTimeMillis);
            return new KvClient(config, jitter, io.kvstore.client.internal.Channels.factory(tlsCaFile, tlsCertFile,
                    tlsKeyFile, tlsServerName, credentials == null ? new io.grpc.ClientInterceptor[0]
                            : new io.grpc.ClientInterceptor[] {credentials.interceptor()}), credentials);
        }
    }
}
