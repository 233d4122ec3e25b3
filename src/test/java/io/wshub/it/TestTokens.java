package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

/**
 * Real JWTs for the tests: an RSA key generated per run, its public key written as PEM for
 * {@code mp.jwt.verify.publickey.location}, tokens signed with RS256 by hand (so that broken ones are easy to make).
 */
final class TestTokens {

    static final String ISSUER = "https://issuer.wshub.test";
    static final String AUDIENCE = "wshub";

    private final KeyPair keys;
    private final Path publicKeyFile;
    private final boolean ec;

    /** RSA keys, RS256 tokens. */
    TestTokens(Path directory) {
        this(directory, false);
    }

    /** With {@code ec}: a P-256 key and ES256 tokens. */
    TestTokens(Path directory, boolean ec) {
        this.ec = ec;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
            generator.initialize(ec ? 256 : 2048);
            keys = generator.generateKeyPair();
            Files.createDirectories(directory);
            publicKeyFile = directory.resolve("jwt-public.pem").toAbsolutePath();
            Files.writeString(publicKeyFile, "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(keys.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** MicroProfile Config lines that make the hub trust this key, issuer and audience. */
    String mpJwtConfig() {
        return "mp.jwt.verify.publickey.location=" + publicKeyFile.toUri() + "\n"
                + (ec ? "mp.jwt.verify.publickey.algorithm=ES256\n" : "")
                + "mp.jwt.verify.issuer=" + ISSUER + "\n"
                + "mp.jwt.verify.audiences=" + AUDIENCE + "\n";
    }

    /** Claims of a valid token for {@code subject}, to adjust before signing. */
    static JsonObjectBuilder claims(String subject) {
        long now = System.currentTimeMillis() / 1000;
        return Json.object().add("iss", ISSUER).add("sub", subject).add("upn", subject).add("aud", AUDIENCE)
                .add("iat", now).add("exp", now + 600).add("jti", Long.toHexString(System.nanoTime()));
    }

    String valid(String subject) {
        return rs256(claims(subject).build());
    }

    /** A valid token for {@code subject} whose MP-JWT {@code groups} are {@code groups}. */
    String inGroups(String subject, String... groups) {
        var array = Json.PROVIDER.createArrayBuilder();
        for (String group : groups) {
            array.add(group);
        }
        return rs256(claims(subject).add("groups", array).build());
    }

    /** Signs the claims with this instance's key: RS256, or ES256 for an EC instance. */
    String rs256(JsonObject claims) {
        String signingInput = encode(header(ec ? "ES256" : "RS256")) + "." + encode(claims.toString());
        try {
            Signature signature = Signature.getInstance(ec ? "SHA256withECDSA" : "SHA256withRSA");
            signature.initSign(keys.getPrivate());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            byte[] signed = ec ? joseFromDer(signature.sign()) : signature.sign();
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signed);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** JWS wants ECDSA signatures as R and S, 32 bytes each; Java produces DER SEQUENCE { INTEGER r, INTEGER s }. */
    private static byte[] joseFromDer(byte[] der) {
        int offset = der[1] == (byte) 0x81 ? 3 : 2;
        byte[] jose = new byte[64];
        for (int part = 0; part < 2; part++) {
            int length = der[offset + 1];
            int start = offset + 2;
            int copy = Math.min(length, 32);
            System.arraycopy(der, start + length - copy, jose, part * 32 + 32 - copy, copy);
            offset = start + length;
        }
        return jose;
    }

    /** {@code alg: none}, no signature. */
    String unsigned(String subject) {
        return encode(header("none")) + "." + encode(claims(subject).build().toString()) + ".";
    }

    /** Key confusion: HS256 with the RSA public key's PEM as the HMAC secret. */
    String hs256WithPublicKey(String subject) {
        String signingInput = encode(header("HS256")) + "." + encode(claims(subject).build().toString());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Files.readAllBytes(publicKeyFile), "HmacSHA256"));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid token whose payload was changed after signing. */
    String tampered(String subject) {
        String[] parts = valid(subject).split("\\.");
        return parts[0] + "." + encode(claims("admin").build().toString()) + "." + parts[2];
    }

    private static String header(String algorithm) {
        return Json.object().add("alg", algorithm).add("typ", "JWT").build().toString();
    }

    private static String encode(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

}
