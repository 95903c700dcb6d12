package io.kvstore.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.kvstore.api.v1.ClusterGrpc;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.SessionGrpc;
import io.kvstore.api.v1.WatchGrpc;
import io.kvstore.server.KvServer;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.server.testing.TestServers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes a live member over gRPC: raw bytes (arbitrary, structure-aware, mutated) sent as the request of every
 * kvstore.v1 method through a generic ClientCall with a bytes marshaller, so nothing on the client side cleans them
 * up. Cluster methods that change membership are left out (a valid random MemberAdd would really add a member).
 * Every call must end within its deadline with a status the error model allows: never UNKNOWN or INTERNAL (a server
 * fault), and INVALID_ARGUMENT for bytes that do not decode as the request type (DecodeGuard). Afterwards the member still
 * serves, and the known key is unchanged. Seeded: {@code -Dfuzz.seed=N}, {@code -Dfuzz.iterations=N}.
 */
class GrpcFuzzTest {
    private static final Duration AWAIT = Duration.ofSeconds(10);
    /** A healthy single member answers any of these in milliseconds; this bounds a hang. */
    private static final long CALL_DEADLINE_MILLIS = 5_000;
    /** A stream is held open this long after its last message, then cancelled: watches never end by themselves. */
    private static final long STREAM_HOLD_MILLIS = 200;
    private static final Set<String> EXCLUDED = Set.of("MemberAdd", "MemberRemove", "MemberPromote",
            "LeaderTransfer");
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    @Test
    void arbitraryBytesOnEveryMethodNeverCrashHangOrCorrupt(@TempDir Path dir) throws IOException {
        try (KvServer server = KvServer.start(TestServers.single(dir))) {
            ManagedChannel channel = TestServers.channel(server.clientAddress());
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                ByteString known = ByteString.copyFromUtf8("keep me");
                Awaiting.succeeds(() -> kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setPath(FuzzInputs.KNOWN_PATH).setValue(known).build()), AWAIT);
                List<MethodDescriptor<?, ?>> methods = methods();
                FuzzRun.run("GrpcFuzzTest", 400, (iteration, random) -> {
                    MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
                    Message prototype = prototype(method);
                    List<byte[]> messages = new ArrayList<>();
                    int count = method.getType().clientSendsOneMessage() ? 1 : 1 + random.nextInt(3);
                    for (int i = 0; i < count; i++) {
                        messages.add(FuzzInputs.input(prototype, random));
                    }
                    if (messages.stream().anyMatch(m -> names(prototype, m, FuzzInputs.KNOWN_PATH))) {
                        return; // never aim at the key whose survival is the check
                    }
                    Status status = call(channel, method, messages);
                    boolean allDecode = messages.stream().allMatch(m -> decodes(prototype, m));
                    assertFalse(status.getCode() == Status.Code.UNKNOWN, method.getFullMethodName() + ": " + status);
                    assertFalse(status.getCode() == Status.Code.INTERNAL, method.getFullMethodName() + ": " + status);
                    if (!allDecode && method.getType() == MethodDescriptor.MethodType.UNARY) {
                        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(),
                                method.getFullMethodName() + " on undecodable bytes: " + status);
                    }
                    assertFalse(method.getType() == MethodDescriptor.MethodType.UNARY
                            && status.getCode() == Status.Code.DEADLINE_EXCEEDED,
                            method.getFullMethodName() + " hung: " + status);
                });
                assertEquals(known, kv.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setPath(FuzzInputs.KNOWN_PATH).build()).getValue());
                assertEquals(io.kvstore.raft.core.Role.LEADER, server.raftStatus().role(), "still leading");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** Sends {@code messages} on a fresh call, half-closes, and returns the closing status. */
    private static Status call(ManagedChannel channel, MethodDescriptor<?, ?> method, List<byte[]> messages)
            throws Exception {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES).build();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = channel.newCall(raw,
                CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(Integer.MAX_VALUE);
        for (byte[] message : messages) {
            call.sendMessage(message);
        }
        call.halfClose();
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            return closed.get(CALL_DEADLINE_MILLIS + 5_000, TimeUnit.MILLISECONDS);
        }
        try {
            return closed.get(STREAM_HOLD_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stillOpen) {
            call.cancel("fuzz: done with this stream", null);
            return closed.get(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static List<MethodDescriptor<?, ?>> methods() {
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        for (io.grpc.ServiceDescriptor service : List.of(KVGrpc.getServiceDescriptor(),
                SessionGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(),
                ClusterGrpc.getServiceDescriptor())) {
            service.getMethods().stream().filter(m -> !EXCLUDED.contains(m.getBareMethodName()))
                    .forEach(methods::add);
        }
        return methods;
    }

    private static Message prototype(MethodDescriptor<?, ?> method) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
    }

    private static boolean decodes(Message prototype, byte[] bytes) {
        try {
            prototype.getParserForType().parseFrom(bytes);
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static boolean names(Message prototype, byte[] bytes, String path) {
        try {
            return prototype.getParserForType().parseFrom(bytes).toString().contains(path.substring(1));
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** The same seed gives the same calls: a failure's seed replays it. */
    @Test
    void sameSeedSameCalls() {
        List<MethodDescriptor<?, ?>> methods = methods();
        Random a = new Random(11);
        Random b = new Random(11);
        for (int i = 0; i < 20; i++) {
            MethodDescriptor<?, ?> method = methods.get(a.nextInt(methods.size()));
            assertEquals(method, methods.get(b.nextInt(methods.size())));
            assertEquals(ByteString.copyFrom(FuzzInputs.input(prototype(method), a)),
                    ByteString.copyFrom(FuzzInputs.input(prototype(method), b)));
        }
    }
}
