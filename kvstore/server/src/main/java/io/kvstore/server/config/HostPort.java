package io.kvstore.server.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A {@code host:port} pair as an operator writes it ({@code 127.0.0.1:7379}, {@code db1.example:7380},
 * {@code [::1]:7379}). Kept unresolved: the host is resolved when a socket is bound or connected. Immutable.
 *
 * @param host a name or IP literal (IPv6 without brackets); never empty
 * @param port 0 to 65535; 0 asks the OS for a free port where binding allows it
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
        }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @param flag the flag the text came from, named in the error
     * @throws IllegalArgumentException naming {@code flag} when the text is not of that form
     */
    public static HostPort parse(String text, String flag) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(flag + ": expected host:port, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(flag + ": write an IPv6 address in brackets, as [::1]:7379, got '"
                    + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": port is not a number in '" + text + "'");
        }
        if (host.isEmpty() || port < 0 || port > 65_535) {
            throw new IllegalArgumentException(flag + ": expected host:port with a port in [0, 65535], got '"
                    + text + "'");
        }
        return new HostPort(host, port);
    }

    /** This address with another port (the one the OS picked for port 0). */
    public HostPort withPort(int newPort) {
        return new HostPort(host, newPort);
    }

    /** A socket address, resolving the host now. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port}, with brackets around an IPv6 literal: what {@link #parse} reads back. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
