package io.kvstore.e2e;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.client.KvClient;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.member.MemberIds;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of {@link ServerProcess} members n1..nN on 127.0.0.1 under one root directory, with a plain gRPC channel
 * per member for tests that assert on the wire. {@link #close()} stops every member this cluster started and
 * closes the channels and clients it made. Not thread-safe: one test thread drives it.
 */
final class ProcessCluster implements AutoCloseable {
    /** An election takes 200–400 ms of timeout plus a vote; the rest covers JVM warm-up on a loaded machine. */
    static final Duration LEADER_TIMEOUT = Duration.ofSeconds(20);

    private final List<ServerProcess> members;
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private final List<KvClient> clients = new ArrayList<>();
    /** How test channels and clients reach the members (plaintext unless a TLS test says otherwise). */
    private final java.util.function.Function<HostPort, ManagedChannel> channelFactory;
    private final java.util.function.UnaryOperator<KvClient.Builder> clientOptions;

    private ProcessCluster(List<ServerProcess> members, java.util.function.Function<HostPort, ManagedChannel> channels,
                           java.util.function.UnaryOperator<KvClient.Builder> clientOptions) {
        this.members = List.copyOf(members);
        this.channelFactory = channels;
        this.clientOptions = clientOptions;
    }

    /**
     * As {@link #start(Path, int)}, with {@code extraArgs.apply(name)} appended to each member's flags, and test
     * channels and clients made by {@code channels} and {@code clientOptions} (e.g. with TLS).
     */
    static ProcessCluster start(Path root, int count, java.util.function.Function<String, List<String>> extraArgs,
                                java.util.function.Function<HostPort, ManagedChannel> channels,
                                java.util.function.UnaryOperator<KvClient.Builder> clientOptions) {
        Map<String, HostPort> peers = new LinkedHashMap<>();
        Map<String, HostPort> clientAddresses = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            peers.put("n" + i, TestServers.freePeerAddress());
            clientAddresses.put("n" + i, TestServers.freePeerAddress());
        }
        String cluster = peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        List<ServerProcess> members = new ArrayList<>();
        peers.forEach((name, peer) -> members.add(new ServerProcess(name, root.resolve(name),
                clientAddresses.get(name), peer, cluster, extraArgs.apply(name))));
        return started(new ProcessCluster(members, channels, clientOptions));
    }

    /** Starts {@code count} members (launched together, then awaited) and waits until they agree on a leader. */
    static ProcessCluster start(Path root, int count) {
        return start(root, count, name -> List.of(), TestServers::channel, java.util.function.UnaryOperator.identity());
    }

    /** As {@link #start(Path, int)}, every member with {@code extraFlags} too. */
    static ProcessCluster start(Path root, int count, List<String> extraFlags) {
        return start(root, count, name -> extraFlags, TestServers::channel,
                java.util.function.UnaryOperator.identity());
    }

    private static ProcessCluster started(ProcessCluster processCluster) {
        List<ServerProcess> members = processCluster.members;
        try {
            members.forEach(ServerProcess::launch);
            members.forEach(ServerProcess::awaitServing);
            processCluster.awaitLeader();
        } catch (RuntimeException | AssertionError e) {
            e.addSuppressed(new AssertionError(processCluster.logTails()));
            processCluster.close();
            throw e;
        }
        return processCluster;
    }

    List<ServerProcess> members() {
        return members;
    }

    ServerProcess member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + name));
    }

    /** Client addresses of all members, n1 first. */
    List<String> endpoints() {
        return members.stream().map(m -> m.clientAddress().toString()).toList();
    }

    /** A blocking stub to {@code member} with a 5 s deadline per call (the channel outlives restarts). */
    KVGrpc.KVBlockingStub stub(ServerProcess member) {
        ManagedChannel channel = channels.computeIfAbsent(member.name(),
                n -> channelFactory.apply(member.clientAddress()));
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    /**
     * A Java client to {@code endpoints}, closed with the cluster. Retries fast (10 ms doubling to 100 ms) so a
     * failover costs the election, not the client's backoff.
     */
    KvClient client(List<String> endpoints) {
        KvClient client = clientOptions.apply(KvClient.builder().endpoints(endpoints)
                .requestTimeout(Duration.ofSeconds(2)).retryDeadline(Duration.ofSeconds(15))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(100))).build();
        clients.add(client);
        return client;
    }

    /** The header a member answers a serializable Exists with, or empty when it does not answer. */
    Optional<ResponseHeader> header(ServerProcess member) {
        if (!member.isAlive()) {
            return Optional.empty();
        }
        try {
            return Optional.of(stub(member).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .exists(ExistsRequest.newBuilder().setPath("/").setSerializable(true).build()).getHeader());
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The leader, once every running member names the same one and it names itself: so a client sent anywhere
     * reaches it without a further election.
     */
    ServerProcess awaitLeader() {
        ServerProcess[] found = new ServerProcess[1];
        Awaiting.until(() -> {
            found[0] = agreedLeader().orElse(null);
            return found[0] != null;
        }, LEADER_TIMEOUT, () -> "running members agree on a leader; headers: " + headers());
        return found[0];
    }

    private Optional<ServerProcess> agreedLeader() {
        Long leaderId = null;
        for (ServerProcess m : members) {
            if (!m.isAlive()) {
                continue;
            }
            Optional<ResponseHeader> header = header(m);
            if (header.isEmpty() || header.get().getLeaderId() == 0
                    || (leaderId != null && leaderId != header.get().getLeaderId())) {
                return Optional.empty();
            }
            leaderId = header.get().getLeaderId();
        }
        long id = leaderId == null ? 0 : leaderId;
        return members.stream().filter(m -> m.isAlive() && MemberIds.numeric(m.name()) == id).findFirst()
                .filter(leader -> header(leader).map(h -> h.getMemberId() == h.getLeaderId()).orElse(false));
    }

    /** Some running member that is not the leader. */
    ServerProcess aFollower(ServerProcess leader) {
        return members.stream().filter(m -> m != leader && m.isAlive()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no running follower"));
    }

    private String headers() {
        return members.stream().map(m -> m.name() + "=" + header(m).map(h -> "{member " + h.getMemberId()
                + ", leader " + h.getLeaderId() + ", term " + h.getRaftTerm() + "}").orElse("(no answer)"))
                .collect(Collectors.joining(", "));
    }

    /** Every member's log tail, for a failure message. */
    String logTails() {
        return members.stream().map(ServerProcess::logTail).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        clients.forEach(KvClient::close);
        channels.values().forEach(ManagedChannel::shutdownNow);
        members.forEach(ServerProcess::stop);
    }
}
