package io.visprompt.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class NpyArrayTests {

    @Test
    void writtenArrayReadsBackBitIdentical() throws Exception {
        float[] values = {0f, -0f, 1.5f, Float.MIN_VALUE, -3.25e-7f, 1e30f};
        byte[] bytes = new NpyArray(new int[] {1, 2, 3}, values).write();

        NpyArray read = NpyArray.read(new ByteArrayInputStream(bytes), "values");

        assertThat(read.shape()).containsExactly(1, 2, 3);
        for (int i = 0; i < values.length; i++) {
            assertThat(Float.floatToRawIntBits(read.values()[i])).isEqualTo(Float.floatToRawIntBits(values[i]));
        }
    }

    @Test
    void headerFollowsNumpyFormatVersionOne() {
        byte[] bytes = new NpyArray(new int[] {3, 4, 4}, new float[48]).write();
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);

        assertThat(bytes[0] & 0xff).isEqualTo(0x93);
        assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        assertThat((10 + headerLength) % 64).isZero();
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 4), }").endsWith("\n");
        assertThat(bytes).hasSize(10 + headerLength + 48 * 4);
    }

    @Test
    void refusesOtherDtypesAndTruncatedData() {
        byte[] doubles = new NpyArray(new int[] {2}, new float[2]).write();
        String text = new String(doubles, StandardCharsets.ISO_8859_1).replace("<f4", "<f8");
        assertThatThrownBy(() -> NpyArray.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), "values"))
                .isInstanceOf(InvalidNpyException.class).hasMessageContaining("float32");

        byte[] good = new NpyArray(new int[] {4}, new float[4]).write();
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> NpyArray.read(new ByteArrayInputStream(truncated), "values"))
                .isInstanceOf(InvalidNpyException.class).hasMessageContaining("shorter");

        assertThatThrownBy(() -> NpyArray.read(new ByteArrayInputStream("not numpy".getBytes()), "values"))
                .isInstanceOf(InvalidNpyException.class).hasMessageContaining("not a NumPy");
    }
}
