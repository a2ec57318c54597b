package org.earshot.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import io.vertx.core.net.PfxOptions;

/** A PKCS#12 key store for a TLS listener (MQTT or HTTP). The password is never printed. */
public record Tls(Path keystore, String password) {
    public Tls {
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(password, "password");
        if (!Files.isRegularFile(keystore)) {
            throw new IllegalArgumentException("TLS key store " + keystore + " does not exist");
        }
    }

    public PfxOptions pfx() {
        return new PfxOptions().setPath(keystore.toString()).setPassword(password);
    }

    @Override
    public String toString() {
        return "Tls[keystore=" + keystore + "]";
    }
}
