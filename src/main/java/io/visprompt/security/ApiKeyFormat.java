package io.visprompt.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key format {@code vp_<prefix>_<secret>}. The prefix (4 to 32 letters and digits) names the key and may be
 * shown, logged and stored; the secret (32 to 256 characters of {@code A-Z a-z 0-9 _ -}) is shown once and stored
 * only as its SHA-256. Generated keys have a 12-character hex prefix and a 256-bit secret.
 */
final class ApiKeyFormat {

    private static final Pattern KEY = Pattern.compile("vp_([A-Za-z0-9]{4,32})_([A-Za-z0-9_-]{32,256})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeyFormat() {
    }

    record Parsed(String prefix, String secret) {

        @Override
        public String toString() {
            return "vp_" + prefix + "_***";
        }
    }

    static Optional<Parsed> parse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(key);
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    /** The prefix of something shaped like a key, for the audit trail; empty when it has no such shape. */
    static Optional<String> prefixOf(String key) {
        if (key == null || !key.startsWith("vp_")) {
            return Optional.empty();
        }
        int end = key.indexOf('_', 3);
        String prefix = end < 0 ? "" : key.substring(3, end);
        return prefix.matches("[A-Za-z0-9]{4,32}") ? Optional.of(prefix) : Optional.empty();
    }

    static Parsed generate() {
        byte[] prefix = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(prefix);
        RANDOM.nextBytes(secret);
        return new Parsed(HexFormat.of().formatHex(prefix), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    static String format(Parsed key) {
        return "vp_" + key.prefix() + "_" + key.secret();
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of the secret's hash with the stored one. */
    static boolean matches(String secret, byte[] storedSha256) {
        return MessageDigest.isEqual(sha256(secret), storedSha256);
    }
}
