package io.kvstore.client;

/**
 * The outcome of a delete. Immutable.
 *
 * @param deletedCount znodes deleted, the named one included (more than 1 only for a recursive delete)
 * @param revision the store revision after the delete
 */
public record DeleteResult(long deletedCount, long revision) {
}
