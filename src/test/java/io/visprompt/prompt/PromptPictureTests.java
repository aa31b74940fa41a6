package io.visprompt.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

class PromptPictureTests {

    @Test
    void pictureHasThePromptsShapeTransparentOutsideTheMaskAndRecoverableValues() throws Exception {
        int h = 6;
        int w = 5;
        float[] values = new float[3 * h * w];
        float[] mask = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < w; x++) {
                int i = c * h * w + x; // the top row is learnable
                mask[i] = 1;
                values[i] = (x - 2) * 0.5f * (c + 1);
            }
        }
        LearnedPrompt prompt = new LearnedPrompt(null, null, null, "m", "padding", 1, "normalized", h, w, values,
                mask, List.of("a", "b"), null, null, null, null, null, null);

        PromptPicture.Rendered rendered = PromptPicture.render(prompt);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(rendered.png()));

        assertThat(image.getWidth()).isEqualTo(w);
        assertThat(image.getHeight()).isEqualTo(h);
        assertThat(rendered.scale()).isEqualTo(3.0f);
        assertThat(image.getRGB(2, 3) >>> 24).as("alpha inside the mask-free centre").isZero();
        int argb = image.getRGB(4, 0);
        assertThat(argb >>> 24).isEqualTo(255);
        float recoveredBlue = ((argb & 0xff) - 127.5f) / 127.5f * rendered.scale();
        assertThat(recoveredBlue).isCloseTo(values[2 * h * w + 4], org.assertj.core.data.Offset.offset(rendered.scale() / 255));
    }
}
