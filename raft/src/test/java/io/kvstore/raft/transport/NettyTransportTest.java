package io.kvstore.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.core.Message;
import io.kvstore.raft.testing.Awaiting;
import io.kvstore.raft.testing.FreePorts;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real NettyTransports over loopback; asserts on what arrives and on the counters, never on log text. */
class NettyTransportTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String CLUSTER = "c1";

    private final List<NettyTransport> started = new ArrayList<>();

    @AfterEach
    void closeAll() {
        started.forEach(NettyTransport::close);
    }

    @Test
    void deliversInOrderBetweenThreeMembers() throws Exception {
        Map<String, InetSocketAddress> members = Map.of(
                "n1", FreePorts.loopback(), "n2", FreePorts.loopback(), "n3", FreePorts.loopback());
        Map<String, BlockingQueue<Message>> inboxes = Map.of(
                "n1", new LinkedBlockingQueue<>(), "n2", new LinkedBlockingQueue<>(), "n3", new LinkedBlockingQueue<>());
        Map<String, NettyTransport> transports = Map.of(
                "n1", start("n1", CLUSTER, members, inboxes.get("n1")),
                "n2", start("n2", CLUSTER, members, inboxes.get("n2")),
                "n3", start("n3", CLUSTER, members, inboxes.get("n3")));
        int perPair = 500;
        for (int round = 1; round <= perPair; round++) {
            for (String from : members.keySet()) {
                for (String to : members.keySet()) {
                    if (!from.equals(to)) {
                        transports.get(from).send(new Message.Heartbeat(from, to, 1, 0, round));
                    }
                }
            }
        }
        for (String to : members.keySet()) {
            Map<String, Long> lastRound = new java.util.HashMap<>();
            for (int i = 0; i < 2 * perPair; i++) {
                Message m = inboxes.get(to).poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(m != null, "member " + to + " received only " + i + " messages");
                assertEquals(to, m.to());
                long round = ((Message.Heartbeat) m).round();
                long previous = lastRound.getOrDefault(m.from(), 0L);
                assertEquals(previous + 1, round, "out of order from " + m.from() + " to " + to);
                lastRound.put(m.from(), round);
            }
        }
        transports.values().forEach(t -> assertEquals(0, t.stats().sendDropped(), "drops: " + t.stats()));
    }

    @Test
    void reconnectsAfterReceiverRestartsOnSamePort() throws Exception {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        NettyTransport sender = start("n1", CLUSTER, members, new LinkedBlockingQueue<>());
        BlockingQueue<Message> firstInbox = new LinkedBlockingQueue<>();
        NettyTransport receiver = start("n2", CLUSTER, members, firstInbox);
        sender.send(heartbeat(1));
        assertEquals(1, ((Message.Heartbeat) firstInbox.poll(10, TimeUnit.SECONDS)).round());

        receiver.close();
        BlockingQueue<Message> secondInbox = new LinkedBlockingQueue<>();
        start("n2", CLUSTER, members, secondInbox);
        // Raft keeps sending; so does this loop until a message makes it through the new connection.
        long round = 2;
        Message received = null;
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (received == null && System.nanoTime() < deadline) {
            sender.send(heartbeat(round++));
            received = secondInbox.poll(20, TimeUnit.MILLISECONDS);
        }
        assertTrue(received != null, "no delivery after the receiver restarted");
    }

    @Test
    void rejectsForeignClusterId() {
        Map<String, InetSocketAddress> members = Map.of("n1", FreePorts.loopback(), "n2", FreePorts.loopback());
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        NettyTransport receiver = start("n2", CLUSTER, members, inbox);
        NettyTransport foreign = start("n1", "other-cluster", members, new LinkedBlockingQueue<>());
        foreign.send(heartbeat(1));
        Awaiting.until(() -> receiver.stats().helloRejectedSent() >= 1 && foreign.stats().helloRejectedReceived() >= 1,
                DEADLINE, () -> "receiver " + receiver.stats() + ", sender " + foreign.stats());
        foreign.send(heartbeat(2));
        assertTrue(inbox.isEmpty(), "delivered from a foreign cluster: " + inbox);
    }

    @Test
    void rejectsUnknownMember() {
        InetSocketAddress receiverAddress = FreePorts.loopback();
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        NettyTransport receiver = start("n2", CLUSTER,
                Map.of("n1", FreePorts.loopback(), "n2", receiverAddress), inbox);
        NettyTransport stranger = start("x", CLUSTER,
                Map.of("x", FreePorts.loopback(), "n2", receiverAddress), new LinkedBlockingQueue<>());
        stranger.send(new Message.Heartbeat("x", "n2", 1, 0, 1));
        Awaiting.until(() -> receiver.stats().helloRejectedSent() >= 1 && stranger.stats().helloRejectedReceived() >= 1,
                DEADLINE, () -> "receiver " + receiver.stats() + ", sender " + stranger.stats());
        assertTrue(inbox.isEmpty(), "delivered from an unknown member: " + inbox);
    }

    @Test
    void dropsMessagesToUnknownMembers() {
        NettyTransport sender = start("n1", CLUSTER, Map.of("n1", FreePorts.loopback()), new LinkedBlockingQueue<>());
        sender.send(new Message.Heartbeat("n1", "nobody", 1, 0, 1));
        assertEquals(1, sender.stats().sendDropped());
    }

    private static Message heartbeat(long round) {
        return new Message.Heartbeat("n1", "n2", 1, 0, round);
    }

    private NettyTransport start(String id, String cluster, Map<String, InetSocketAddress> members,
                                 BlockingQueue<Message> inbox) {
        NettyTransport transport = new NettyTransport(id, cluster, members.get(id), members);
        started.add(transport);
        transport.start(inbox::add);
        return transport;
    }
}
