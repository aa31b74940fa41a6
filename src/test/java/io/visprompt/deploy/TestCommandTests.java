package io.visprompt.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's test command is one that passes on a bare machine: {@code src/test/run-all.sh} installs what the
 * browser tests need when it is missing, then runs {@code ./mvnw verify}; CI runs exactly that command.
 */
class TestCommandTests {

    static final String COMMAND = "src/test/run-all.sh";

    @Test
    void theReadmeSetUpShowsTheWalkThroughAndTheTestCommandOnly() {
        String readme = ProjectFiles.read("README.md");
        Matcher section = Pattern.compile("(?s)## Two commands\\n.*?```bash\\n(.*?)```").matcher(readme);
        assertThat(section.find()).as("the set-up section's code block").isTrue();
        List<String> commands = section.group(1).lines().map(l -> l.replaceAll("#.*", "").strip())
                .filter(l -> !l.isEmpty()).toList();
        assertThat(commands).containsExactly("src/demo/walkthrough.sh", COMMAND);
    }

    @Test
    void ciRunsExactlyTheReadmesTestCommand() {
        List<String> lines = ProjectFiles.read(".ci/run").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(lines).last().isEqualTo("exec " + COMMAND);
        assertThat(lines).noneMatch(l -> l.contains("mvnw")).noneMatch(l -> l.contains("apt-get"));
    }

    @Test
    void theTestCommandInstallsChromiumWhenMissingThenRunsTheWholeBuild() {
        assertThat(ProjectFiles.file(COMMAND)).isExecutable();
        String script = ProjectFiles.read(COMMAND);
        assertThat(script).contains("apt-get install -y -q chromium chromium-driver");
        assertThat(script.strip().lines().toList()).last().isEqualTo("exec ./mvnw -B -ntp verify \"$@\"");
    }

    @Test
    void withoutChromiumAndNoWayToInstallItTheTestCommandSaysWhatToInstallAndRunsNothing(@TempDir Path bin)
            throws IOException, InterruptedException {
        // a PATH with neither chromium, chromedriver, apt-get nor sudo: only what the script needs to get there
        for (String tool : List.of("dirname", "id", "env")) {
            Path found = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable)
                    .findFirst().orElseThrow();
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        ProcessBuilder run = new ProcessBuilder("/bin/bash", ProjectFiles.file(COMMAND).toString())
                .directory(bin.toFile()).redirectErrorStream(true);
        run.environment().put("PATH", bin.toString());
        Process process = run.start();
        process.getOutputStream().close();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("sudo apt-get install -y chromium chromium-driver").doesNotContain("mvnw")
                .doesNotContain("Apache Maven");
    }
}
