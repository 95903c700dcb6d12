package io.kvstore.server.interceptor;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Gives every call a request id: the client's {@code x-request-id} header when it is 1 to 128 printable ASCII
 * characters, else a random UUID. The id is echoed in the response headers (or trailers, for a call that fails
 * before sending headers), kept in the gRPC {@link Context} under {@link #REQUEST_ID}, and put in the SLF4J MDC
 * under {@value #MDC_KEY} while the call's callbacks run; {@link #propagating} carries it into continuations.
 * Forwarded calls pass it on, so one id names a request on every member it touched. Thread-safe, stateless.
 */
public final class RequestIdInterceptor implements ServerInterceptor {

    /** The request and response header. */
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** The current call's id. */
    public static final Context.Key<String> REQUEST_ID = Context.key("kvstore-request-id");
    /** The MDC key. */
    public static final String MDC_KEY = "request_id";

    private static final Pattern ACCEPTED = Pattern.compile("[\\x21-\\x7e]{1,128}");

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String given = headers.get(HEADER);
        String id = given != null && ACCEPTED.matcher(given).matches() ? given : randomId();
        ServerCall<ReqT, RespT> echoing = new SimpleForwardingServerCall<>(call) {
            private boolean headersSent;

            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, id);
                headersSent = true;
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (!headersSent) {
                    trailers.put(HEADER, id);
                }
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<ReqT> listener = withMdc(id,
                () -> Contexts.interceptCall(Context.current().withValue(REQUEST_ID, id), echoing, headers, next));
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(ReqT message) {
                withMdc(id, () -> {
                    super.onMessage(message);
                    return null;
                });
            }

            @Override
            public void onHalfClose() {
                withMdc(id, () -> {
                    super.onHalfClose();
                    return null;
                });
            }

            @Override
            public void onCancel() {
                withMdc(id, () -> {
                    super.onCancel();
                    return null;
                });
            }

            @Override
            public void onComplete() {
                withMdc(id, () -> {
                    super.onComplete();
                    return null;
                });
            }
        };
    }

    /**
     * A random version-4 UUID from {@link ThreadLocalRandom}: the id only correlates log lines, it guards nothing,
     * and {@link UUID#randomUUID()} draws from the shared {@code SecureRandom} under a lock on every call.
     */
    static String randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(high, low).toString();
    }

    /**
     * An executor that runs tasks on {@code executor} with the submitting thread's gRPC context and MDC request id:
     * for continuations of a call that complete on other threads.
     */
    public static Executor propagating(Executor executor) {
        return task -> {
            Context context = Context.current();
            String id = REQUEST_ID.get(context);
            Runnable withId = () -> withMdc(id, () -> {
                task.run();
                return null;
            });
            executor.execute(context.wrap(withId));
        };
    }

    private static <T> T withMdc(String id, java.util.function.Supplier<T> body) {
        if (id == null) {
            return body.get();
        }
        String previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        try {
            return body.get();
        } finally {
            if (previous == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, previous);
            }
        }
    }
}
