/**
 * A throughput, latency and failover benchmark of the raft runtime: three members in one JVM over loopback
 * {@link io.kvstore.raft.transport.NettyTransport}, each with a {@link io.kvstore.raft.log.SegmentedLogStore} on a
 * real, fsynced {@link io.kvstore.raft.log.FileDisk}. A runnable main ({@link io.kvstore.raft.bench.RaftBenchmark}),
 * not a unit test: numbers depend on the machine, so nothing here asserts on them. Results and how to run it are in
 * {@code docs/benchmarks.md}.
 */
package io.kvstore.raft.bench;
