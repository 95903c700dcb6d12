package io.kvstore.server.kv;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Part of {@link KvService} and the Cluster service themselves (not of the server-wide chain): records in the context which member forwarded
 * the call, if any, so the service serves it locally or answers NOT_LEADER instead of forwarding it again.
 */
public final class ForwardedInterceptor implements ServerInterceptor {

    /** The forwarding member's name; {@code null} for a call straight from a client. */
    public static final Context.Key<String> FORWARDED_BY = Context.key("kvstore-forwarded-by");

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String by = headers.get(Forwarder.FORWARDED_BY);
        if (by == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(FORWARDED_BY, by), call, headers, next);
    }
}
