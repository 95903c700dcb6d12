package io.kvstore.auth;

import io.grpc.Context;
import io.grpc.Metadata;

/**
 * Carries the original caller's identity on a call a member forwards to the leader, so the leader authenticates
 * and authorizes the original caller again (a follower is not an open door): the caller's own token when it sent
 * one, else (client certificate identity) the user's name in {@link AuthInterceptor#ON_BEHALF_OF}, which the
 * leader trusts only together with the forwarding member's credential ({@link MemberCredentials}). Stateless.
 */
public final class ForwardedIdentity {

    private ForwardedIdentity() {
    }

    /** Adds the current call's identity (from {@code context}) to {@code headers}; nothing while auth is off. */
    public static void attach(Context context, Metadata headers) {
        String token = AuthInterceptor.USER_TOKEN.get(context);
        Caller caller = AuthInterceptor.CALLER.get(context);
        if (token != null) {
            headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        } else if (caller != null && !caller.member()) {
            headers.put(AuthInterceptor.ON_BEHALF_OF, caller.name());
        }
    }
}
