package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.BadSqlGrammarException;

/** What users are told about a failed job: a stable code and a message without SQL, paths or class names. */
class JobFailureTests {

    @Test
    void theEnginesChecksKeepTheirMessageWithoutServerPaths() {
        JobFailure failure = JobFailure.of(new IllegalArgumentException(
                "Not a readable image: /srv/visprompt/datasets/2b1c0e/train/3/17.png (dataset 2b1c0e)"));

        assertThat(failure.code()).isEqualTo("invalid_training_input");
        assertThat(failure.message()).isEqualTo("Not a readable image: 17.png (dataset 2b1c0e)");
    }

    @Test
    void messagesWithoutPathsAreKeptAsTheyAre() {
        assertThat(JobFailure.of(new IllegalArgumentException("The model has 10 source classes but the task has 12"))
                .message()).isEqualTo("The model has 10 source classes but the task has 12");
        assertThat(JobFailure.safe("momentum must be in [0,1), got 1.5")).isEqualTo("momentum must be in [0,1), got 1.5");
    }

    @Test
    void internalErrorsGetAFixedMessage() {
        JobFailure failure = JobFailure.of(new BadSqlGrammarException("insert",
                "INSERT INTO prompts (id) VALUES (?)", new java.sql.SQLException("syntax error at /tmp/x/y")));

        assertThat(failure.code()).isEqualTo("training_error");
        assertThat(failure.message()).doesNotContain("INSERT", "/tmp", "Exception");
    }

    @Test
    void aMissingDatasetFileHasItsOwnCode() {
        JobFailure failure = JobFailure.of(new UncheckedIOException("Cannot read image /data/ds/1.png",
                new NoSuchFileException("/data/ds/1.png")));

        assertThat(failure.code()).isEqualTo("dataset_file_missing");
        assertThat(failure.message()).doesNotContain("/data");
    }

    @Test
    void rejectionsWrittenForUsersPassThrough() {
        assertThat(JobFailure.of(new JobFailure.Rejected("dataset_not_found", "The job's dataset no longer exists")))
                .isEqualTo(new JobFailure("dataset_not_found", "The job's dataset no longer exists"));
    }
}
