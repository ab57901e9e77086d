package io.beacon.sim;

/**
 * The credentials the simulated providers demand; {@code null} means that provider requires none.
 *
 * <p>Modal's proxy auth needs a key and a secret together; RunPod needs an API key, sent as
 * {@code Authorization: Bearer KEY} or as the bare key. Golem nodes are reached through a TCP proxy and
 * require nothing. {@link #toString()} never prints the values.
 *
 * @param modalKey     value the {@code Modal-Key} header must carry ({@code wk-...}), or null
 * @param modalSecret  value the {@code Modal-Secret} header must carry ({@code ws-...}), or null
 * @param runpodApiKey RunPod API key, or null
 */
public record SimCredentials(String modalKey, String modalSecret, String runpodApiKey) {

    public SimCredentials {
        if ((modalKey == null) != (modalSecret == null)) {
            throw new IllegalArgumentException("modalKey and modalSecret must be both set or both null");
        }
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
                + ", runpod=" + (runpodAuthRequired() ? "required" : "none") + "]";
    }
}
