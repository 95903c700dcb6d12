package io.kvstore.raft.transport;

import io.kvstore.raft.core.Message;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Carries raft {@link Message}s between the members of one cluster. Delivery is best effort: a message may be lost,
 * duplicated only never, and arrives in send order only while the connection it went on stays up. Raft tolerates the
 * loss (it retransmits on the next heartbeat or probe), so a transport drops rather than blocks.
 *
 * <p>Lifecycle: {@link #start} once, any number of {@link #send}, then {@link #close}. The owner of a transport (for
 * example {@link io.kvstore.raft.RaftNode}) closes it.
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts accepting connections and delivering inbound messages to {@code inbound}.
     *
     * @param inbound called on transport I/O threads, possibly concurrently from several of them; it must not block
     *     (a raft member enqueues and returns). Only messages addressed to this member from a verified member arrive.
     * @throws IllegalStateException when already started or closed
     * @throws java.io.UncheckedIOException when the listen address cannot be bound
     */
    default void start(Consumer<Message> inbound) {
        start(inbound, frame -> { });
    }

    /**
     * As {@link #start(Consumer)}, and delivers inbound snapshot-transfer frames to {@code snapshotFrames} (same
     * threading rules; only frames addressed to this member from the verified sender arrive). Snapshot frames never
     * reach {@code inbound}.
     */
    void start(Consumer<Message> inbound, Consumer<SnapshotFrame> snapshotFrames);

    /**
     * Queues {@code message} for {@code message.to()} and returns at once, never blocking. The message is dropped (and
     * counted) when that member is unknown, unreachable for long enough that its queue is full, or the transport is
     * closed. Thread-safe.
     */
    void send(Message message);

    /**
     * Queues a snapshot-transfer frame for {@code frame.to()} on the same per-peer connection and queue as raft
     * messages, with the same drop rules; the transfer protocol retries what is lost. Thread-safe, never blocks.
     */
    void send(SnapshotFrame frame);

    /**
     * Replaces the set of members this transport dials and accepts, after a membership change: connections to
     * members no longer listed are closed, new members are dialed on first send. Thread-safe.
     *
     * @param peers every member's id and address (an entry for this member is allowed and ignored for dialing)
     */
    void updatePeers(Map<String, InetSocketAddress> peers);

    /** Stops accepting, closes every connection and drops queued messages. Idempotent; never throws. */
    @Override
    void close();
}
