package io.kvstore.client;

import java.util.concurrent.CompletableFuture;

/**
 * Writes that the store applies only while a {@link FencingToken} belongs to a current holder of its lock (or the
 * current leader of its election). The check runs inside the same replicated log entry as the write, so there is
 * no window between "still the holder" and "written". A superseded holder's write fails with
 * {@link KvPreconditionException} whose {@link KvException#reason()} is {@code FENCED}, and changes nothing.
 * Obtained from {@link KvClient#fenced}; retries and exactly-once as for the client's other writes. Thread-safe.
 */
public final class FencedWrites {

    private final KvClient client;
    private final FencingToken token;

    FencedWrites(KvClient client, FencingToken token) {
        this.client = client;
        this.token = token;
    }

    /** The token these writes carry. */
    public FencingToken token() {
        return token;
    }

    /** A fenced {@link KvClient#put(String, byte[], PutOptions)}. */
    public PutResult put(String path, byte[] value, PutOptions options) {
        return client.awaitResult(putAsync(path, value, options));
    }

    /** See {@link #put}. */
    public CompletableFuture<PutResult> putAsync(String path, byte[] value, PutOptions options) {
        return client.putAsync(path, value, options, token);
    }

    /** A fenced {@link KvClient#create(String, byte[], CreateOptions)}. */
    public CreateResult create(String path, byte[] value, CreateOptions options) {
        return client.awaitResult(client.createAsync(path, value, options, 0, token));
    }

    /** A fenced {@link KvClient#delete(String, DeleteOptions)}. */
    public DeleteResult delete(String path, DeleteOptions options) {
        return client.awaitResult(client.deleteAsync(path, options, token));
    }

    /** A fenced {@link KvClient#txn(Txn)}: the fence is checked before the compares. */
    public TxnResult txn(Txn txn) {
        return client.awaitResult(client.txnAsync(txn, token));
    }
}
