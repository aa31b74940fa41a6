package io.visprompt.config;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list, as every list endpoint of the API answers it: {@code object} is {@code "list"}, {@code data}
 * the items, {@code has_more} whether another page follows and {@code last_id} the cursor to pass as {@code after}
 * for it (absent on an empty page).
 *
 * <p>The one paging rule, read by {@link Request#of}: {@code limit} is 1 to {@value Request#MAX_LIMIT}, default
 * {@value Request#DEFAULT_LIMIT} (the rule most lists had before it was shared); {@code after} is the previous
 * page's {@code last_id}, an opaque value to pass back unchanged. A limit or cursor that cannot be read is a 400
 * {@code invalid_field} naming {@code limit} or {@code after}. Each list fetches {@link Request#fetchSize()} rows (one
 * more than the limit, which tells whether a next page exists) strictly after the cursor, and {@link Request#page}
 * cuts them to the page.
 */
public record CursorPage<T>(String object, List<T> data, boolean hasMore, String lastId) {

    /**
     * @param limit the page size asked for
     * @param after the decoded cursor, null for the first page
     */
    public record Request<C>(int limit, C after) {

        public static final int DEFAULT_LIMIT = 20;
        public static final int MAX_LIMIT = 100;

        /**
         * @param limit  the {@code limit} query parameter, null or blank for the default
         * @param after  the {@code after} query parameter, null or blank for the first page
         * @param cursor decodes a non-blank {@code after}; throws {@link IllegalArgumentException} when it names
         *               nothing this list could hold (a cursor of another list, a mangled value)
         */
        public static <C> Request<C> of(String limit, String after, Function<String, C> cursor) {
            int size = DEFAULT_LIMIT;
            if (limit != null && !limit.isBlank()) {
                try {
                    size = Integer.parseInt(limit.strip());
                } catch (NumberFormatException e) {
                    size = -1;
                }
                if (size < 1 || size > MAX_LIMIT) {
                    throw ApiProblem.invalidField("limit", "must be a whole number from 1 to " + MAX_LIMIT);
                }
            }
            C decoded = null;
            if (after != null && !after.isBlank()) {
                try {
                    decoded = cursor.apply(after.strip());
                } catch (IllegalArgumentException e) {
                    decoded = null;
                }
                if (decoded == null) {
                    throw ApiProblem.invalidField("after", "must be the last_id of a previous page of this list");
                }
            }
            return new Request<>(size, decoded);
        }

        /** Rows to fetch: one more than the limit, so that the extra row tells whether a next page exists. */
        public int fetchSize() {
            return limit + 1;
        }

        /**
         * @param fetched  at most {@link #fetchSize()} rows, in the list's order, strictly after the cursor
         * @param cursorOf the cursor of a row: what the next request passes as {@code after}
         */
        public <R> CursorPage<R> page(List<R> fetched, Function<R, ?> cursorOf) {
            boolean more = fetched.size() > limit;
            List<R> data = more ? List.copyOf(fetched.subList(0, limit)) : List.copyOf(fetched);
            return new CursorPage<>("list", data, more,
                    data.isEmpty() ? null : String.valueOf(cursorOf.apply(data.get(data.size() - 1))));
        }
    }

    /** The same page with each item converted; the cursor stays. */
    public <R> CursorPage<R> map(Function<T, R> convert) {
        return new CursorPage<>(object, data.stream().map(convert).toList(), hasMore, lastId);
    }

    /** Decodes a cursor that is a UUID in its canonical form (UUID.fromString also accepts shortened forms). */
    public static java.util.UUID uuidCursor(String value) {
        java.util.UUID id = java.util.UUID.fromString(value);
        if (!id.toString().equalsIgnoreCase(value)) {
            throw new IllegalArgumentException("not a canonical UUID: " + value);
        }
        return id;
    }

    /** Decodes a cursor that is a non-negative row number. */
    public static long numberCursor(String value) {
        long number = Long.parseLong(value);
        if (number < 0) {
            throw new IllegalArgumentException("negative cursor: " + value);
        }
        return number;
    }
}
