package io.kvstore.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.api.v1.WatchRequest;
import io.kvstore.api.v1.WatchResponse;

/**
 * The kvstore.v1 Watch service: each call is a {@link WatchStream} on the member's {@link WatchHub}. Served by every
 * member from its own applied state (no forwarding to the leader). Thread-safe.
 */
public final class WatchService extends WatchGrpc.WatchImplBase {

    private final WatchHub hub;

    public WatchService(WatchHub hub) {
        this.hub = hub;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        return new WatchStream(hub, (ServerCallStreamObserver<WatchResponse>) responses);
    }
}
