package org.earshot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestTlsTest {
    @TempDir
    static Path dir;
    static TestTls tls;

    @BeforeAll
    static void create() {
        tls = TestTls.create(dir);
    }

    @Test
    void keystoreLoadsWithItsPasswordAndNamesLocalhostAnd127001() throws Exception {
        KeyStore keys = load(tls.keystore(), tls.keystorePassword());
        assertEquals(List.of(TestTls.ALIAS), Collections.list(keys.aliases()));
        assertTrue(keys.isKeyEntry(TestTls.ALIAS));
        X509Certificate certificate = (X509Certificate) keys.getCertificate(TestTls.ALIAS);
        assertTrue(certificate.getSubjectAlternativeNames().contains(List.of(7, "127.0.0.1")),
                "SANs: " + certificate.getSubjectAlternativeNames());
        assertTrue(certificate.getSubjectAlternativeNames().contains(List.of(2, "localhost")),
                "SANs: " + certificate.getSubjectAlternativeNames());
        certificate.checkValidity();
        assertEquals(certificate, tls.certificate());
        assertThrows(IOException.class, () -> load(tls.keystore(), tls.keystorePassword() + "x"));
    }

    @Test
    void truststoreHoldsOnlyTheCertificate() throws Exception {
        KeyStore trust = load(tls.truststore(), tls.truststorePassword());
        assertEquals(1, trust.size());
        String alias = Collections.list(trust.aliases()).get(0);
        assertTrue(trust.isCertificateEntry(alias));
        assertEquals(tls.certificate(), trust.getCertificate(alias));
        assertNotEquals(tls.keystorePassword(), tls.truststorePassword());
    }

    @Test
    void pemFilesHoldTheCertificateAndItsKey() throws Exception {
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(tls.certPem())) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertEquals(tls.certificate(), certificate);

        String pem = Files.readString(tls.keyPem(), StandardCharsets.US_ASCII);
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem.lines().findFirst().orElse(""));
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        byte[] data = "earshot".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        assertTrue(verifier.verify(signature), "the key PEM belongs to the certificate");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(tls.keyPem()));
    }

    @Test
    void clientAndServerContextsCompleteAHandshakeWithHostnameVerification() throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) tls.serverContext().getServerSocketFactory()
                .createServerSocket(0, 1, FreePorts.LOOPBACK)) {
            CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    int b = accepted.getInputStream().read();
                    accepted.getOutputStream().write(b + 1);
                    return b;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (TlsProbe probe = new TlsProbe(server.getLocalPort())) {
                assertEquals(42, probe.roundTrip(41));
            }
            assertEquals(41, served.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void everyCallMakesNewPasswords(@TempDir Path other) {
        TestTls second = TestTls.create(other);
        assertNotEquals(tls.keystorePassword(), second.keystorePassword());
        assertNotEquals(tls.certificate(), second.certificate());
    }

    /** A TLS client to "127.0.0.1" that checks the server certificate names that IP address. */
    private static final class TlsProbe implements AutoCloseable {
        private final SSLSocket socket;

        TlsProbe(int port) throws IOException {
            socket = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
            var parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
        }

        int roundTrip(int b) throws IOException {
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
            return socket.getInputStream().read();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }
}
