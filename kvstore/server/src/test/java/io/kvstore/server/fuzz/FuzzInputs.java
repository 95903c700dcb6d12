package io.kvstore.server.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchRequest;
import java.util.List;
import java.util.Random;

/** Valid example requests of each kvstore.v1 type, the starting points of structure-aware mutation. */
final class FuzzInputs {

    /** The key every fuzz test writes first and checks afterwards; no example or generator path names it. */
    static final String KNOWN_PATH = "/known-key-not-fuzzed";

    static final List<Message> VALID = List.of(
            GetRequest.newBuilder().setPath("/fuzz").build(),
            ExistsRequest.newBuilder().setPath("/fuzz/child").setSerializable(true).build(),
            ListRequest.newBuilder().setPath("/").setLimit(10).build(),
            CreateRequest.newBuilder().setHeader(header()).setPath("/fuzz/c").setValue(ByteString.copyFromUtf8("v"))
                    .setMakeParents(true).build(),
            PutRequest.newBuilder().setHeader(header()).setPath("/fuzz").setValue(ByteString.copyFromUtf8("v"))
                    .setExpectedVersion(0).build(),
            DeleteRequest.newBuilder().setPath("/fuzz").setRecursive(true).build(),
            TxnRequest.newBuilder().setHeader(header())
                    .addCompare(Compare.newBuilder().setPath("/fuzz").setOp(Compare.Op.EQUAL))
                    .addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setPath("/fuzz/t")))
                    .addFailure(TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath("/fuzz"))).build(),
            SessionOpenRequest.newBuilder().setHeader(header()).setTtlMillis(5_000).build(),
            SessionCloseRequest.newBuilder().setSessionId(1).build(),
            WatchRequest.newBuilder().setCreate(WatchCreateRequest.newBuilder().setWatchId(1).setPath("/fuzz"))
                    .build());

    private FuzzInputs() {
    }

    private static RequestHeader header() {
        return RequestHeader.newBuilder().setClientId("fuzz-client").setSequence(1).build();
    }

    /** One input for {@code prototype}'s type: arbitrary, mutated valid, random bytes or mutated valid bytes. */
    static byte[] input(Message prototype, Random random) {
        Message valid = VALID.stream().filter(m -> m.getClass() == prototype.getClass()).findFirst()
                .orElse(prototype);
        return switch (random.nextInt(4)) {
            case 0 -> ProtoFuzzer.arbitrary(prototype, random).toByteArray();
            case 1 -> ProtoFuzzer.mutate(valid, random).toByteArray();
            case 2 -> ProtoFuzzer.randomBytes(random);
            default -> ProtoFuzzer.mutateBytes(valid.toByteArray(), random);
        };
    }
}
