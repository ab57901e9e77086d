package io.beacon.kafka;

/**
 * A fixed port the embedded broker was told to use is already taken. Thrown before Kafka is started,
 * so nothing needs cleaning up; {@link #setting()} names the setting the user should change.
 */
public final class PortInUseException extends BrokerStartException {

    private static final long serialVersionUID = 1L;

    private final String host;
    private final int port;
    private final String setting;

    public PortInUseException(String host, int port, String setting, Throwable cause) {
        super("port " + port + " on " + host + " is already in use (setting: " + setting
                + "); stop what holds it or choose another port", cause);
        this.host = host;
        this.port = port;
        this.setting = setting;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String setting() {
        return setting;
    }
}
