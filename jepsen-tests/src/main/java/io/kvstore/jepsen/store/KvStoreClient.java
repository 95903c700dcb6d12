package io.kvstore.jepsen.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvstore.client.CreateOptions;
import io.kvstore.client.KvAlreadyExistsException;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.KvPreconditionException;
import io.kvstore.client.KvUnavailableException;
import io.kvstore.client.KvVersionMismatchException;
import io.kvstore.client.PutOptions;
import io.kvstore.client.ReadConsistency;
import io.kvstore.client.Session;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchMode;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.client.Znode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link StoreClient} over kvstore's {@link KvClient}: znodes, versions, watches and sessions. */
public final class KvStoreClient implements StoreClient {
    private final KvClient client;

    /**
     * @param endpoints members to try, in order
     * @param requestTimeout one attempt
     * @param retryDeadline a whole call, retries included
     */
    public KvStoreClient(List<String> endpoints, Duration requestTimeout, Duration retryDeadline) {
        this.client = KvClient.builder().endpoints(endpoints).requestTimeout(requestTimeout)
                .retryDeadline(retryDeadline).build();
    }

    /** The underlying client, for kvstore-only operations. */
    public KvClient client() {
        return client;
    }

    @Override
    public Optional<Versioned> read(String key, boolean linearizable) {
        return call(() -> client.find(key, linearizable ? ReadConsistency.LINEARIZABLE
                : ReadConsistency.SERIALIZABLE).map(z -> new Versioned(parse(z), z.stat().version(),
                        z.stat().modRevision())));
    }

    @Override
    public long write(String key, long value) {
        return call(() -> client.put(key, bytes(value), PutOptions.DEFAULT.withMakeParents()).revision());
    }

    @Override
    public void compareAndSet(String key, long version, long value) {
        call(() -> client.put(key, bytes(value), PutOptions.ifVersion(version)));
    }

    @Override
    public void create(String key, long value) {
        try {
            call(() -> client.create(key, bytes(value), CreateOptions.MAKE_PARENTS));
        } catch (StoreException e) {
            if (!(e.getCause() instanceof KvAlreadyExistsException)) {
                throw e;
            }
        }
    }

    @Override
    public List<String> list(String prefix) {
        return call(() -> client.list(prefix, ReadConsistency.LINEARIZABLE));
    }

    @Override
    public Handle watch(String prefix, long fromRevision, WatchSink sink) {
        Watcher w = client.watch(prefix, WatchOptions.DEFAULT.withMode(WatchMode.CHILDREN)
                .withStartRevision(fromRevision), new WatchListener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        List<Change> changes = new ArrayList<>();
                        for (WatchEvent e : events) {
                            if (e.type() != WatchEvent.Type.DELETED) {
                                changes.add(new Change(e.revision(), e.path(),
                                        Long.parseLong(new String(e.value(), UTF_8))));
                            }
                        }
                        if (!changes.isEmpty()) {
                            sink.changes(changes);
                        }
                    }

                    @Override
                    public void onCompacted(long oldestRevision) {
                        sink.ended("compacted: history starts at " + oldestRevision);
                    }

                    @Override
                    public void onError(KvException error) {
                        sink.ended("error: " + error.getMessage());
                    }
                });
        return w::close;
    }

    @Override
    public Handle ephemeral(String key, long value, Duration ttl) {
        String parent = key.substring(0, key.lastIndexOf('/'));
        if (!parent.isEmpty()) {
            create(parent, 0); // ephemeral creates take no make-parents option
        }
        Session session = call(() -> client.openSession(ttl));
        try {
            call(() -> session.createEphemeral(key, bytes(value)));
        } catch (StoreException e) {
            session.close();
            throw e;
        }
        return session::close;
    }

    @Override
    public void close() {
        client.close();
    }

    private static <T> T call(Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            throw classify(e);
        }
    }

    /**
     * FAIL when the store definitely did not apply it (it rejected the request), INFO when it may have or may
     * still (deadline passed, member unreachable, internal error).
     */
    static StoreException classify(RuntimeException e) {
        boolean rejected = e instanceof KvVersionMismatchException || e instanceof KvNotFoundException
                || e instanceof KvPreconditionException || e instanceof KvInvalidArgumentException
                || e instanceof KvAlreadyExistsException;
        String error;
        if (e instanceof KvUnavailableException) {
            error = "unavailable";
        } else if (e instanceof KvException k && k.reason().isPresent()) {
            error = k.reason().get().name();
        } else {
            error = e.getClass().getSimpleName();
        }
        return new StoreException(rejected, error, e);
    }

    private static byte[] bytes(long v) {
        return Long.toString(v).getBytes(UTF_8);
    }

    private static long parse(Znode z) {
        return Long.parseLong(z.valueUtf8());
    }
}
