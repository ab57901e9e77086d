package io.beacon.sim;

/**
 * The credentials the simulated providers demand; {@code null} means that provider requires none.
 *
 * <p>Modal's proxy auth needs a key and a secret together; RunPod needs an API key, sent as
 * {@code Authorization: Bearer KEY} or as the bare key. Golem nodes are reached through the requestor's
 * forwarded port and require nothing, unless a reverse proxy in front of the node asks for an
 * {@code Authorization} header (a bearer token or basic auth): {@code golemAuthorization} is the exact value it
 * demands. {@link #toString()} never prints the values.
 *
 * @param modalKey           value the {@code Modal-Key} header must carry ({@code wk-...}), or null
 * @param modalSecret        value the {@code Modal-Secret} header must carry ({@code ws-...}), or null
 * @param runpodApiKey       RunPod API key, or null
 * @param golemAuthorization the {@code Authorization} header a Golem node's proxy demands
 *                           ({@code Bearer <token>}, {@code Basic <base64>}), or null
 */
public record SimCredentials(String modalKey, String modalSecret, String runpodApiKey, String golemAuthorization) {

    public SimCredentials {
        if ((modalKey == null) != (modalSecret == null)) {
            throw new IllegalArgumentException("modalKey and modalSecret must be both set or both null");
        }
    }

    /** Modal and RunPod credentials; Golem nodes open. */
    public SimCredentials(String modalKey, String modalSecret, String runpodApiKey) {
        this(modalKey, modalSecret, runpodApiKey, null);
    }

    /** The same credentials, with Golem nodes demanding {@code authorization} as their {@code Authorization} header. */
    public SimCredentials withGolemAuthorization(String authorization) {
        return new SimCredentials(modalKey, modalSecret, runpodApiKey, authorization);
    }

    /** Whether Golem nodes check the {@code Authorization} header. */
    public boolean golemAuthRequired() {
        return golemAuthorization != null;
    }

    /** No provider requires credentials. */
    public static SimCredentials none() {
        return new SimCredentials(null, null, null);
    }

    /** Whether Modal endpoints check {@code Modal-Key} / {@code Modal-Secret}. */
    public boolean modalAuthRequired() {
        return modalKey != null;
    }

    /** Whether RunPod endpoints check the API key. */
    public boolean runpodAuthRequired() {
        return runpodApiKey != null;
    }

    @Override
    public String toString() {
        return "SimCredentials[modal=" + (modalAuthRequired() ? "required" : "none")
                + ", runpod=" + (runpodAuthRequired() ? "required" : "none")
                + ", golem=" + (golemAuthRequired() ? "required" : "none") + "]";
    }
}
