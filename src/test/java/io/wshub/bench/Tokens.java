package io.wshub.bench;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

/** JWTs for the benchmark: HS256 for GoHub's room members, RS256 for wshub's admin API (a key made per run). */
final class Tokens {

    static final String WSHUB_ISSUER = "wshub-bench";

    private final KeyPair keys;
    private final Path publicKeyFile;

    /** A fresh RSA key; its public half is written to {@code directory/jwt-public.pem}. */
    Tokens(Path directory) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        Files.createDirectories(directory);
        publicKeyFile = directory.resolve("jwt-public.pem").toAbsolutePath();
        Files.writeString(publicKeyFile, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
    }

    Path publicKeyFile() {
        return publicKeyFile;
    }

    /** An RS256 token of user {@code bench-admin} in group {@code wshub-admin}, valid for a day. */
    String admin() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String claims = "{\"iss\":\"" + WSHUB_ISSUER + "\",\"sub\":\"bench-admin\",\"upn\":\"bench-admin\","
                + "\"groups\":[\"wshub-admin\"],\"iat\":" + now + ",\"exp\":" + (now + 86400) + ",\"jti\":\""
                + Long.toHexString(System.nanoTime()) + "\"}";
        String input = encode("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + encode(claims);
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(keys.getPrivate());
        signature.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature.sign());
    }

    /** A GoHub token (HS256) for {@code userId} that may join rooms and send messages, valid for a day. */
    static String gohubMember(String secret, String issuer, String userId) {
        long now = System.currentTimeMillis() / 1000;
        String claims = "{\"user_id\":\"" + userId + "\",\"username\":\"" + userId + "\",\"permissions\":"
                + "[\"join:room\",\"send:message\"],\"iss\":\"" + issuer + "\",\"sub\":\"" + userId + "\",\"iat\":"
                + now + ",\"nbf\":" + (now - 60) + ",\"exp\":" + (now + 86400) + "}";
        String input = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + encode(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
