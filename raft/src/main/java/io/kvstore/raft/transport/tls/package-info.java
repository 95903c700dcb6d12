/**
 * TLS material for kvstore's connections: PEM certificate, key and CA files ({@link io.kvstore.raft.transport.tls.TlsFiles}),
 * read into key and trust managers that re-read the files when they change
 * ({@link io.kvstore.raft.transport.tls.ReloadingKeyManager}, {@link io.kvstore.raft.transport.tls.ReloadingTrustManager}),
 * and the netty contexts of the raft transport's mutual TLS ({@link io.kvstore.raft.transport.tls.PeerTls}).
 * The server module reuses the managers for its gRPC listener and member channels, so every connection of a member
 * reloads certificates the same way.
 */
package io.kvstore.raft.transport.tls;
