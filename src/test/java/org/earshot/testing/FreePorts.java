package org.earshot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free TCP ports on loopback, for servers a test starts itself. A port is free when asked: another process may take it
 * before the server binds it, so a server start should retry on a new port when the bind fails ({@link MosquittoBroker}
 * does). Within one JVM a port is never handed out twice, so two servers of one test never get the same one.
 */
public final class FreePorts {
    /** 127.0.0.1 itself, not whatever "localhost" resolves to (which may be ::1). */
    public static final InetAddress LOOPBACK = ipv4Loopback();

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int ATTEMPTS = 50;

    private FreePorts() {
    }

    /** A TCP port on 127.0.0.1 that nothing listens on now, chosen by the kernel (bind to port 0). */
    public static int loopback() {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port;
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(LOOPBACK, 0));
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a TCP socket on 127.0.0.1", e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("the kernel kept returning ports already handed out in this JVM");
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
