package io.kvstore.server;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes unary gRPC calls the one way every service does: a value, or a status from {@link StatusMapper}; an
 * unexpected exception becomes INTERNAL and is logged once. A client that cancelled meanwhile makes the observer
 * throw; that is not an error of ours, so it is logged at DEBUG only. Thread-safe, stateless.
 */
public final class Replies {
    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    private Replies() {
    }

    /** Answers with {@code supplier}'s value; a {@link StatusRuntimeException} it throws is passed on as is. */
    public static <R> void answer(StreamObserver<R> response, Supplier<R> supplier) {
        R value;
        try {
            value = supplier.get();
        } catch (StatusRuntimeException e) {
            fail(response, e);
            return;
        } catch (RuntimeException e) {
            log.error("request failed on this member", e);
            fail(response, StatusMapper.internal(e));
            return;
        }
        try {
            response.onNext(value);
            response.onCompleted();
        } catch (RuntimeException e) {
            log.debug("could not answer a call (cancelled by the client?): {}", e.toString());
        }
    }

    public static void fail(StreamObserver<?> response, StatusRuntimeException status) {
        try {
            response.onError(status);
        } catch (RuntimeException e) {
            log.debug("could not fail a call (cancelled by the client?): {}", e.toString());
        }
    }
}
