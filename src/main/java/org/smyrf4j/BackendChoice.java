package org.smyrf4j;

/** Which backend an engine runs and why, in words a user can act on. */
public record BackendChoice(BackendKind kind, String reason) {
    @Override
    public String toString() {
        return kind.name().toLowerCase() + " (" + reason + ")";
    }
}
