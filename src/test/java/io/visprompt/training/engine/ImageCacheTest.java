package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {

    /** The job's worker tells its own data (fail the job) from an outage (requeue it) by this cause. */
    @Test
    void aListedImageThatIsGoneFailsWithNoSuchFileRatherThanAGenericReadError(@TempDir Path directory) {
        Path gone = directory.resolve("train/0/000002.png");
        assertThatThrownBy(() -> ImageCache.decode(List.of(new TrainingExample(gone, 0)), image -> new float[3], 3))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(gone.toString())
                .hasRootCauseInstanceOf(NoSuchFileException.class);
    }
}
