package io.kvstore.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The validated settings of one client; see {@code KvClient.Builder} for what each means and its default.
 *
 * @param endpoints host:port of the members to try, in order; at least one
 * @param requestTimeout per attempt
 * @param retryDeadline per call, over all attempts and the wait for a write lane
 * @param backoffInitial delay before the second attempt; doubles per attempt up to backoffMax, with jitter
 * @param backoffMax the largest delay between attempts
 * @param writeLanes writes in flight at once (one client id each)
 * @param laneWaitersMax writes allowed to queue for a lane before new ones fail at once
 */
public record ClientConfig(List<String> endpoints, Duration requestTimeout, Duration retryDeadline,
        Duration backoffInitial, Duration backoffMax, int writeLanes, int laneWaitersMax) {

    public ClientConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: at least one host:port is required");
        }
        for (String e : endpoints) {
            if (e.isBlank() || e.lastIndexOf(':') <= 0) {
                throw new IllegalArgumentException("endpoints: expected host:port, got '" + e + "'");
            }
        }
        positive("requestTimeout", requestTimeout);
        positive("retryDeadline", retryDeadline);
        positive("backoffInitial", backoffInitial);
        positive("backoffMax", backoffMax);
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("backoffMax " + backoffMax + " < backoffInitial " + backoffInitial);
        }
        if (writeLanes < 1 || writeLanes > 1024) {
            throw new IllegalArgumentException("writeLanes must be in [1, 1024]: " + writeLanes);
        }
        if (laneWaitersMax < 0) {
            throw new IllegalArgumentException("laneWaitersMax must be >= 0: " + laneWaitersMax);
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
