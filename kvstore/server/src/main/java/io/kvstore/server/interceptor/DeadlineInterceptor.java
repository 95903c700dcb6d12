package io.kvstore.server.interceptor;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds every unary call in time. A call whose deadline has already expired is answered DEADLINE_EXCEEDED
 * without running (nothing was done, so the status carries no reason). A unary call without a deadline gets
 * {@code defaultDeadline}, so a write never waits for ever on a cluster without quorum; the services read the
 * deadline from {@link Context#current()}. Streaming calls (health Watch, reflection) keep their own lifetime.
 * Thread-safe.
 */
public final class DeadlineInterceptor implements ServerInterceptor {

    private final Duration defaultDeadline;
    private final ScheduledExecutorService scheduler;

    /**
     * @param defaultDeadline the deadline of a unary call that has none; positive
     * @param scheduler cancels contexts whose default deadline passed
     */
    public DeadlineInterceptor(Duration defaultDeadline, ScheduledExecutorService scheduler) {
        if (defaultDeadline.isNegative() || defaultDeadline.isZero()) {
            throw new IllegalArgumentException("defaultDeadline must be positive: " + defaultDeadline);
        }
        this.defaultDeadline = defaultDeadline;
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.isExpired()) {
            call.close(Status.DEADLINE_EXCEEDED.withDescription("the deadline expired before the server started "
                    + "the call; nothing was done"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        if (deadline != null || call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
            return next.startCall(call, headers);
        }
        Context.CancellableContext bounded = Context.current()
                .withDeadlineAfter(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS, scheduler);
        ServerCall.Listener<ReqT> listener = Contexts.interceptCall(bounded, call, headers, next);
        return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    bounded.cancel(null); // releases the scheduled deadline task
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    bounded.cancel(null);
                }
            }
        };
    }
}
