package io.kvstore.watch;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.server.testing.Awaiting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw test client of one Watch stream: records every response as the wire carried it. Thread-safe. With
 * {@link #pauseReading} it stops asking for messages (gRPC flow control), to play a slow watcher.
 */
public final class WatchClient implements AutoCloseable {

    private final List<WatchResponse> responses = new ArrayList<>();
    private final ClientCallStreamObserver<WatchRequest> requests;
    private volatile ClientCallStreamObserver<WatchRequest> call;
    private volatile boolean paused;
    private volatile Throwable error;

    public WatchClient(Channel channel) {
        requests = (ClientCallStreamObserver<WatchRequest>) WatchGrpc.newStub(channel).watch(
                new ClientResponseObserver<WatchRequest, WatchResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                        call = stream;
                        stream.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(WatchResponse value) {
                        synchronized (responses) {
                            responses.add(value);
                        }
                        if (!paused) {
                            call.request(1);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        error = t;
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    public void create(WatchCreateRequest request) {
        synchronized (requests) {
            requests.onNext(WatchRequest.newBuilder().setCreate(request).build());
        }
    }

    public void cancel(long watchId) {
        synchronized (requests) {
            requests.onNext(WatchRequest.newBuilder().setCancel(
                    io.kvstore.api.v1.WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
        }
    }

    public void pauseReading() {
        paused = true;
    }

    public void resumeReading() {
        paused = false;
        call.request(1);
    }

    public List<WatchResponse> responses() {
        synchronized (responses) {
            return new ArrayList<>(responses);
        }
    }

    public List<WatchResponse> responses(long watchId) {
        return responses().stream().filter(r -> r.getWatchId() == watchId).toList();
    }

    /** All events received for {@code watchId}, in arrival order. */
    public List<WatchEvent> events(long watchId) {
        List<WatchEvent> out = new ArrayList<>();
        for (WatchResponse r : responses(watchId)) {
            out.addAll(r.getEvents().getEventsList());
        }
        return out;
    }

    /** The highest revision {@code watchId} has been told about (events, progress or created). */
    public long seenRevision(long watchId) {
        long seen = 0;
        for (WatchResponse r : responses(watchId)) {
            if (r.hasEvents() || r.getProgress()) {
                seen = Math.max(seen, r.getHeader().getRevision());
            }
        }
        return seen;
    }

    /** Waits for a response of {@code watchId} matching {@code test}; returns it. */
    public WatchResponse await(long watchId, java.util.function.Predicate<WatchResponse> test, Duration timeout) {
        WatchResponse[] found = new WatchResponse[1];
        Awaiting.until(() -> {
            for (WatchResponse r : responses(watchId)) {
                if (test.test(r)) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        }, timeout, () -> "watch " + watchId + " responses: " + responses(watchId) + " error: " + error);
        return found[0];
    }

    public Throwable error() {
        return error;
    }

    @Override
    public void close() {
        call.cancel("test closes the stream", null);
    }
}
