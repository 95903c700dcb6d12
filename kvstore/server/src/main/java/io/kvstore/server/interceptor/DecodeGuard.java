package io.kvstore.server.interceptor;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.kvstore.api.ErrorCode;
import io.kvstore.store.Failure;
import java.io.InputStream;

/**
 * Answers a request whose bytes do not decode as the method's request type with INVALID_ARGUMENT (reason
 * INVALID_ARGUMENT), like every other bad request. Without it grpc-java answers such bytes with UNKNOWN
 * "Application error processing RPC", which tells a client nothing and is the code of a server bug.
 *
 * <p>How: gRPC decodes a message before any interceptor sees it and turns a decoder exception into UNKNOWN. So each
 * method's request marshaller is wrapped: on a decode failure it yields {@code null} instead of throwing, and the
 * outermost interceptor closes the call when it sees {@code null}, before anything else runs; no service or other
 * interceptor ever receives a {@code null} message. Schema descriptors are kept, so server reflection still works.
 * Stateless and thread-safe.
 */
final class DecodeGuard implements ServerInterceptor {

    private static final DecodeGuard INSTANCE = new DecodeGuard();

    private DecodeGuard() {
    }

    /** {@code service} with lenient request decoding behind this guard. */
    static ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> lenient = lenient(method);
            descriptor.addMethod(lenient.getMethodDescriptor());
            methods.add(lenient);
        }
        ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(rebuilt::addMethod);
        return ServerInterceptors.intercept(rebuilt.build(), INSTANCE);
    }

    private static <Q, R> ServerMethodDefinition<Q, R> lenient(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        MethodDescriptor<Q, R> lenient = descriptor.toBuilder(
                new LenientMarshaller<>(descriptor.getRequestMarshaller()), descriptor.getResponseMarshaller())
                .build();
        return ServerMethodDefinition.create(lenient, method.getServerCallHandler());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        return new RejectingListener<>(call, next.startCall(call, headers)) {
            @Override
            java.util.Optional<Failure> check(Q message) {
                return message != null ? java.util.Optional.empty()
                        : java.util.Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "the request does not decode "
                                + "as a " + call.getMethodDescriptor().getFullMethodName() + " request"));
            }
        };
    }

    /** Decodes with {@code delegate}; {@code null} instead of an exception for bytes that do not decode. */
    private static final class LenientMarshaller<T> implements MethodDescriptor.PrototypeMarshaller<T> {
        private final MethodDescriptor.Marshaller<T> delegate;

        LenientMarshaller(MethodDescriptor.Marshaller<T> delegate) {
            this.delegate = delegate;
        }

        @Override
        public InputStream stream(T value) {
            return delegate.stream(value);
        }

        @Override
        public T parse(InputStream stream) {
            try {
                return delegate.parse(stream);
            } catch (RuntimeException undecodable) {
                return null;
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public T getMessagePrototype() {
            return delegate instanceof MethodDescriptor.PrototypeMarshaller<?> p ? (T) p.getMessagePrototype() : null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Class<T> getMessageClass() {
            return delegate instanceof MethodDescriptor.PrototypeMarshaller<?> p ? (Class<T>) p.getMessageClass()
                    : null;
        }
    }
}
