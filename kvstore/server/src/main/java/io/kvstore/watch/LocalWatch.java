package io.kvstore.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.kvstore.api.v1.WatchCancelRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import java.util.function.Consumer;

/**
 * An in-process watch stream on a member's {@link WatchHub}: the same machinery as a client's Watch call (history
 * catch-up, live hand-over without gap or duplicate, bounded queue), for server-side waiters such as the lock and
 * election services, which must wake when a znode changes instead of polling. The stream is always "ready", so
 * responses go to {@code listener} as soon as a sender thread takes them; they arrive one at a time, in order, on
 * the hub's sender threads: the listener must not block (hand work to an executor). Thread-safe; close it when done.
 */
public final class LocalWatch implements AutoCloseable {

    private final WatchStream stream;
    private final Sink sink;

    private LocalWatch(WatchHub hub, Consumer<WatchResponse> listener) {
        this.sink = new Sink(listener);
        // Server-internal (lock and election waits): the caller was authorized for the lock or election by the
        // interceptor chain; these events never reach a client as such.
        this.stream = new WatchStream(hub, sink, WatchAccess.ALL);
    }

    /** Opens a stream whose responses (created, events, cancellations) go to {@code listener}. */
    public static LocalWatch open(WatchHub hub, Consumer<WatchResponse> listener) {
        return new LocalWatch(hub, listener);
    }

    /**
     * Starts watch {@code watchId} (> 0, unused on this stream) of {@code path} from {@code startRevision} (0: after
     * the current revision). A refusal arrives as a cancellation response.
     */
    public void watch(long watchId, String path, WatchMode mode, long startRevision) {
        stream.onNext(WatchRequest.newBuilder().setCreate(WatchCreateRequest.newBuilder().setWatchId(watchId)
                .setPath(path).setMode(mode).setStartRevision(startRevision)).build());
    }

    /** Stops watch {@code watchId}; its cancellation response still reaches the listener. */
    public void cancel(long watchId) {
        stream.onNext(WatchRequest.newBuilder().setCancel(WatchCancelRequest.newBuilder().setWatchId(watchId))
                .build());
    }

    /** Ends the stream and all its watches; nothing more reaches the listener. Idempotent. */
    @Override
    public void close() {
        sink.closed = true;
        stream.onError(null);
    }

    /** The stream's outbound side: always ready, hands each response to the listener. */
    private static final class Sink extends ServerCallStreamObserver<WatchResponse> {
        private final Consumer<WatchResponse> listener;
        private volatile boolean closed;

        Sink(Consumer<WatchResponse> listener) {
            this.listener = listener;
        }

        @Override
        public void onNext(WatchResponse value) {
            if (!closed) {
                listener.accept(value);
            }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public boolean isCancelled() {
            return closed;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }
    }
}
