package io.kvstore.server.interceptor;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ServerCall;
import io.kvstore.server.StatusMapper;
import io.kvstore.store.Failure;
import java.util.Optional;

/**
 * A call listener that checks each request message before passing it on: on the first failure it closes the call
 * with the mapped status and reason, and from then on passes nothing to the service (it would answer a closed call).
 * One instance per call, used on that call's serialized listener thread, so its state needs no synchronization.
 */
abstract class RejectingListener<Q, R> extends SimpleForwardingServerCallListener<Q> {

    private final ServerCall<Q, R> call;
    private boolean rejected;

    RejectingListener(ServerCall<Q, R> call, io.grpc.ServerCall.Listener<Q> delegate) {
        super(delegate);
        this.call = call;
    }

    /** The failure to close the call with, or empty to pass {@code message} on; may see {@code null}. */
    abstract Optional<Failure> check(Q message);

    @Override
    public void onMessage(Q message) {
        if (rejected) {
            return;
        }
        Optional<Failure> failure = check(message);
        if (failure.isPresent()) {
            rejected = true;
            call.close(StatusMapper.toStatus(failure.get()), StatusMapper.trailers(failure.get()));
            return;
        }
        super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
        if (!rejected) {
            super.onHalfClose();
        }
    }

    @Override
    public void onReady() {
        if (!rejected) {
            super.onReady();
        }
    }
}
