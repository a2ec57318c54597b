package org.earshot.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A hand-encoded MQTT 3.1.1 client that knows CONNECT, SUBSCRIBE and PUBLISH (QoS 0 and 1), just enough to check a broker
 * without depending on the client library under test. Reads time out after 5 s (SO_TIMEOUT).
 */
final class RawMqtt implements AutoCloseable {
    static final int CONNACK = 0x20;
    static final int SUBACK = 0x90;
    static final int PUBLISH = 0x30;
    static final int PUBACK = 0x40;
    static final int ACCEPTED = 0;
    static final int NOT_AUTHORISED = 5;
    static final int SUBSCRIPTION_FAILED = 0x80;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawMqtt(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(5000);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawMqtt open(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        return new RawMqtt(socket);
    }

    /** Over TLS, verifying the certificate chain and that it names {@code host} (HTTPS-style identification). */
    static RawMqtt openTls(SSLContext context, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(5000);
        socket.startHandshake();
        return new RawMqtt(socket);
    }

    /** Sends CONNECT (clean session, keep-alive 60 s; user and password when not null); returns CONNACK's code. */
    int connect(String clientId, String user, String password) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(4); // protocol level 3.1.1
        int flags = 0x02; // clean session
        if (user != null) {
            flags |= 0x80;
        }
        if (password != null) {
            flags |= 0x40;
        }
        body.write(flags);
        body.write(0);
        body.write(60);
        writeString(body, clientId);
        if (user != null) {
            writeString(body, user);
        }
        if (password != null) {
            writeString(body, password);
        }
        send(0x10, body.toByteArray());
        byte[] connack = expect(CONNACK);
        if (connack.length != 2) {
            throw new IOException("CONNACK of " + connack.length + " bytes");
        }
        return connack[1] & 0xFF;
    }

    /** Subscribes to one filter; returns SUBACK's code: the granted QoS, or {@link #SUBSCRIPTION_FAILED}. */
    int subscribe(int packetId, String filter, int qos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        writeString(body, filter);
        body.write(qos);
        send(0x82, body.toByteArray());
        byte[] suback = expect(SUBACK);
        if (suback.length != 3) {
            throw new IOException("SUBACK of " + suback.length + " bytes for one subscription");
        }
        int echoed = ((suback[0] & 0xFF) << 8) | (suback[1] & 0xFF);
        if (echoed != packetId) {
            throw new IOException("SUBACK for packet id " + echoed + ", expected " + packetId);
        }
        return suback[2] & 0xFF;
    }

    /** A received application message. */
    record Message(String topic, String payload) {
    }

    /** Publishes; with QoS 1 (packetId &gt; 0) returns once the broker sent PUBACK. */
    void publish(String topic, String payload, int qos, int packetId) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        send(PUBLISH | (qos << 1), body.toByteArray());
        if (qos == 1) {
            byte[] puback = expect(PUBACK);
            if (puback.length != 2 || (((puback[0] & 0xFF) << 8) | (puback[1] & 0xFF)) != packetId) {
                throw new IOException("unexpected PUBACK for packet id " + packetId);
            }
        }
    }

    /** Waits (up to the read timeout) for the next PUBLISH, which must be QoS 0. */
    Message receive() throws IOException {
        byte[] body = expect(PUBLISH);
        int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
        String payload = new String(body, 2 + topicLength, body.length - 2 - topicLength, StandardCharsets.UTF_8);
        return new Message(topic, payload);
    }

    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.write(body);
        out.write(packet.toByteArray());
        out.flush();
    }

    /** Reads one packet, which must be of {@code type} (upper nibble); returns its variable part. */
    private byte[] expect(int type) throws IOException {
        int header = in.read();
        if (header < 0) {
            throw new EOFException("broker closed the connection instead of sending packet type 0x"
                    + Integer.toHexString(type));
        }
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        if ((header & 0xF0) != type || (type == PUBLISH && (header & 0x06) != 0)) {
            throw new IOException("expected packet type 0x" + Integer.toHexString(type) + ", got 0x"
                    + Integer.toHexString(header));
        }
        return body;
    }

    private static void writeString(ByteArrayOutputStream to, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        to.write(bytes.length >> 8);
        to.write(bytes.length & 0xFF);
        to.writeBytes(bytes);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
