package io.kvstore.client;

/**
 * The outcome of a create. Immutable.
 *
 * @param path the created path (will differ from the requested one for sequential znodes, once they exist)
 * @param stat the new znode's metadata
 * @param revision the store revision after the create
 */
public record CreateResult(String path, ZnodeStat stat, long revision) {
}
