/**
 * {@code kvctl bench}: a load generator for any kvstore cluster. {@link io.kvstore.cli.bench.BenchCommand} parses
 * and validates the options and prints the report; {@code LoadGenerator} keeps one request in flight per client
 * through the async {@link io.kvstore.client.KvClient} API (closed loop, or open loop at a target rate with latency
 * from intended start times); {@code BenchReport} renders the HdrHistogram of the measured phase as text or JSON.
 */
package io.kvstore.cli.bench;
