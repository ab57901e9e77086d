package io.beacon.router.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Lets a request through only with {@code Authorization: Bearer <token>}; otherwise 401 with
 * {@code WWW-Authenticate: Bearer}. Both tokens are hashed before the constant-time comparison, so
 * neither the content nor the length of the configured token leaks through timing.
 */
public final class BearerAuth extends Filter {

    private static final String SCHEME = "Bearer ";

    private final byte[] expectedDigest;

    public BearerAuth(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the bearer token must not be empty");
        }
        this.expectedDigest = sha256(token);
    }

    /** True when {@code presented} is the configured token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(sha256(presented), expectedDigest);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"beacon-router\"");
            JsonReplies.send(exchange, 401, JsonReplies.failure(
                    "missing bearer token: send the header Authorization: Bearer <token> (setting http.auth.token)"));
            return;
        }
        if (!matches(header.substring(SCHEME.length()).trim())) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"beacon-router\", error=\"invalid_token\"");
            JsonReplies.send(exchange, 401, JsonReplies.failure("invalid bearer token"));
            return;
        }
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "bearer token authentication";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
