package io.kvstore.store;

import java.util.List;
import java.util.Objects;

/**
 * One page of {@link KvStateMachine#list}. Immutable.
 *
 * @param revision the revision the whole listing reflects: that of its first page
 * @param names child names in byte order
 * @param nextPageToken token for the next page; empty on the last page
 */
public record ListPage(long revision, List<String> names, String nextPageToken) implements ListResult {
    public ListPage {
        names = List.copyOf(names);
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }
}
