package io.kvstore.server.cluster;

import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.Member;
import io.kvstore.api.v1.MemberRole;
import io.kvstore.api.v1.StatusRequest;
import io.kvstore.api.v1.StatusResponse;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds the {@link Member} entries of the Cluster service: names and roles from the membership in this member's
 * log, peer addresses from the log (members added at runtime) or this member's {@code --cluster} list, client
 * addresses from the replicated member directory, and, for the leader's view, each member's log position.
 *
 * <p>Progress comes from asking each member's own Status ({@link #PROBE_TIMEOUT_MILLIS} each, in parallel): the
 * raft runtime does not expose the leader's per-follower match indexes yet, so a member's last log index as it
 * reports it stands in for its match index. Thread-safe.
 */
final class MemberViews {

    /** A member that does not answer its Status within this is shown without progress: the list must stay fast
     *  even with a member down. Loopback and LAN answers take milliseconds. */
    static final long PROBE_TIMEOUT_MILLIS = 1_000;

    /** Progress of one member as it reported it. */
    record Progress(long lastLogIndex, long appliedIndex) {}

    private final MemberDirectory members;
    private final MemberChannels channels;
    private final Map<String, HostPort> configuredPeers;
    private final java.util.function.Supplier<StatusResponse> ownStatus;

    MemberViews(MemberDirectory members, MemberChannels channels, Map<String, HostPort> configuredPeers,
                java.util.function.Supplier<StatusResponse> ownStatus) {
        this.members = members;
        this.channels = channels;
        this.configuredPeers = Map.copyOf(configuredPeers);
        this.ownStatus = ownStatus;
    }

    /** This member's view: every member of its log's membership, sorted by name, without progress. */
    List<Member> local() {
        Membership membership = members.membership();
        String leader = members.status().leaderId();
        List<Member> list = new ArrayList<>();
        for (String name : membership.all()) {
            list.add(entry(membership, name, leader).build());
        }
        return list;
    }

    /** The leader's view: {@link #local()} plus each member's progress relative to {@code leaderLastIndex}. */
    CompletableFuture<List<Member>> withProgress() {
        Membership membership = members.membership();
        RaftStatus self = members.status();
        List<CompletableFuture<Member>> entries = new ArrayList<>();
        for (String name : membership.all()) {
            Member.Builder entry = entry(membership, name, self.leaderId());
            CompletableFuture<Optional<Progress>> progress = name.equals(members.self())
                    ? CompletableFuture.completedFuture(Optional.of(new Progress(self.lastIndex(), self.appliedIndex())))
                    : probe(name);
            entries.add(progress.thenApply(p -> {
                p.ifPresent(known -> entry.setProgressKnown(true).setLastLogIndex(known.lastLogIndex())
                        .setAppliedIndex(known.appliedIndex())
                        .setLag(Math.max(0, self.lastIndex() - known.lastLogIndex())));
                return entry.build();
            }));
        }
        return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> entries.stream().map(CompletableFuture::join).toList());
    }

    /** {@code name}'s progress as it reports it; empty when it has no published address or does not answer. */
    CompletableFuture<Optional<Progress>> probe(String name) {
        Optional<String> address = members.clientAddressOf(name);
        if (address.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (name.equals(members.self())) {
            StatusResponse own = ownStatus.get();
            return CompletableFuture.completedFuture(Optional.of(new Progress(own.getLastLogIndex(),
                    own.getAppliedIndex())));
        }
        CompletableFuture<Optional<Progress>> result = new CompletableFuture<>();
        try {
            ClientCalls.asyncUnaryCall(channels.get(address.get()).newCall(ClusterGrpc.getStatusMethod(),
                            CallOptions.DEFAULT.withDeadlineAfter(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)),
                    StatusRequest.getDefaultInstance(), new StreamObserver<>() {
                        @Override
                        public void onNext(StatusResponse value) {
                            result.complete(Optional.of(new Progress(value.getLastLogIndex(),
                                    value.getAppliedIndex())));
                        }

                        @Override
                        public void onError(Throwable t) {
                            result.complete(Optional.empty());
                        }

                        @Override
                        public void onCompleted() {
                            result.complete(Optional.empty()); // no-op when onNext completed it
                        }
                    });
        } catch (RuntimeException closedOrBadAddress) {
            result.complete(Optional.empty());
        }
        return result;
    }

    private Member.Builder entry(Membership membership, String name, String leader) {
        String peer = membership.addresses().get(name);
        if (peer == null && configuredPeers.containsKey(name)) {
            peer = configuredPeers.get(name).toString();
        }
        return Member.newBuilder().setName(name).setPeerAddress(peer == null ? "" : peer)
                .setClientAddress(members.clientAddressOf(name).orElse(""))
                .setRole(membership.voters().contains(name) ? MemberRole.MEMBER_ROLE_VOTER
                        : MemberRole.MEMBER_ROLE_LEARNER)
                .setIsLeader(name.equals(leader));
    }
}
