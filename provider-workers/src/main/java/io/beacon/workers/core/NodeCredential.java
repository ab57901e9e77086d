package io.beacon.workers.core;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a Golem node's credential is kept: a reference, never the value. A leased node is reached through a
 * port its requestor forwards, usually behind a reverse proxy that asks for a bearer token or basic auth; the
 * deployment entry names the environment variable or file holding it ({@code token_env=NODE1_TOKEN},
 * {@code token_file=/run/secrets/node1}, {@code basic_env=...}, {@code basic_file=...}) and
 * {@link ProviderSecrets#nodeAuthorization} reads it on the worker's host. Printing a reference is safe.
 *
 * @param scheme    how the value is sent: {@code Authorization: Bearer <token>} or {@code Basic <base64(user:password)>}
 * @param source    environment variable or file
 * @param reference the variable's name or the file's path
 */
public record NodeCredential(Scheme scheme, Source source, String reference) {

    /** How the credential goes on the wire. */
    public enum Scheme { BEARER, BASIC }

    /** Where its value is read. */
    public enum Source { ENV, FILE }

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public NodeCredential {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reference, "reference");
        if (reference.isBlank()) {
            throw new IllegalArgumentException("a credential reference must name a variable or a file");
        }
        if (source == Source.ENV && !ENV_NAME.matcher(reference).matches()) {
            throw new IllegalArgumentException("'" + reference + "' is not an environment variable name");
        }
    }

    /** The entry option that gives this reference: {@code token_env}, {@code token_file}, {@code basic_env}, {@code basic_file}. */
    public String option() {
        return (scheme == Scheme.BEARER ? "token" : "basic") + "_" + source.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The reference an entry option names, or null when {@code key} is no credential option.
     *
     * @throws IllegalArgumentException when the value is not a valid reference
     */
    public static NodeCredential fromOption(String key, String value) {
        Scheme scheme;
        Source source;
        switch (key) {
            case "token_env" -> { scheme = Scheme.BEARER; source = Source.ENV; }
            case "token_file" -> { scheme = Scheme.BEARER; source = Source.FILE; }
            case "basic_env" -> { scheme = Scheme.BASIC; source = Source.ENV; }
            case "basic_file" -> { scheme = Scheme.BASIC; source = Source.FILE; }
            default -> {
                return null;
            }
        }
        return new NodeCredential(scheme, source, value.trim());
    }

    /** E.g. {@code bearer token from environment variable NODE1_TOKEN}: names the reference, never a value. */
    @Override
    public String toString() {
        return (scheme == Scheme.BEARER ? "bearer token" : "basic auth") + " from "
                + (source == Source.ENV ? "environment variable " : "file ") + reference;
    }
}
