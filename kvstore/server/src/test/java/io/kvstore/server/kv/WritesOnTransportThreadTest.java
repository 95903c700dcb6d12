package io.kvstore.server.kv;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.Status;
import io.kvstore.api.v1.KVGrpc;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class WritesOnTransportThreadTest {
    private final ServerCallExecutorSupplier supplier = KvService.writesOnTransportThread();

    @Test
    void writesRunInlineOnTheCallingThread() {
        for (MethodDescriptor<?, ?> write : List.of(KVGrpc.getPutMethod(), KVGrpc.getCreateMethod(),
                KVGrpc.getDeleteMethod(), KVGrpc.getTxnMethod())) {
            Executor executor = supplier.getExecutor(call(write), new Metadata());
            assertNotNull(executor, write.getFullMethodName());
            Thread[] ranOn = new Thread[1];
            executor.execute(() -> ranOn[0] = Thread.currentThread());
            assertSame(Thread.currentThread(), ranOn[0], write.getFullMethodName() + " must run where it arrived");
        }
    }

    @Test
    void readsAndOtherServicesKeepTheCallExecutor() {
        for (MethodDescriptor<?, ?> other : List.of(KVGrpc.getGetMethod(), KVGrpc.getExistsMethod(),
                KVGrpc.getListMethod())) {
            assertNull(supplier.getExecutor(call(other), new Metadata()), other.getFullMethodName());
        }
    }

    private static <Q, R> ServerCall<Q, R> call(MethodDescriptor<Q, R> method) {
        return new ServerCall<>() {
            @Override
            public void request(int numMessages) { }

            @Override
            public void sendHeaders(Metadata headers) { }

            @Override
            public void sendMessage(R message) { }

            @Override
            public void close(Status status, Metadata trailers) { }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public Attributes getAttributes() {
                return Attributes.EMPTY;
            }

            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return method;
            }
        };
    }
}
