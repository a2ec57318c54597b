package org.earshot.sensor;

import java.nio.file.Path;

/** A PKCS#12 trust store for a TLS connection to the service, e.g. for a self-signed certificate. */
public record TrustStore(Path path, String password) {
    @Override
    public String toString() {
        return "TrustStore[" + path + "]";
    }
}
