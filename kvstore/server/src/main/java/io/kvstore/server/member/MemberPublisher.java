package io.kvstore.server.member;

import com.google.protobuf.Empty;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.raft.RaftNode;
import io.kvstore.store.Failure;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PublishMember;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this member's replicated client address equal to its configured one. {@link #tick()} runs periodically;
 * when a leader is known and the stored address is missing or different, it publishes once: by proposing directly
 * when this member leads, else through the leader's {@link MembersService} (whose address the leader published
 * itself, since a leader publishes before anyone else can). At most one publication is in flight; after a failure
 * the next attempt waits {@value #RETRY_MILLIS} ms, and after a success as long, so the local apply can catch up
 * before the addresses are compared again.
 *
 * <p>Thread-safety: {@link #tick()} is called from one scheduler thread; completions run on other threads and only
 * touch atomics.
 */
public final class MemberPublisher {

    private static final Logger log = LoggerFactory.getLogger(MemberPublisher.class);
    /** Between attempts: long enough not to flood a struggling leader, short enough for a quick first publication. */
    static final long RETRY_MILLIS = 1_000;
    /** A publication needs one commit; well under the retry interval times a few. */
    private static final long CALL_TIMEOUT_MILLIS = 5_000;

    private final MemberDirectory members;
    private final RaftNode raft;
    private final MemberChannels channels;
    private final String clientAddress;
    private final LongSupplier nanoClock;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile long nextAttemptNanos;

    /** @param clientAddress this member's client address as others should dial it ({@code host:port}) */
    public MemberPublisher(MemberDirectory members, RaftNode raft, MemberChannels channels, String clientAddress,
                           LongSupplier nanoClock) {
        this.members = members;
        this.raft = raft;
        this.channels = channels;
        this.clientAddress = clientAddress;
        this.nanoClock = nanoClock;
        this.nextAttemptNanos = nanoClock.getAsLong();
    }

    /** Publishes when needed and allowed; never blocks. */
    public void tick() {
        Optional<String> leader = members.leaderId();
        if (leader.isEmpty() || inFlight.get() || nanoClock.getAsLong() - nextAttemptNanos < 0
                || members.clientAddressOf(members.self()).filter(clientAddress::equals).isPresent()) {
            return;
        }
        PublishMember publication = PublishMember.newBuilder().setMemberId(members.self())
                .setClientAddress(clientAddress).build();
        CompletableFuture<?> done;
        if (leader.get().equals(members.self())) {
            done = raft.propose(Command.newBuilder().setPublishMember(publication).build().toByteString())
                    .thenApply(result -> {
                        if (result instanceof Failure failure) {
                            throw new IllegalStateException(failure.message());
                        }
                        return result;
                    });
        } else {
            Optional<String> leaderAddress = members.clientAddressOf(leader.get());
            if (leaderAddress.isEmpty()) {
                return; // the leader publishes its own address first; wait for it
            }
            done = viaLeader(leaderAddress.get(), publication);
        }
        inFlight.set(true);
        done.orTimeout(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((ignored, error) -> {
            nextAttemptNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
            inFlight.set(false);
            if (error != null) {
                log.debug("member {} could not publish client address {} yet: {}", members.self(), clientAddress,
                        error.toString());
            } else {
                log.info("member {} published client address {}", members.self(), clientAddress);
            }
        });
    }

    private CompletableFuture<Empty> viaLeader(String leaderAddress, PublishMember publication) {
        CompletableFuture<Empty> done = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channels.get(leaderAddress).newCall(MembersService.PUBLISH,
                        CallOptions.DEFAULT.withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)),
                publication, new StreamObserver<>() {
                    @Override
                    public void onNext(Empty value) {
                        done.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(Empty.getDefaultInstance());
                    }
                });
        return done;
    }
}
