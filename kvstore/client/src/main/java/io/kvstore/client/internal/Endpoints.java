package io.kvstore.client.internal;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.kvstore.client.KvUnavailableException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The members a client talks to: one channel per address, created on first use, and the address to try first (the
 * last one that answered). Addresses learned from NOT_LEADER trailers get channels too, up to
 * {@link #HINTED_CHANNELS_MAX} beyond the configured ones. Thread-safe; owns and closes its channels.
 */
public final class Endpoints implements AutoCloseable {
    /**
     * Channels for leader addresses that are not configured endpoints. A cluster has a handful of members; the bound
     * stops a server that keeps naming new addresses from making the client open unbounded connections.
     */
    static final int HINTED_CHANNELS_MAX = 16;

    private final List<String> configured;
    private final Function<String, ManagedChannel> channelFactory;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile String preferred;
    private volatile boolean closed;

    /** @param channelFactory makes a channel for a host:port (plaintext today; TLS credentials plug in there) */
    public Endpoints(List<String> configured, Function<String, ManagedChannel> channelFactory) {
        this.configured = List.copyOf(configured);
        this.channelFactory = channelFactory;
        this.preferred = this.configured.get(0);
    }

    /** The address to try first: the last one that answered, initially the first configured endpoint. */
    public String preferred() {
        return preferred;
    }

    /** Records that {@code address} answered, so later calls start there. */
    public void succeeded(String address) {
        preferred = address;
    }

    /** The configured endpoint after {@code address} (round robin); the first one for an unconfigured address. */
    public String after(String address) {
        int i = configured.indexOf(address);
        return configured.get(i < 0 ? 0 : (i + 1) % configured.size());
    }

    /** Whether a leader hint may be followed without passing the channel bound. */
    public boolean mayFollow(String address) {
        return configured.contains(address) || channels.containsKey(address)
                || channels.size() < configured.size() + HINTED_CHANNELS_MAX;
    }

    /** The channel to {@code address}, created on first use. */
    public Channel channel(String address) {
        if (closed) {
            throw new KvUnavailableException("client closed", null, null);
        }
        ManagedChannel channel = channels.computeIfAbsent(address, channelFactory);
        if (closed) {
            // close() may have swept the map before this channel was added.
            channel.shutdownNow();
            throw new KvUnavailableException("client closed", null, null);
        }
        return channel;
    }

    /** Cancels calls in flight and closes every channel, waiting up to {@code waitMillis} in total. */
    public void close(long waitMillis) {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        close(1_000);
    }
}
