package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.dataset.internal.TestArchives;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * Every cursor-paged list answers by one rule ({@link io.visprompt.config.CursorPage}): limit 1 to 100, default 20,
 * a mangled limit or cursor a 400 invalid_field naming it, pages of the same shape. Runs in the dataset tests'
 * context (the lists of the other modules are all there) rather than starting one more application.
 */
class ListPagingTests extends DatasetHttpTest {

    @ParameterizedTest
    @ValueSource(strings = {"/v1/datasets", "/v1/training-jobs", "/v1/prompts", "/v1/audit-events", "/v1/api-keys",
            "/v1/datasets/{dataset}/rejected-files"})
    void everyListFollowsTheOneRule(String list) {
        String path = list.replace("{dataset}", dataset().toString());

        ResponseEntity<JsonNode> largest = get(path + "?limit=100");
        assertThat(largest.getStatusCode()).as(path).isEqualTo(HttpStatus.OK);
        assertThat(largest.getBody().get("object").asString()).isEqualTo("list");
        assertThat(largest.getBody().has("has_more")).as(path).isTrue();
        assertThat(largest.getBody().get("data").isArray()).isTrue();
        for (String limit : List.of("0", "101", "abc")) {
            ResponseEntity<JsonNode> refused = get(path + "?limit=" + limit);
            assertProblem(refused, HttpStatus.BAD_REQUEST, "invalid_field");
            assertThat(refused.getBody().at("/errors/0/field").asString()).as(path + " limit=" + limit).isEqualTo("limit");
        }
        ResponseEntity<JsonNode> badCursor = get(path + "?after=not-a-cursor");
        assertProblem(badCursor, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(badCursor.getBody().at("/errors/0/field").asString()).as(path).isEqualTo("after");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/datasets", "/v1/api-keys"})
    void aPageHoldsTwentyByDefaultAndNamesItsLastItemAsTheCursor(String list) {
        while (get(list + "?limit=100").getBody().get("data").size() < 21) {
            if (list.equals("/v1/datasets")) {
                dataset();
            } else {
                http.post().uri(list).contentType(MediaType.APPLICATION_JSON)
                        .body(Map.of("name", "paging", "scopes", List.of("datasets:read"))).retrieve().toBodilessEntity();
            }
        }
        JsonNode all = get(list + "?limit=21").getBody().get("data");

        JsonNode first = get(list).getBody();
        JsonNode second = get(list + "?limit=1&after=" + first.get("last_id").asString()).getBody();

        assertThat(first.get("data")).as(list).hasSize(20);
        assertThat(first.get("has_more").asBoolean()).isTrue();
        JsonNode lastShown = first.get("data").get(19);
        assertThat(first.get("last_id").asString())
                .isEqualTo((lastShown.has("id") ? lastShown.get("id") : lastShown.get("prefix")).asString());
        assertThat(second.get("data")).hasSize(1);
        assertThat(second.at("/data/0")).isEqualTo(all.get(20));
    }

    private UUID dataset() {
        TestArchives archive = TestArchives.zip();
        imageFolder(1, "cats", "dogs").forEach(archive::file);
        archive.file("cats/readme.txt", new byte[] {1});
        return uploaded(archive.bytes());
    }
}
