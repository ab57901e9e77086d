package io.beacon.workers.core;

import java.util.Objects;

/**
 * A credential value that never prints itself: {@link #toString()} is a fixed mask, so a secret that
 * slips into a log line or an exception message shows as {@code [redacted]}. Only the HTTP clients call
 * {@link #reveal()}, to set a request header.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a secret must not be blank");
        }
        return new Secret(value);
    }

    /** The raw value, for an HTTP header; never log or concatenate it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "[redacted]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
