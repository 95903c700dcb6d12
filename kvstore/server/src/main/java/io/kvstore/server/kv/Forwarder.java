package io.kvstore.server.kv;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.interceptor.RequestIdInterceptor;
import io.kvstore.server.member.MemberChannels;

/**
 * Sends a client's call on to the leader's client address and relays the answer. The forwarded call carries the
 * {@link #FORWARDED_BY} header (so the leader never forwards it again, even if it lost leadership meanwhile: it
 * answers NOT_LEADER instead and the client retries), the client's deadline (through the gRPC context, which also
 * cancels the forwarded call when the client cancels), the request id, and the caller's identity
 * ({@link io.kvstore.auth.ForwardedIdentity}; the channel adds this member's own credential). Statuses from the leader pass through;
 * failures to reach it are mapped by {@link StatusMapper#ofForwarded}. Thread-safe.
 */
public final class Forwarder {

    /** Set on forwarded calls to the name of the forwarding member. */
    public static final Metadata.Key<String> FORWARDED_BY = Metadata.Key.of("kvstore-forwarded", Metadata.ASCII_STRING_MARSHALLER);

    private final String self;
    private final MemberChannels channels;

    /** @param self this member's name, sent in {@link #FORWARDED_BY} */
    public Forwarder(String self, MemberChannels channels) {
        this.self = self;
        this.channels = channels;
    }

    /**
     * Forwards {@code request} to the leader {@code members} knows, or answers UNAVAILABLE: NO_QUORUM when no leader
     * is known, NOT_LEADER (naming it) when its client address is not published yet. For a member that is not the
     * leader and was not itself forwarded to.
     */
    public <Q, R> void toLeader(io.kvstore.server.member.MemberDirectory members, MethodDescriptor<Q, R> method,
                                Q request, StatusMapper.CallKind kind, StreamObserver<R> response) {
        StatusMapper.Leader leader = members.leader();
        if (leader.id() == null) {
            response.onError(StatusMapper.noLeader(members.self()));
        } else if (leader.clientAddress() == null) {
            response.onError(StatusMapper.notLeader("leader " + leader.id() + " has not published its address",
                    leader));
        } else {
            forward(method, request, leader, kind, response);
        }
    }

    /** Forwards {@code request} to {@code leader} and completes {@code response} with its answer. */
    public <Q, R> void forward(MethodDescriptor<Q, R> method, Q request, StatusMapper.Leader leader,
                        StatusMapper.CallKind kind, StreamObserver<R> response) {
        Metadata headers = new Metadata();
        headers.put(FORWARDED_BY, self);
        String requestId = RequestIdInterceptor.REQUEST_ID.get();
        if (requestId != null) {
            headers.put(RequestIdInterceptor.HEADER, requestId);
        }
        // The leader authenticates and authorizes the original caller again (auth; docs/security.md).
        io.kvstore.auth.ForwardedIdentity.attach(Context.current(), headers);
        CallOptions options = CallOptions.DEFAULT;
        if (Context.current().getDeadline() != null) {
            options = options.withDeadline(Context.current().getDeadline());
        }
        ClientCall<Q, R> call = ClientInterceptors.intercept(channels.get(leader.clientAddress()),
                MetadataUtils.newAttachHeadersInterceptor(headers)).newCall(method, options);
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                response.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                response.onError(StatusMapper.ofForwarded(t, kind, leader));
            }

            @Override
            public void onCompleted() {
                response.onCompleted();
            }
        });
    }
}
