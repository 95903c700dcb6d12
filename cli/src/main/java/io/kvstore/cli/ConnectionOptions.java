package io.kvstore.cli;

import io.kvstore.client.KvClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every subcommand shares: where the cluster is, how long to wait, TLS and credentials. Public for
 *  {@code kvctl bench} (package io.kvstore.cli.bench). */
public final class ConnectionOptions {
    static final String ENDPOINTS_ENV = "KVCTL_ENDPOINTS";
    static final String ENDPOINTS_DEFAULT = "127.0.0.1:7379";
    /** Per attempt: a hung member costs at most this before the next one is tried. */
    private static final Duration ATTEMPT_TIMEOUT_MAX = Duration.ofSeconds(5);

    @Option(names = "--endpoints", paramLabel = "HOST:PORT[,...]",
            description = "Members to contact, comma-separated (default: $" + ENDPOINTS_ENV + ", else "
                    + ENDPOINTS_DEFAULT + ").")
    String endpoints;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Give up after this long, retries included, e.g. 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    // --- TLS (docs/security.md, "TLS") ---

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Connect with TLS, trusting servers whose certificate chains to this PEM CA bundle.")
    java.nio.file.Path cacert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM client certificate to present over TLS (with --key); its common name identifies you.")
    java.nio.file.Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --cert.")
    java.nio.file.Path key;

    /** The endpoints: the option, else the environment variable, else the default. */
    public List<String> endpoints(Map<String, String> env) {
        String list = endpoints;
        if (list == null || list.isBlank()) {
            list = env.getOrDefault(ENDPOINTS_ENV, "");
        }
        if (list.isBlank()) {
            list = ENDPOINTS_DEFAULT;
        }
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    KvClient connect(Map<String, String> env) {
        return builder(env).build();
    }

    /**
     * What {@link #connect} builds (endpoints, timeouts, credentials, TLS), for a command that tunes it further:
     * kvctl bench sets its own write lanes.
     */
    public KvClient.Builder builder(Map<String, String> env) {
        Duration attempt = timeout.compareTo(ATTEMPT_TIMEOUT_MAX) < 0 ? timeout : ATTEMPT_TIMEOUT_MAX;
        KvClient.Builder builder = KvClient.builder().endpoints(endpoints(env)).retryDeadline(timeout)
                .requestTimeout(attempt).writeLanes(1);
        // ---- auth: --user / KVCTL_USER / KVCTL_PASSWORD ----
        String[] credentials = credentials(env);
        if (credentials != null) {
            builder.credentials(credentials[0], credentials[1]);
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key must be given together");
        }
        if (cacert != null) {
            builder.tls(cacert);
        }
        if (cert != null) {
            builder.tlsClientCertificate(cert, key);
        }
        return builder;
    }

    /**
     * A channel factory with the same TLS settings and credentials as {@link #connect}, for calls KvClient does not
     * wrap (the Maintenance service: one chosen member, never retried elsewhere).
     */
    java.util.function.Function<String, io.grpc.ManagedChannel> channels(Map<String, String> env) {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key must be given together");
        }
        String[] credentials = credentials(env);
        io.grpc.ClientInterceptor[] interceptors = credentials == null ? new io.grpc.ClientInterceptor[0]
                : new io.grpc.ClientInterceptor[] {new io.kvstore.client.internal.TokenCredentials(credentials[0],
                        credentials[1], timeout, System::currentTimeMillis).interceptor()};
        return io.kvstore.client.internal.Channels.factory(cacert, cert, key, null, interceptors);
    }

    // ---- auth (docs/security.md) ----
    static final String USER_ENV = "KVCTL_USER";
    static final String PASSWORD_ENV = "KVCTL_PASSWORD";

    @Option(names = "--user", paramLabel = "USER[:PASSWORD]",
            description = "Authenticate as USER (default: $" + USER_ENV + "). Without ':PASSWORD' the password comes "
                    + "from $" + PASSWORD_ENV + ", else a prompt on the terminal.")
    String user;

    /** Credentials once resolved: a command that opens several channels prompts at most once. */
    private String[] resolvedCredentials;

    /** {user, password}, or null without a user. Prompts (no echo) when the password is missing on a terminal. */
    String[] credentials(Map<String, String> env) {
        if (resolvedCredentials == null) {
            resolvedCredentials = resolveCredentials(env);
        }
        return resolvedCredentials.length == 0 ? null : resolvedCredentials;
    }

    private String[] resolveCredentials(Map<String, String> env) {
        String given = user != null && !user.isBlank() ? user : env.getOrDefault(USER_ENV, "");
        if (given.isBlank()) {
            return new String[0];
        }
        int colon = given.indexOf(':');
        if (colon >= 0) {
            return new String[] {given.substring(0, colon), given.substring(colon + 1)};
        }
        String password = env.get(PASSWORD_ENV);
        if (password == null && System.console() != null) {
            char[] typed = System.console().readPassword("Password for %s: ", given);
            password = typed == null ? null : new String(typed);
        }
        if (password == null) {
            throw new IllegalArgumentException("no password for user " + given + ": give --user " + given
                    + ":PASSWORD, set " + PASSWORD_ENV + ", or run on a terminal to be asked");
        }
        return new String[] {given, password};
    }
}
