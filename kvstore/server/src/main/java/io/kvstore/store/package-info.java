/**
 * The replicated znode tree: path rules ({@link io.kvstore.store.ZPath}), fixed limits
 * ({@link io.kvstore.store.Limits}), request validation ({@link io.kvstore.store.RequestValidator}), the one error
 * model ({@link io.kvstore.store.ErrorCode}, {@link io.kvstore.store.Failure}) and the RocksDB-backed state machine
 * ({@link io.kvstore.store.KvStateMachine}) that raft drives. A "znode" is a node of the tree; a server of the
 * cluster is a "member". Package-private classes hold the key layout, the per-command overlay, the executor and the
 * exactly-once table.
 */
package io.kvstore.store;

import io.kvstore.api.ErrorCode;
