package io.kvstore.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordChecksTest {

    @Test
    void refusesAboveTheBoundUntilACheckFinishes() {
        PasswordChecks checks = new PasswordChecks(2);
        assertTrue(checks.tryStart());
        assertTrue(checks.tryStart());
        assertFalse(checks.tryStart(), "a third concurrent check must be refused");
        checks.finish();
        assertTrue(checks.tryStart(), "a finished check frees its place");
        assertFalse(checks.tryStart());
    }

    @Test
    void needsAPositiveBound() {
        assertThrows(IllegalArgumentException.class, () -> new PasswordChecks(0));
    }
}
