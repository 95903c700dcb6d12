package io.kvstore.cli;

import io.grpc.ManagedChannel;
import io.kvstore.api.v1.InfoRequest;
import io.kvstore.api.v1.InfoResponse;
import io.kvstore.api.v1.MaintenanceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A channel to one member's Maintenance service, with kvctl's TLS settings and credentials (maintenance.proto). KvClient does not wrap it: these
 * calls go to one chosen member and are never retried elsewhere. The caller closes it.
 */
final class Maintenance implements AutoCloseable {
    final String endpoint;
    final ManagedChannel channel;

    /** @param channels from {@link ConnectionOptions#channels}: the same TLS settings and credentials as KvClient */
    Maintenance(String endpoint, java.util.function.Function<String, ManagedChannel> channels) {
        this.endpoint = endpoint;
        this.channel = channels.apply(endpoint);
    }

    MaintenanceGrpc.MaintenanceBlockingStub stub(Duration deadline) {
        return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    InfoResponse info(Duration timeout) {
        try {
            return stub(timeout).info(InfoRequest.getDefaultInstance());
        } catch (io.grpc.StatusRuntimeException e) {
            throw KvctlException.ofGrpc(endpoint, e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
