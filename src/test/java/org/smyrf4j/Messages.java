package org.smyrf4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Asserts that bad input is refused with an IllegalArgumentException naming it. */
final class Messages {

    private Messages() {
    }

    /** The call throws IllegalArgumentException whose message contains every fragment. */
    static void assertRefused(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                    "message should name '" + fragment + "': " + e.getMessage());
        }
    }
}
