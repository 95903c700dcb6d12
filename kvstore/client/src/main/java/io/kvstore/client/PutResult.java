package io.kvstore.client;

/**
 * The outcome of a put. Immutable.
 *
 * @param stat the znode's metadata after the put (its new version is {@code stat().version()})
 * @param created whether the put created the znode
 * @param revision the store revision after the put
 */
public record PutResult(ZnodeStat stat, boolean created, long revision) {
}
