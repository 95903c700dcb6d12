package io.kvstore.watch;

import io.kvstore.api.v1.WatchMode;

/**
 * What the caller of one Watch stream may see (auth; docs/security.md): a watch on a path the caller cannot read at
 * all is refused when created, and every event is delivered only if the caller may read its path. Decided by the
 * latest applied auth state at each event, so a revoked grant stops delivery at once. Thread-safe.
 */
public interface WatchAccess {

    /** Everything: auth is not involved (tests, a server without auth). */
    WatchAccess ALL = new WatchAccess() {
        @Override
        public boolean mayWatch(String path, WatchMode mode) {
            return true;
        }

        @Override
        public boolean mayRead(String path) {
            return true;
        }
    };

    /** Whether a watch of {@code mode} on {@code path} (a valid path) may be created. */
    boolean mayWatch(String path, WatchMode mode);

    /** Whether an event of the znode {@code path} may be delivered. */
    boolean mayRead(String path);
}
