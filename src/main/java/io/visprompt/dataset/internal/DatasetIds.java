package io.visprompt.dataset.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. PostgreSQL compares uuids byte by byte, so ids
 * sort by creation time and list cursors need no second column.
 */
public final class DatasetIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private DatasetIds() {
    }

    public static UUID next(Clock clock) {
        long millis = clock.millis();
        long high = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0FFFL);
        long low = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
