/**
 * The server's gRPC interceptors and the one {@link io.kvstore.server.interceptor.InterceptorChain} that puts
 * every service behind them: request ids, deadlines, request validation; the chain's Javadoc marks where
 * authentication, authorization and metrics will go.
 */
package io.kvstore.server.interceptor;
