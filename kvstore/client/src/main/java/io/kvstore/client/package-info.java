/**
 * The kvstore Java client. {@link io.kvstore.client.KvClient} is the entry point; everything else in this package is
 * an immutable value it takes or returns ({@link io.kvstore.client.Znode}, {@link io.kvstore.client.Txn},
 * {@link io.kvstore.client.PutOptions}, ...) or an exception it throws ({@link io.kvstore.client.KvException} and
 * subclasses), plus the watch handle and callback ({@link io.kvstore.client.Watcher},
 * {@link io.kvstore.client.WatchListener}). Values are non-null unless documented otherwise. {@code io.kvstore.client.internal} holds the
 * retry, endpoint and write-lane machinery and is not API.
 */
package io.kvstore.client;
