package io.beacon.workers.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110 section 10.2.3): either a number of seconds or an
 * HTTP-date. Anything else is ignored rather than trusted, since a provider's proxy may send odd values.
 */
public final class RetryAfter {

    /** Longer waits are not worth representing: the caller caps far below this anyway. */
    private static final long MAX_SECONDS = 86_400;

    private RetryAfter() {
    }

    /**
     * The wait {@code value} asks for, seen at {@code now}; a date in the past means "now" (zero).
     *
     * @return empty when the header is absent or unreadable
     */
    public static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String text = value.strip();
        if (text.chars().allMatch(Character::isDigit)) {
            if (text.length() > 9) {
                return Optional.of(Duration.ofSeconds(MAX_SECONDS));
            }
            return Optional.of(Duration.ofSeconds(Math.min(MAX_SECONDS, Long.parseLong(text))));
        }
        try {
            Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now, at);
            if (wait.isNegative()) {
                return Optional.of(Duration.ZERO);
            }
            return Optional.of(wait.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0 ? Duration.ofSeconds(MAX_SECONDS) : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
