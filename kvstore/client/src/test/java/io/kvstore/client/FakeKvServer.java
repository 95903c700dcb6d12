package io.kvstore.client;

import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.ListResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted KV service on a real loopback port (grpc-netty on 127.0.0.1:0) that records every request it
 * receives. Tests set a {@link Handler} deciding each answer, run the real client against {@link #address()}, and
 * assert on {@link #requests()}: what went over the wire. Thread-safe; close it.
 */
public final class FakeKvServer implements AutoCloseable {
    /** Decides one answer: return the response message, or throw a StatusRuntimeException (see {@link #error}). */
    @FunctionalInterface
    public interface Handler {
        Message handle(String method, Message request) throws Exception;
    }

    /** One received request, with the server-side method name ("Get", "Put", ...). */
    public record Received(String method, Message request) {
    }

    private final Server server;
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private volatile Handler handler = (method, request) -> ok(method);

    private FakeKvServer() throws IOException {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service()).build().start();
    }

    /** A started server answering every call with {@link #ok(String)} until a handler is set. */
    public static FakeKvServer start() throws IOException {
        return new FakeKvServer();
    }

    /** host:port to give the client. */
    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    public FakeKvServer handler(Handler handler) {
        this.handler = handler;
        return this;
    }

    /** Waits until at least {@code count} requests have arrived; fails the test after {@code timeout}. */
    public void awaitRequests(int count, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (requests) {
            while (requests.size() < count) {
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0) {
                    throw new AssertionError("only " + requests.size() + " of " + count + " requests arrived");
                }
                TimeUnit.NANOSECONDS.timedWait(requests, leftNanos);
            }
        }
    }

    /** Every request received so far, in arrival order. */
    public List<Received> requests() {
        return List.copyOf(requests);
    }

    /** The requests of one method ("Put", ...), cast to their type. */
    @SuppressWarnings("unchecked")
    public <T extends Message> List<T> requests(String method) {
        return requests.stream().filter(r -> r.method.equals(method)).map(r -> (T) r.request).toList();
    }

    /** A kvstore error status as the real server sends it: code, reason trailer and any extra trailers. */
    public static StatusRuntimeException error(Status.Code code, ErrorCode reason, String... extraKeyValues) {
        Metadata trailers = new Metadata();
        trailers.put(ErrorTrailers.REASON, reason.name());
        for (int i = 0; i + 1 < extraKeyValues.length; i += 2) {
            trailers.put(Metadata.Key.of(extraKeyValues[i], Metadata.ASCII_STRING_MARSHALLER), extraKeyValues[i + 1]);
        }
        return Status.fromCode(code).withDescription(reason.name().toLowerCase() + " (fake)")
                .asRuntimeException(trailers);
    }

    /** A plausible success answer for each method: revision 7, version 1. */
    public static Message ok(String method) {
        ResponseHeader header = ResponseHeader.newBuilder().setRevision(7).setMemberId(1).setLeaderId(1).build();
        Stat stat = Stat.newBuilder().setVersion(1).setCreateRevision(7).setModRevision(7).build();
        return switch (method) {
            case "Get" -> GetResponse.newBuilder().setHeader(header).setStat(stat).build();
            case "Exists" -> ExistsResponse.newBuilder().setHeader(header).setExists(true).setStat(stat).build();
            case "List" -> ListResponse.newBuilder().setHeader(header).build();
            case "Create" -> CreateResponse.newBuilder().setHeader(header).setStat(stat).build();
            case "Put" -> PutResponse.newBuilder().setHeader(header).setStat(stat).setCreated(true).build();
            case "Delete" -> DeleteResponse.newBuilder().setHeader(header).setDeleted(1).build();
            case "Txn" -> TxnResponse.newBuilder().setHeader(header).setSucceeded(true).build();
            default -> throw new IllegalArgumentException(method);
        };
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service extends KVGrpc.KVImplBase {
        @SuppressWarnings("unchecked")
        private <T extends Message> void serve(String method, Message request, StreamObserver<T> out) {
            synchronized (requests) {
                requests.add(new Received(method, request));
                requests.notifyAll();
            }
            try {
                Message response = handler.handle(method, request);
                out.onNext((T) response);
                out.onCompleted();
            } catch (StatusRuntimeException e) {
                out.onError(e);
            } catch (Exception e) {
                out.onError(Status.INTERNAL.withDescription("fake handler threw " + e).asRuntimeException());
            }
        }

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> out) {
            serve("Get", request, out);
        }

        @Override
        public void exists(ExistsRequest request, StreamObserver<ExistsResponse> out) {
            serve("Exists", request, out);
        }

        @Override
        public void list(ListRequest request, StreamObserver<ListResponse> out) {
            serve("List", request, out);
        }

        @Override
        public void create(CreateRequest request, StreamObserver<CreateResponse> out) {
            serve("Create", request, out);
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> out) {
            serve("Put", request, out);
        }

        @Override
        public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
            serve("Delete", request, out);
        }

        @Override
        public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
            serve("Txn", request, out);
        }
    }
}
