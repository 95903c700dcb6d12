package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kvstore.api.ErrorCode;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PublishMember;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Member publications: stored outside the tree, no revision, survive restarts, replaced by the next one. */
class MemberAttributesTest {

    @TempDir
    Path dir;

    @Test
    void publicationIsStoredOutsideTheTreeWithoutARevision() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertEquals(Optional.empty(), store.clientAddressOf("n1"));
            assertNull(store.apply(entry(1, publish("n1", "127.0.0.1:7379"))));
            assertEquals(Optional.of("127.0.0.1:7379"), store.clientAddressOf("n1"));
            assertEquals(0, store.revision(), "a member publication is not a tree change");
            assertEquals(1, store.appliedIndex());
            ListPage root = assertInstanceOf(ListPage.class, store.list(ZPath.ROOT, "", 0));
            assertEquals(0, root.names().size());
            assertNull(store.apply(entry(2, publish("n1", "10.0.0.1:7379"))));
            assertEquals(Optional.of("10.0.0.1:7379"), store.clientAddressOf("n1"));
            assertEquals(Optional.empty(), store.clientAddressOf("n2"));
        }
        try (KvStateMachine store = new KvStateMachine(dir)) {
            assertEquals(Optional.of("10.0.0.1:7379"), store.clientAddressOf("n1"));
        }
    }

    @Test
    void invalidPublicationIsRejectedAlikeOnEveryMember() {
        try (KvStateMachine store = new KvStateMachine(dir)) {
            Failure empty = assertInstanceOf(Failure.class, store.apply(entry(1, publish("n1", ""))));
            assertEquals(ErrorCode.INVALID_ARGUMENT, empty.code());
            Command withClient = publish("n1", "h:1").toBuilder().setClientId("c").setSequence(1).build();
            assertInstanceOf(Failure.class, store.apply(entry(2, withClient)));
            assertEquals(Optional.empty(), store.clientAddressOf("n1"));
            assertEquals(2, store.appliedIndex());
        }
    }

    private static Command publish(String member, String address) {
        return Command.newBuilder().setPublishMember(
                PublishMember.newBuilder().setMemberId(member).setClientAddress(address)).build();
    }

    private static Entry entry(long index, Command command) {
        return new Entry(index, 1, Entry.Type.COMMAND, command.toByteString());
    }
}
