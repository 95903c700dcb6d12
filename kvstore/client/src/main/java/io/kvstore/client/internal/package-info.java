/**
 * Not API: the machinery behind {@link io.kvstore.client.KvClient}. {@link io.kvstore.client.internal.RetryingCaller}
 * runs calls with deadlines, retries and leader discovery; {@link io.kvstore.client.internal.Endpoints} owns the
 * channels; {@link io.kvstore.client.internal.Lanes} hands out write lanes for exactly-once writes;
 * {@link io.kvstore.client.internal.StatusErrors} maps gRPC failures to the client's exceptions.
 */
package io.kvstore.client.internal;
