package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paginated listing: byte order, pages at one revision, stale and foreign tokens. */
class ListTest {

    @TempDir
    Path dir;

    private KvStateMachine store;
    private long index;

    @BeforeEach
    void open() {
        store = new KvStateMachine(dir);
        create("/d");
        for (int i = 0; i < 25; i++) {
            create(String.format("/d/c%02d", i));
        }
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void pagesCoverAllChildrenInOrderAtOneRevision() {
        long revision = store.revision();
        List<String> names = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String token = "";
        do {
            ListPage page = assertInstanceOf(ListPage.class, store.list(ZPath.parse("/d"), token, 10));
            assertEquals(revision, page.revision());
            names.addAll(page.names());
            sizes.add(page.names().size());
            token = page.nextPageToken();
            put("/d/c00"); // data changes do not change the listing
        } while (!token.isEmpty());
        assertEquals(List.of(10, 10, 5), sizes);
        assertEquals(25, names.size());
        assertEquals("c00", names.get(0));
        assertEquals("c24", names.get(24));
    }

    @Test
    void exactMultipleOfLimitEndsWithoutEmptyPage() {
        ListPage first = (ListPage) store.list(ZPath.parse("/d"), "", 25);
        assertEquals(25, first.names().size());
        assertEquals("", first.nextPageToken());
    }

    @Test
    void childChangeMakesTheTokenStale() {
        ListPage first = (ListPage) store.list(ZPath.parse("/d"), "", 10);
        create("/d/new");
        Failure failure = assertInstanceOf(Failure.class, store.list(ZPath.parse("/d"), first.nextPageToken(), 10));
        assertEquals(ErrorCode.PAGE_TOKEN_STALE, failure.code());
    }

    @Test
    void rejectsForeignAndMalformedTokens() {
        create("/e");
        ListPage first = (ListPage) store.list(ZPath.parse("/d"), "", 10);
        assertEquals(ErrorCode.INVALID_PAGE_TOKEN,
                ((Failure) store.list(ZPath.parse("/e"), first.nextPageToken(), 10)).code());
        assertEquals(ErrorCode.INVALID_PAGE_TOKEN, ((Failure) store.list(ZPath.parse("/d"), "%%%", 10)).code());
        assertEquals(ErrorCode.INVALID_PAGE_TOKEN, ((Failure) store.list(ZPath.parse("/d"), "AAAA", 10)).code());
    }

    @Test
    void missingParentIsNotFound() {
        assertEquals(ErrorCode.NOT_FOUND, ((Failure) store.list(ZPath.parse("/nope"), "", 10)).code());
    }

    @Test
    void sortsByBytesAndKeepsSiblingPrefixesApart() {
        for (String name : List.of("aa", "a.b", "B", "a-b", "a")) {
            create("/s/" + name);
        }
        create("/s/a/inner");
        ListPage page = (ListPage) store.list(ZPath.parse("/s"), "", 0);
        assertEquals(List.of("B", "a", "a-b", "a.b", "aa"), page.names());
        assertEquals(List.of("inner"), ((ListPage) store.list(ZPath.parse("/s/a"), "", 0)).names());
        assertEquals(5, store.get(ZPath.parse("/s")).znode().stat().getNumChildren());
    }

    private void create(String path) {
        apply(Command.newBuilder().setCreate(CreateRequest.newBuilder().setPath(path).setMakeParents(true)).build());
    }

    private void put(String path) {
        apply(Command.newBuilder().setPut(PutRequest.newBuilder().setPath(path)
                .setValue(ByteString.copyFromUtf8("v" + index))).build());
    }

    private void apply(Command command) {
        index++;
        WriteResult result = store.apply(new Entry(index, 1, Entry.Type.COMMAND, command.toByteString()));
        assertInstanceOf(WriteResult.Success.class, result, () -> String.valueOf(result));
    }
}
