package io.kvstore.auth;

/**
 * Who makes a call, as authenticated by {@link AuthInterceptor}: a user (token, client certificate common name, or
 * a member forwarding a user's call) or a cluster member acting for itself (member credential). Immutable.
 *
 * @param name the user or member name
 * @param member true for a member acting for itself
 */
public record Caller(String name, boolean member) {

    public static Caller user(String name) {
        return new Caller(name, false);
    }

    public static Caller member(String name) {
        return new Caller(name, true);
    }
}
