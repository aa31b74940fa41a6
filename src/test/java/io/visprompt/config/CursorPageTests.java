package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorPageTests {

    @Test
    void readsTheDefaultAndTheLargestLimit() {
        assertThat(CursorPage.Request.of(null, null, CursorPage::uuidCursor)).isEqualTo(new CursorPage.Request<>(20, null));
        assertThat(CursorPage.Request.of(" ", "", CursorPage::uuidCursor).limit()).isEqualTo(20);
        assertThat(CursorPage.Request.of("100", null, CursorPage::uuidCursor).limit()).isEqualTo(100);
        assertThat(CursorPage.Request.of(" 7 ", null, CursorPage::uuidCursor).fetchSize()).isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "101", "1.5", "abc", "99999999999"})
    void refusesALimitOutsideOneToAHundred(String limit) {
        ApiProblem refused = catchThrowableOfType(ApiProblem.class,
                () -> CursorPage.Request.of(limit, null, CursorPage::uuidCursor));

        assertThat(refused.code()).isEqualTo("invalid_field");
        assertThat(refused.properties().get("errors")).isEqualTo(List.of(Map.of("field", "limit",
                "message", "must be a whole number from 1 to 100")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "1-2-3-4-5", "12", "-3"})
    void refusesACursorThatNamesNothingTheListCouldHold(String after) {
        for (ApiProblem refused : List.of(
                catchThrowableOfType(ApiProblem.class, () -> CursorPage.Request.of("5", after, CursorPage::uuidCursor)),
                catchThrowableOfType(ApiProblem.class, () -> CursorPage.Request.of("5", after + "z",
                        CursorPage::numberCursor)))) {
            assertThat(refused.code()).isEqualTo("invalid_field");
            assertThat(refused.getMessage()).startsWith("after: ");
        }
        if (after.equals("12")) {
            assertThat(CursorPage.Request.of("5", after, CursorPage::numberCursor).after()).isEqualTo(12L);
        }
    }

    @Test
    void cutsTheExtraRowAndNamesTheLastShownAsTheNextCursor() {
        UUID id = UUID.randomUUID();
        CursorPage.Request<UUID> request = CursorPage.Request.of("3", id.toString().toUpperCase(), CursorPage::uuidCursor);
        assertThat(request.after()).isEqualTo(id);

        CursorPage<Integer> full = request.page(IntStream.range(10, 14).boxed().toList(), i -> "row" + i);
        CursorPage<Integer> last = request.page(List.of(20, 21), i -> "row" + i);
        CursorPage<Integer> empty = request.page(List.of(), i -> "row" + i);

        assertThat(full).isEqualTo(new CursorPage<>("list", List.of(10, 11, 12), true, "row12"));
        assertThat(last).isEqualTo(new CursorPage<>("list", List.of(20, 21), false, "row21"));
        assertThat(empty).isEqualTo(new CursorPage<>("list", List.of(), false, null));
        assertThat(full.map(i -> i * 2)).isEqualTo(new CursorPage<>("list", List.of(20, 22, 24), true, "row12"));
    }
}
