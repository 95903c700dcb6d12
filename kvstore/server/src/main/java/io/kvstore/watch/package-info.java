/**
 * Watches: streams of znode changes served from the member's own applied state. The apply thread reports each
 * change to the {@link io.kvstore.watch.WatchHub} (never blocking); a watch starting in the past first catches up
 * from the RocksDB history on a separate executor, then switches to live events under the hub's lock, so the
 * hand-over has neither gap nor duplicate. Each gRPC stream ({@link io.kvstore.watch.WatchStream}) has one bounded
 * outbound queue; a watch whose live events do not fit is cancelled SLOW_WATCHER and can resume from history.
 * See docs/server.md, "Watches".
 */
package io.kvstore.watch;
