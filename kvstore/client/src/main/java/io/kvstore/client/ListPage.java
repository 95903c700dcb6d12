package io.kvstore.client;

import java.util.List;
import java.util.Objects;

/**
 * One page of a znode's direct children, from {@link KvClient#listPage}. Immutable.
 *
 * @param names child names (not paths), in byte order
 * @param nextPageToken pass to the next {@link KvClient#listPage} call; empty on the last page
 * @param revision the revision the whole listing reflects (that of its first page)
 */
public record ListPage(List<String> names, String nextPageToken, long revision) {
    public ListPage {
        names = List.copyOf(names);
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }

    /** Whether another page follows. */
    public boolean hasMore() {
        return !nextPageToken.isEmpty();
    }
}
