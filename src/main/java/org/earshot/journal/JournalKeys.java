package org.earshot.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.earshot.config.PrivateFiles;

/**
 * The Ed25519 key pair that signs the journal's checkpoints (the JDK's own Ed25519, no extra library). The private
 * key is a PEM PKCS#8 file readable only by its owner, created on first start; the public key is written beside it
 * as {@code <name>.pub} (PEM, X.509 SubjectPublicKeyInfo, what {@code openssl pkey -pubout} prints), for operators to
 * publish and auditors to pin. The key id is the first 8 bytes of the SHA-256 of the public key's encoding, in hex.
 * When the signing key is replaced (lost, compromised, rotated), the public keys of the keys before it go in the
 * {@code retired/} folder beside it ({@code *.pub}): the journal keeps accepting the checkpoints they signed, and
 * continues under the new key.
 */
public record JournalKeys(PrivateKey privateKey, PublicKey publicKey, List<PublicKey> retired) {
    public static final String RETIRED_DIR = "retired";

    public JournalKeys {
        retired = List.copyOf(retired);
    }

    /** A key pair with no retired keys. */
    public JournalKeys(PrivateKey privateKey, PublicKey publicKey) {
        this(privateKey, publicKey, List.of());
    }

    /** The current public key or a retired one with this key id, or null. */
    public PublicKey verifierFor(String keyId) {
        if (keyId(publicKey).equals(keyId)) {
            return publicKey;
        }
        for (PublicKey k : retired) {
            if (keyId(k).equals(keyId)) {
                return k;
            }
        }
        return null;
    }
    private static final String PRIVATE_PEM = "PRIVATE KEY";
    private static final String PUBLIC_PEM = "PUBLIC KEY";

    /** Loads the key pair from {@code privateKeyFile}, or creates both files when it does not exist yet. */
    public static JournalKeys loadOrCreate(Path privateKeyFile) throws IOException {
        Path publicFile = publicKeyFile(privateKeyFile);
        List<PublicKey> retired = readRetired(privateKeyFile.resolveSibling(RETIRED_DIR));
        if (Files.exists(privateKeyFile)) {
            PrivateKey priv = readPrivate(privateKeyFile);
            PublicKey pub = readPublic(publicFile);
            return new JournalKeys(priv, pub, retired);
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no Ed25519", e);
        }
        Path tmp = PrivateFiles.writeTemporary(privateKeyFile, pem(PRIVATE_PEM, pair.getPrivate().getEncoded()));
        Files.writeString(publicFile, pem(PUBLIC_PEM, pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, privateKeyFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, privateKeyFile);
        }
        return new JournalKeys(pair.getPrivate(), pair.getPublic(), retired);
    }

    private static List<PublicKey> readRetired(Path dir) throws IOException {
        List<PublicKey> keys = new java.util.ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return keys;
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pub")).sorted().toList()) {
                keys.add(readPublic(f));
            }
        }
        return keys;
    }

    /** Where the public key of {@code privateKeyFile} is written: the same name with {@code .pub} appended. */
    public static Path publicKeyFile(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
    }

    /** Reads a PEM public key file ({@code -----BEGIN PUBLIC KEY-----}); the message names the file. */
    public static PublicKey readPublic(Path file) throws IOException {
        byte[] der = readPem(file, PUBLIC_PEM);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    static PrivateKey readPrivate(Path file) throws IOException {
        byte[] der = readPem(file, PRIVATE_PEM);
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an Ed25519 private key");
        }
    }

    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] readPem(Path file, String type) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such key file");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        if (!text.startsWith(begin) || !text.endsWith(end)) {
            throw new IOException(file + ": expected a PEM file starting with " + begin);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(begin.length(), text.length() - end.length()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the PEM body is not base64");
        }
    }
}
