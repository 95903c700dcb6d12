/**
 * The durable raft log: {@link io.kvstore.raft.log.LogStore} and its write-ahead-log implementation
 * {@link io.kvstore.raft.log.SegmentedLogStore}, written through the small {@link io.kvstore.raft.log.Disk}
 * abstraction so the same code runs on a real directory ({@link io.kvstore.raft.log.FileDisk}) and on a simulated
 * disk that loses power, tears writes and flips bits (tests). Recovery keeps everything up to the last forced
 * SYNC marker, cuts an unacknowledged torn tail, and refuses to start on damage in the middle
 * ({@link io.kvstore.raft.log.CorruptLogException}). Compaction writes a SNAPSHOT marker (compact or install) into
 * the log like any record; once it is durable, whole segments at the front that hold only compacted or discarded
 * entries are deleted, oldest first, so the log stays bounded; recovery accepts the missing front only when a
 * durable marker covers it. Everything here is single-threaded: the member's event loop owns its store.
 */
package io.kvstore.raft.log;
