package org.earshot.sensor;

import java.nio.file.Path;

import io.vertx.core.net.PfxOptions;

/** A PKCS#12 trust store for a TLS connection to the service, e.g. for a self-signed certificate. */
public record TrustStore(Path path, String password) {
    /** The store as Vert.x trust options, for every TLS client of the sensor side. */
    public PfxOptions options() {
        return new PfxOptions().setPath(path.toString()).setPassword(password);
    }

    @Override
    public String toString() {
        return "TrustStore[" + path + "]";
    }
}
