package io.kvstore.server.interceptor;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.store.Failure;
import io.kvstore.store.RequestValidator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs {@link RequestValidator} on every kvstore.v1 request message before the service sees it; a rejected request
 * is closed with the mapped status (INVALID_ARGUMENT or UNIMPLEMENTED, reason in the trailers) and never reaches
 * raft or the leader. Watch requests are checked per message by WatchStream (a bad one cancels that watch, not the
 * stream), Cluster requests by ClusterService, session keep-alives and Info by the session tracker (an unknown id
 * is an answer, not an error); docs/security.md lists every method. Messages of other services pass through. The state machine validates commands
 * again when applying: the log does not trust its proposer. Thread-safe, stateless.
 */
public final class ValidationInterceptor implements ServerInterceptor {

    private static final Map<Class<?>, Function<Object, Optional<Failure>>> VALIDATORS = Map.of(
            GetRequest.class, m -> RequestValidator.validate((GetRequest) m),
            ExistsRequest.class, m -> RequestValidator.validate((ExistsRequest) m),
            ListRequest.class, m -> RequestValidator.validate((ListRequest) m),
            CreateRequest.class, m -> RequestValidator.validate((CreateRequest) m),
            PutRequest.class, m -> RequestValidator.validate((PutRequest) m),
            DeleteRequest.class, m -> RequestValidator.validate((DeleteRequest) m),
            TxnRequest.class, m -> RequestValidator.validate((TxnRequest) m),
            // Sessions: SessionService checks these too (it may be served without the chain in tests); here they
            // are refused before the service is even entered, like every other kvstore.v1 write.
            io.kvstore.api.v1.SessionOpenRequest.class,
            m -> RequestValidator.validate((io.kvstore.api.v1.SessionOpenRequest) m),
            io.kvstore.api.v1.SessionCloseRequest.class,
            m -> RequestValidator.validate((io.kvstore.api.v1.SessionCloseRequest) m));

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        return new RejectingListener<>(call, next.startCall(call, headers)) {
            @Override
            Optional<Failure> check(ReqT message) {
                Function<Object, Optional<Failure>> validator = VALIDATORS.get(message.getClass());
                return validator == null ? Optional.empty() : validator.apply(message);
            }
        };
    }
}
