package io.beacon.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Port checks done before Kafka starts, because Kafka's own bind error surfaces late and deep in a stack. */
final class Ports {

    private Ports() {
    }

    /**
     * Fails with a {@link PortInUseException} unless {@code port} can be bound on {@code host} right now.
     * Address reuse is on, as Kafka's own listener has it: a port left in TIME_WAIT by a broker that just
     * stopped is free to use, while a port held by a live listener still fails to bind (on Linux, a second
     * listener needs SO_REUSEPORT, which nobody sets here).
     */
    static void requireAvailable(String host, int port, String setting) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new PortInUseException(host, port, setting, e);
        }
    }

    /**
     * Returns {@code count} distinct ports that were free on {@code host}. All are held open together
     * so they differ from each other; they are released before returning, so the caller should use them
     * at once (another process could take one in between, which the broker would then report).
     */
    static List<Integer> findFree(String host, int count) {
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            InetAddress address = InetAddress.getByName(host);
            List<Integer> ports = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(address, 0));
                ports.add(socket.getLocalPort());
            }
            return List.copyOf(ports);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + host, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Nothing was accepted on it; a failed close only leaks one socket until GC.
                }
            }
        }
    }
}
