package io.kvstore.server.interceptor;

import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The one interceptor chain every service of the server goes through; {@code KvServer} registers services only via
 * {@link #wrap}, so none can bypass it. Order, outermost first:
 * <pre>
 *   decode guard    bytes that do not decode as the request: INVALID_ARGUMENT, not gRPC's UNKNOWN (DecodeGuard)
 *   request id      x-request-id in, echoed out, in the MDC: every later log line of the call carries it
 *   peer identity   the verified client certificate's CN into the Context (security.PeerIdentity.CLIENT_CERT_CN)
 *   auth            AuthInterceptor: authenticates the caller (token, member credential, client certificate) and
 *                   authorizes the method and each request message by the MethodTable; refused before it costs
 *                   anything, and after the request id so the refusal is traceable
 *   deadline        refuse expired calls, give unary calls without a deadline the default one
 *   (metrics go here: latency and outcome per method, measured inside the deadline so they see its effect;
 *    they come with the metrics issue.)
 *   validation      RequestValidator on kvstore.v1 requests: bad requests never reach the service
 *   service
 * </pre>
 * Immutable and thread-safe.
 */
public final class InterceptorChain {

    /** A client that sets no deadline gets this one: long enough for an election plus a commit, short enough to free
     *  resources held for a cluster without quorum. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private final List<ServerInterceptor> outermostFirst;

    private InterceptorChain(List<ServerInterceptor> outermostFirst) {
        this.outermostFirst = List.copyOf(outermostFirst);
    }

    /**
     * The server's chain, with {@link #DEFAULT_DEADLINE}; {@code scheduler} runs default-deadline timers; {@code auth}
     * (io.kvstore.auth.AuthInterceptor) right after the peer identity, which it reads.
     */
    public static InterceptorChain standard(ScheduledExecutorService scheduler, ServerInterceptor auth) {
        return new InterceptorChain(List.of(
                new RequestIdInterceptor(),
                new io.kvstore.server.security.PeerIdentity(),
                auth,
                new DeadlineInterceptor(DEFAULT_DEADLINE, scheduler),
                new ValidationInterceptor()));
    }

    /** {@code service} behind the whole chain, and behind {@link DecodeGuard} (undecodable requests). */
    public ServerServiceDefinition wrap(ServerServiceDefinition service) {
        return DecodeGuard.wrap(ServerInterceptors.interceptForward(service, outermostFirst));
    }
}
