/**
 * {@code kvctl}, the command-line client: {@link io.kvstore.cli.Kvctl} and one picocli subcommand per verb (put,
 * get, ls, rm, txn), sharing connection options through one mixin. Exit codes are in {@code ExitCodes}.
 */
package io.kvstore.cli;
