package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.ErrorCode;
import io.kvstore.store.Failure;
import io.kvstore.store.command.AuthStateRecord;
import io.kvstore.store.command.UserRecord;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Access#session}: the authorizer's session ownership decision (issue 9), before proposing. */
class AccessSessionTest {

    /** Users root (root by name), alice and bob; auth enabled. */
    private static final AuthState STATE = new AuthState(AuthStateRecord.newBuilder().setEnabled(true).build(),
            Map.of("root", UserRecord.getDefaultInstance(), "alice", UserRecord.getDefaultInstance(),
                    "bob", UserRecord.getDefaultInstance()), Map.of());
    /** Session 7 is alice's, 8 was opened while auth was off; no other session is live. */
    private static final Map<Long, String> OWNERS = Map.of(7L, "alice", 8L, "");

    @Test
    void onlyTheOwnerOrRootUsesAnOwnedSession() {
        assertTrue(access("alice").session(7).isEmpty());
        assertTrue(access("root").session(7).isEmpty());
        Optional<Failure> denied = access("bob").session(7);
        assertEquals(ErrorCode.PERMISSION_DENIED, denied.orElseThrow().code());
        assertFalse(denied.get().message().contains("alice"), "the owner is not told: " + denied.get().message());
        assertEquals(ErrorCode.PERMISSION_DENIED, access(null).session(7).orElseThrow().code(),
                "a member acting for itself is no user");
    }

    @Test
    void noSessionAnOwnerlessOneOrOneNotLiveIsNotRefusedHere() {
        assertTrue(access("bob").session(0).isEmpty(), "no session named");
        assertTrue(access("bob").session(8).isEmpty(), "opened while auth was off");
        assertTrue(access("bob").session(9).isEmpty(), "not live: the store answers SESSION_EXPIRED");
    }

    private static Access access(String user) {
        return new Access(STATE, user, path -> true, id -> Optional.ofNullable(OWNERS.get(id)));
    }
}
