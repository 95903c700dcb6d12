package io.kvstore.server.member;

import com.google.protobuf.Empty;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.StatusMapper;
import io.kvstore.store.Failure;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PublishMember;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The internal gRPC service {@code kvstore.internal.Members} through which a follower's attributes reach the leader,
 * the only member that can propose them. Served on the client port next to kvstore.v1; not part of the client API.
 * The leader checks the member is configured and proposes the publication; a non-leader answers NOT_LEADER and the
 * publisher tries again. Defined by hand (one method) instead of generated, so the server module needs no gRPC
 * code generation. Until authentication exists anyone who can reach the client port can publish an address for a
 * configured member, exactly as they can write any znode. Thread-safe.
 */
public final class MembersService {

    /** {@code kvstore.internal.Members/Publish}: PublishMember in, Empty out once applied on the leader. */
    public static final MethodDescriptor<PublishMember, Empty> PUBLISH = MethodDescriptor.<PublishMember, Empty>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("kvstore.internal.Members", "Publish"))
            .setRequestMarshaller(ProtoUtils.marshaller(PublishMember.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .build();

    /** A publication waits at most this long for the commit: an idle cluster commits in milliseconds. */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(5);

    private final MemberDirectory members;
    private final RaftNode raft;
    private final Executor executor;

    /** @param executor runs completions, never a raft thread */
    public MembersService(MemberDirectory members, RaftNode raft, Executor executor) {
        this.members = members;
        this.raft = raft;
        this.executor = executor;
    }

    /** The service definition to register (through the interceptor chain). */
    public ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder("kvstore.internal.Members")
                .addMethod(PUBLISH, ServerCalls.asyncUnaryCall(this::publish))
                .build();
    }

    private void publish(PublishMember request, StreamObserver<Empty> response) {
        Command command = Command.newBuilder().setPublishMember(request).build();
        Optional<Failure> invalid = RequestValidator.validate(command);
        if (invalid.isEmpty() && !members.isMember(request.getMemberId())) {
            invalid = Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "'" + request.getMemberId()
                    + "' is not a member of this cluster"));
        }
        if (invalid.isPresent()) {
            response.onError(StatusMapper.toException(invalid.get()));
            return;
        }
        if (!members.isLeader()) {
            response.onError(StatusMapper.notLeader("member " + members.self() + " is not the leader",
                    members.leader()));
            return;
        }
        raft.propose(command.toByteString())
                .orTimeout(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((result, error) -> {
                    if (error != null) {
                        response.onError(StatusMapper.ofRaft(error, StatusMapper.CallKind.WRITE, members.leader()));
                    } else if (result instanceof Failure failure) {
                        response.onError(StatusMapper.toException(failure));
                    } else {
                        response.onNext(Empty.getDefaultInstance());
                        response.onCompleted();
                    }
                }, executor);
    }
}
