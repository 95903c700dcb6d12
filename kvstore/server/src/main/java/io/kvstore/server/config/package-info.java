/**
 * The server's configuration: one validated, immutable {@link io.kvstore.server.config.ServerConfig}, and the edge
 * that fills it from flags, {@code KVSERVER_*} environment variables and a flat YAML file
 * ({@link io.kvstore.server.config.ServerCli}, {@link io.kvstore.server.config.ConfigFile}). Precedence: flag, then
 * environment, then file, then default. docs/server.md is the operator's reference.
 */
package io.kvstore.server.config;
