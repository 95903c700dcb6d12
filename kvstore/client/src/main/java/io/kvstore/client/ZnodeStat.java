package io.kvstore.client;

/**
 * Metadata of one znode, as of the response's revision. Immutable.
 *
 * @param version 1 when created, +1 per data change
 * @param createRevision the store revision of the change that created the znode
 * @param modRevision the store revision of the last change to the znode's data
 * @param numChildren number of direct children
 * @param dataLength size of the value in bytes
 * @param childrenRevision the store revision of the last change to the set of direct children
 * @param ephemeralSessionId the owning session of an ephemeral znode, 0 otherwise (sessions are not built yet)
 */
public record ZnodeStat(long version, long createRevision, long modRevision, long numChildren, int dataLength,
        long childrenRevision, long ephemeralSessionId) {
}
