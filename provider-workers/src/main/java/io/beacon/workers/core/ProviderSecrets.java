package io.beacon.workers.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Provider credentials, read only from the environment or from files (Docker/Kubernetes secrets), never
 * from records or config files that could end up in a repository. {@link #toString()} says which secrets
 * are set, never their values; {@link #redact(String)} scrubs them from any text that leaves the worker.
 *
 * <p>Variables: {@code RUNPOD_API_KEY} or {@code RUNPOD_API_KEY_FILE}; {@code MODAL_KEY} and
 * {@code MODAL_SECRET} (or {@code MODAL_KEY_FILE}, {@code MODAL_SECRET_FILE}), or {@code MODAL_API_TOKEN}
 * (or {@code MODAL_API_TOKEN_FILE}) as {@code key:secret}, the name the runner guide uses.
 *
 * <p>Golem nodes behind an authenticating proxy: each deployment entry may name where its own credential is
 * kept ({@link NodeCredential}); {@link #nodeAuthorization} reads it from this environment or the file, once per
 * reference, and {@link #redact} scrubs it (raw and as sent) like the others.
 */
public final class ProviderSecrets {

    public static final String RUNPOD_API_KEY = "RUNPOD_API_KEY";
    public static final String MODAL_KEY = "MODAL_KEY";
    public static final String MODAL_SECRET = "MODAL_SECRET";
    public static final String MODAL_API_TOKEN = "MODAL_API_TOKEN";
    private static final String FILE_SUFFIX = "_FILE";

    private final Secret runpodApiKey;
    private final Secret modalKey;
    private final Secret modalSecret;
    /** Where node credential references of kind ENV are looked up. */
    private final Map<String, String> env;
    /** Each node credential reference read so far, as its Authorization header value. */
    private final Map<NodeCredential, Secret> nodeHeaders = new ConcurrentHashMap<>();
    /**
     * Every node credential value read so far (raw; for basic auth also the password and the base64 form), kept
     * after a rotation too, for {@link #redact}: a late error may still echo an old one.
     */
    private final Set<Secret> nodeValues = ConcurrentHashMap.newKeySet();

    private ProviderSecrets(Secret runpodApiKey, Secret modalKey, Secret modalSecret, Map<String, String> env) {
        this.runpodApiKey = runpodApiKey;
        this.modalKey = modalKey;
        this.modalSecret = modalSecret;
        this.env = Map.copyOf(env);
    }

    /** No credentials (Golem needs none; local simulators may not ask). Node credentials: files only. */
    public static ProviderSecrets none() {
        return new ProviderSecrets(null, null, null, Map.of());
    }

    /** Explicit values, for tests and embedding; null or blank means "not set". */
    public static ProviderSecrets of(String runpodApiKey, String modalKey, String modalSecret) {
        if ((blank(modalKey)) != (blank(modalSecret))) {
            throw new IllegalArgumentException("Modal proxy auth needs both the key and the secret");
        }
        return new ProviderSecrets(blank(runpodApiKey) ? null : Secret.of(runpodApiKey),
                blank(modalKey) ? null : Secret.of(modalKey), blank(modalSecret) ? null : Secret.of(modalSecret),
                Map.of());
    }

    /** Reads the process environment. */
    public static ProviderSecrets fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Reads {@code env}; a {@code NAME_FILE} variable names a file whose trimmed content is the value, used
     * when {@code NAME} itself is unset.
     *
     * @throws IllegalArgumentException naming the variable (never its value) when a file cannot be read or
     *                                  a value is malformed
     */
    public static ProviderSecrets fromEnvironment(Map<String, String> env) {
        Secret runpod = read(env, RUNPOD_API_KEY);
        Secret key = read(env, MODAL_KEY);
        Secret secret = read(env, MODAL_SECRET);
        if (key == null && secret == null) {
            Secret token = read(env, MODAL_API_TOKEN);
            if (token != null) {
                String raw = token.reveal();
                int colon = raw.indexOf(':');
                if (colon <= 0 || colon == raw.length() - 1) {
                    throw new IllegalArgumentException(MODAL_API_TOKEN + " must have the form key:secret"
                            + " (the value is not shown)");
                }
                key = Secret.of(raw.substring(0, colon).trim());
                secret = Secret.of(raw.substring(colon + 1).trim());
            }
        } else if (key == null || secret == null) {
            throw new IllegalArgumentException("Modal proxy auth needs both " + MODAL_KEY + " and " + MODAL_SECRET
                    + "; only " + (key == null ? MODAL_SECRET : MODAL_KEY) + " is set");
        }
        return new ProviderSecrets(runpod, key, secret, withoutNulls(env));
    }

    private static Map<String, String> withoutNulls(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        env.forEach((k, v) -> {
            if (k != null && v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The {@code Authorization} header value for a node whose entry names {@code credential}: read from the
     * environment variable or file now, and kept (a deployment added or changed later reads it again through
     * {@link #refreshNode}). Empty when {@code credential} is null.
     *
     * @throws IllegalArgumentException naming the reference (never the value) when it cannot be read or a basic
     *                                  credential is not {@code user:password}
     */
    public Optional<Secret> nodeAuthorization(NodeCredential credential) {
        if (credential == null) {
            return Optional.empty();
        }
        Secret header = nodeHeaders.get(credential);
        return Optional.of(header != null ? header : refreshNode(credential));
    }

    /** Reads {@code credential} again (a rotated token file, a deployment re-added) and returns its header value. */
    public Secret refreshNode(NodeCredential credential) {
        String raw = switch (credential.source()) {
            case ENV -> {
                String value = env.get(credential.reference());
                if (blank(value)) {
                    throw new IllegalArgumentException(credential.option() + " names the environment variable "
                            + credential.reference() + ", which is not set on this worker");
                }
                yield value.trim();
            }
            case FILE -> readFile(credential.option(), Path.of(credential.reference()));
        };
        String header;
        List<Secret> values = new ArrayList<>(List.of(Secret.of(raw)));
        if (credential.scheme() == NodeCredential.Scheme.BASIC) {
            int colon = raw.indexOf(':');
            if (colon <= 0 || colon == raw.length() - 1) {
                throw new IllegalArgumentException(credential + " must hold user:password (the value is not shown)");
            }
            String encoded = Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
            values.add(Secret.of(encoded));
            values.add(Secret.of(raw.substring(colon + 1)));
            header = "Basic " + encoded;
        } else {
            header = "Bearer " + raw;
        }
        Secret sent = Secret.of(header);
        nodeValues.addAll(values);
        nodeValues.add(sent);
        nodeHeaders.put(credential, sent);
        return sent;
    }

    public Optional<Secret> runpodApiKey() {
        return Optional.ofNullable(runpodApiKey);
    }

    public Optional<Secret> modalKey() {
        return Optional.ofNullable(modalKey);
    }

    public Optional<Secret> modalSecret() {
        return Optional.ofNullable(modalSecret);
    }

    /** True when both Modal proxy-auth values are set. */
    public boolean hasModalProxyAuth() {
        return modalKey != null && modalSecret != null;
    }

    /**
     * {@code text} with every secret value replaced by {@code [redacted]}: a last line of defence for error
     * text that comes from a provider or a library (an echoed header, a URL) before it is logged or published.
     */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (Secret s : all()) {
            out = out.replace(s.reveal(), "[redacted]");
        }
        return out;
    }

    private List<Secret> all() {
        List<Secret> out = new ArrayList<>(3 + nodeValues.size());
        // Longest first: a whole header reads "[redacted]" rather than "Bearer [redacted]", and a basic
        // credential's user:password goes before its password alone.
        nodeValues.stream().sorted(Comparator.comparingInt((Secret x) -> x.reveal().length()).reversed())
                .forEach(out::add);
        if (runpodApiKey != null) {
            out.add(runpodApiKey);
        }
        if (modalKey != null) {
            out.add(modalKey);
        }
        if (modalSecret != null) {
            out.add(modalSecret);
        }
        return out;
    }

    @Override
    public String toString() {
        return "ProviderSecrets[runpodApiKey=" + (runpodApiKey == null ? "unset" : "set")
                + ", modalProxyAuth=" + (hasModalProxyAuth() ? "set" : "unset")
                + ", nodeCredentials=" + nodeHeaders.size() + " read]";
    }

    private static Secret read(Map<String, String> env, String name) {
        String value = env.get(name);
        if (!blank(value)) {
            return Secret.of(value.trim());
        }
        String file = env.get(name + FILE_SUFFIX);
        if (blank(file)) {
            return null;
        }
        return Secret.of(readFile(name + FILE_SUFFIX, Path.of(file.trim())));
    }

    private static String readFile(String what, Path path) {
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            // The path is not secret; the exception's own message may quote it, but never the content.
            throw new IllegalArgumentException(what + " names " + path + " which cannot be read: "
                    + e.getClass().getSimpleName(), e);
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException(what + " names " + path + " which is empty");
        }
        return content;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
