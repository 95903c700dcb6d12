/**
 * End-to-end tests: real {@code kvserver} processes on 127.0.0.1, started from the test class path, driven
 * through the Java client and raw gRPC stubs, killed with {@code kill -9} and restarted on their data directories.
 * They run in Maven's integration-test phase (failsafe, {@code *IT}): {@code mvn -pl kvstore/server -am verify}.
 * {@link io.kvstore.e2e.FailoverProbe} is the failover measurement {@code bin/bench-cluster} runs.
 */
package io.kvstore.e2e;
