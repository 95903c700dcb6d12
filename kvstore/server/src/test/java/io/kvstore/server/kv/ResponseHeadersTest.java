package io.kvstore.server.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.Message;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.core.Role;
import io.kvstore.server.member.MemberIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseHeadersTest {

    @Test
    void withHeaderSetsTheHeaderAndKeepsEveryOtherField() {
        ResponseHeader header = ResponseHeaders.of("n1", new RaftStatus("n1", Role.LEADER, 7, "n1", 10, 10, 10), 42,
                false);
        Stat stat = Stat.newBuilder().setVersion(3).build();
        List<Message> responses = List.of(
                PutResponse.newBuilder().setStat(stat).setCreated(true).build(),
                CreateResponse.newBuilder().setPath("/a0000000001").setStat(stat).build(),
                DeleteResponse.newBuilder().setDeleted(5).build(),
                TxnResponse.newBuilder().setSucceeded(true).build(),
                ExistsResponse.newBuilder().setExists(true).setStat(stat).build()); // the reflective path
        for (Message response : responses) {
            Message with = ResponseHeaders.withHeader(response, header);
            assertEquals(response.getClass(), with.getClass());
            assertEquals(header, with.getField(with.getDescriptorForType().findFieldByName("header")));
            Message.Builder expected = response.toBuilder();
            expected.setField(expected.getDescriptorForType().findFieldByName("header"), header);
            assertEquals(expected.build(), with, response.getClass().getSimpleName());
        }
    }

    @Test
    void memberIdsAreTheFirstEightBytesOfSha256AndStableAcrossCalls() throws Exception {
        for (String name : List.of("n1", "n2", "a-much-longer-member-name")) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            long expected = 0;
            for (int i = 0; i < 8; i++) {
                expected = (expected << 8) | (digest[i] & 0xff);
            }
            assertEquals(expected, MemberIds.numeric(name), name);
            assertEquals(expected, MemberIds.numeric(name), name + ", second call");
        }
        assertNotEquals(MemberIds.numeric("n1"), MemberIds.numeric("n2"));
        assertEquals(0, MemberIds.numeric(null));
    }
}
