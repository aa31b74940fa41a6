package io.visprompt.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * The web console in a real browser (Debian's headless Chromium driven by Selenium) against the running service:
 * a person uploads a dataset, trains a prompt from the form, watches the curves grow, opens the prompt and
 * classifies an image. Screenshots of each page go to target/screenshots/. Without Chromium this fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestPropertySource(properties = "visprompt.training.workers=true")
class ConsoleBrowserTests extends PostgresIntegrationTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/data/fashion-border.zip");
    static final Path SCREENSHOTS = Path.of("target/screenshots");
    static final int EPOCHS = 6;
    static final String TOO_WIDE = """
            const clipped = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
              if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
            return [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !clipped(e)).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""";
    static final Pattern JOB_HASH = Pattern.compile("#/jobs/([0-9a-f-]{36})$");

    ChromeDriverService service;
    WebDriver driver;
    Path profile;
    String jobId;
    String promptId;

    @BeforeAll
    void startBrowser() throws IOException {
        assertThat(CHROMIUM).as("headless Chromium is required: apt-get install -y chromium chromium-driver").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver is required: apt-get install -y chromium chromium-driver").isExecutable();
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory("console-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1280,1800", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // the driver's path is given, so Selenium Manager is never asked to find (or download) one
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            org.springframework.util.FileSystemUtils.deleteRecursively(profile);
        }
    }

    @AfterEach
    void browserErrors(TestInfo test) {
        if (driver == null) {
            return;
        }
        List<String> severe = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(entry.getMessage());
            }
        }
        assertThat(severe).as("JavaScript errors in " + test.getDisplayName()).isEmpty();
    }

    @Test
    @Order(1)
    void uploadsADatasetWithAProgressBarAndShowsItsClassesAndSplits() {
        open("#/datasets");
        WebElement file = waitFor(By.id("upload-file"));
        file.sendKeys(FIXTURE.toAbsolutePath().toString());
        driver.findElement(By.id("upload-name")).sendKeys("fashion-border");
        driver.findElement(By.id("upload-submit")).click();

        WebElement done = waitFor(By.cssSelector("#upload-result .notice.success"), Duration.ofSeconds(60));
        assertThat(done.getText()).contains("fashion-border").contains("10 classes");
        assertThat(driver.findElement(By.id("upload-progress")).getDomProperty("value")).isEqualTo("100");
        assertThat(driver.findElement(By.id("upload-progress")).getDomAttribute("data-percent")).isEqualTo("100");

        WebElement card = waitFor(By.cssSelector(".card.dataset[data-name='fashion-border']"));
        assertThat(card.findElements(By.cssSelector(".chips li"))).hasSize(10);
        assertThat(card.getText()).contains("bag").contains("ankle boot").containsPattern("\\d+ train, \\d+ val, \\d+ test");
        card.findElement(By.tagName("summary")).click();
        assertThat(card.findElements(By.cssSelector("details tbody tr"))).hasSize(10);
        // three stored images per class, loaded through the API: the 28x28 PNGs of the archive
        new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> ((Number) js(
                "return [...arguments[0].querySelectorAll('img.thumb')].filter(i => i.complete && i.naturalWidth === 28).length",
                card)).intValue() == 30);
        screenshot("datasets");
    }

    @Test
    @Order(2)
    void startsAJobFromTheFormWatchesTheCurvesGrowAndSeesZeroShotVersusPrompted() {
        open("#/jobs");
        WebElement form = waitFor(By.id("job-form"));
        // the paper's defaults are shown; blank means default
        assertThat(form.findElement(By.id("job-hyperparameters-learning-rate")).getDomAttribute("placeholder")).isEqualTo("40");
        assertThat(form.findElement(By.id("job-hyperparameters-momentum")).getDomAttribute("placeholder")).isEqualTo("0.9");
        assertThat(form.findElement(By.id("job-hyperparameters-warmup-steps")).getDomAttribute("placeholder")).isEqualTo("1000");
        assertThat(form.findElement(By.id("job-hyperparameters-epochs")).getDomAttribute("placeholder")).isEqualTo("1000");
        new Select(form.findElement(By.id("job-model"))).selectByValue("fashion-cnn");
        assertThat(form.findElement(By.id("job-hyperparameters-batch-size")).getDomAttribute("placeholder")).isEqualTo("128");
        assertThat(form.findElement(By.id("job-prompt-size")).getDomAttribute("placeholder")).isEqualTo("4");
        assertThat(form.getText()).contains("Default: padding").contains("Default: identity").contains("Default: sgd")
                .contains("256 for CLIP");

        Select dataset = new Select(form.findElement(By.id("job-dataset-id")));
        dataset.getOptions().stream().filter(o -> o.getText().startsWith("fashion-border")).findFirst().orElseThrow().click();
        form.findElement(By.id("job-hyperparameters-epochs")).sendKeys(String.valueOf(EPOCHS));
        form.findElement(By.id("job-hyperparameters-batch-size")).sendKeys("32");
        form.findElement(By.id("job-hyperparameters-warmup-steps")).sendKeys("10");
        form.findElement(By.cssSelector("button[type=submit]")).click();

        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> JOB_HASH.matcher(d.getCurrentUrl()).find());
        Matcher m = JOB_HASH.matcher(driver.getCurrentUrl());
        assertThat(m.find()).isTrue();
        jobId = m.group(1);
        JsonNode created = getJson("/v1/training-jobs/" + jobId).getBody();
        assertThat(created.at("/hyperparameters/epochs").asInt()).isEqualTo(EPOCHS);
        assertThat(created.at("/hyperparameters/batch_size").asInt()).isEqualTo(32);
        assertThat(created.at("/hyperparameters/learning_rate").asDouble()).as("blank = the default").isEqualTo(40.0);

        // the curves gain points while the job runs (read from the Chart.js instance and the canvas' data-points)
        List<Integer> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            List<?> points = (List<?>) js("const c = window.Chart && Chart.getChart('chart-loss');"
                    + "return [c ? c.data.labels.length : -1, Number(document.getElementById('chart-loss').dataset.points)];");
            int n = ((Number) points.get(0)).intValue();
            assertThat(((Number) points.get(1)).intValue()).as("data-points follows the chart").isEqualTo(n);
            if (seen.isEmpty() || seen.get(seen.size() - 1) != n) {
                seen.add(n);
            }
            status = String.valueOf(js("return document.getElementById('main').dataset.status || ''"));
            if (n == EPOCHS && "succeeded".equals(status) && !driver.findElements(By.id("prompted-value")).isEmpty()) {
                break;
            }
            sleep(150);
        }
        assertThat(status).as("job status shown; points seen " + seen).isEqualTo("succeeded");
        assertThat(seen).as("points on the loss curve as seen over time").isSorted().endsWith(EPOCHS);
        assertThat(seen.stream().filter(n -> n > 0 && n < EPOCHS)).as("the curve grew while the job ran: " + seen)
                .isNotEmpty();
        assertThat(((Number) js("return Chart.getChart('chart-accuracy').data.datasets[1].data.length")).intValue())
                .as("validation accuracy curve").isEqualTo(EPOCHS);
        assertThat(((Number) js("return Chart.getChart('chart-lr').data.labels.length")).intValue()).isEqualTo(EPOCHS);

        JsonNode job = getJson("/v1/training-jobs/" + jobId).getBody();
        promptId = job.at("/result/prompt_id").asString();
        assertThat(driver.findElement(By.id("zero-shot-value")).getText())
                .isEqualTo(String.format(java.util.Locale.ROOT, "%.1f%%", 100 * job.at("/result/zero_shot_test_accuracy").asDouble()));
        assertThat(driver.findElement(By.id("prompted-value")).getText())
                .isEqualTo(String.format(java.util.Locale.ROOT, "%.1f%%", 100 * job.at("/result/prompted_test_accuracy").asDouble()));
        assertThat(driver.findElement(By.id("job-progress")).getDomProperty("value")).isEqualTo("100");
        List<String> events = driver.findElements(By.cssSelector("#job-events li")).stream()
                .map(e -> e.getDomAttribute("data-type")).toList();
        assertThat(events).startsWith("created", "claimed").endsWith("succeeded");
        screenshot("job");

        open("#/jobs");
        WebElement row = waitFor(By.cssSelector("tr[data-id='" + jobId + "'][data-status='succeeded']"));
        assertThat(row.getText()).contains("fashion-cnn");
        screenshot("jobs");
    }

    @Test
    @Order(3)
    void showsThePromptAsAPictureAppliedToSamplesWithDownloads() {
        assertThat(promptId).as("set by the training test").isNotBlank();
        open("#/jobs/" + jobId);
        waitFor(By.id("open-prompt")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().endsWith("#/prompts/" + promptId));

        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> Boolean.TRUE.equals(js(
                "const i = document.getElementById('prompt-image'); return i.complete && i.naturalWidth > 0")));
        Map<?, ?> size = (Map<?, ?>) js("const i = document.getElementById('prompt-image');"
                + "return {w: i.naturalWidth, h: i.naturalHeight, src: i.src, rendering: getComputedStyle(i).imageRendering,"
                + " shown: i.getBoundingClientRect().width}");
        assertThat(((Number) size.get("w")).intValue()).isEqualTo(32);
        assertThat(((Number) size.get("h")).intValue()).isEqualTo(32);
        assertThat((String) size.get("src")).startsWith("blob:");
        assertThat((String) size.get("rendering")).isIn("pixelated", "crisp-edges");
        assertThat(((Number) size.get("shown")).doubleValue()).as("scaled up").isGreaterThanOrEqualTo(128);

        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> ((Number) js(
                "return [...document.querySelectorAll('#prompt-examples img')].filter(i => i.complete && i.naturalWidth === 32).length"))
                .intValue() == 4);
        assertThat(driver.findElement(By.id("download-png")).getDomAttribute("download")).isEqualTo("prompt-" + promptId + ".png");
        WebElement npy = driver.findElement(By.id("download-npy"));
        assertThat(npy.isDisplayed()).isTrue();
        // the .npy download: fetched with Accept: application/x-npy through api.js
        Object magic = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/js/api.js').then(api => api.getBlob('v1/prompts/%s/content', 'application/x-npy'))
                  .then(r => r.blob.arrayBuffer()).then(b => done(String.fromCharCode(...new Uint8Array(b).slice(1, 6))))
                  .catch(e => done('error ' + e));""".formatted(promptId));
        assertThat(magic).isEqualTo("NUMPY");
        assertThat(driver.findElement(By.id("prompt-meta")).getText()).contains("fashion-cnn").contains("padding");
        screenshot("prompt");

        open("#/prompts");
        waitFor(By.cssSelector(".prompt-card[data-id='" + promptId + "'] img[src^='blob:']"));
        screenshot("prompts");
    }

    @Test
    @Order(4)
    void classifiesADroppedImageWithAndWithoutThePrompt() throws IOException {
        Map.Entry<String, byte[]> sample = TestImages.testSplit(Files.readAllBytes(FIXTURE)).entrySet().iterator().next();
        Path image = Files.createTempFile("console-sample-", ".png");
        Files.write(image, sample.getValue());

        open("#/classify?prompt=" + promptId);
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d ->
                promptId.equals(new Select(d.findElement(By.id("classify-prompt"))).getFirstSelectedOption().getDomAttribute("value")));
        // choosing the image classifies at once (a prompt is chosen)
        driver.findElement(By.id("classify-file")).sendKeys(image.toAbsolutePath().toString());
        waitFor(By.cssSelector("#prompted-predictions li"), Duration.ofSeconds(30));
        waitFor(By.cssSelector("#unprompted-predictions li"));
        List<WebElement> prompted = driver.findElements(By.cssSelector("#prompted-predictions li"));
        List<WebElement> unprompted = driver.findElements(By.cssSelector("#unprompted-predictions li"));
        assertThat(prompted).hasSize(5);
        assertThat(unprompted).hasSize(5);
        assertThat(prompted.get(0).findElement(By.className("prob")).getText()).matches("\\d+\\.\\d%");

        // the page shows what the API answers for the same image
        assertThat(prompted.get(0).findElement(By.className("label")).getText()).isEqualTo(topLabel(sample.getValue(), true));
        assertThat(unprompted.get(0).findElement(By.className("label")).getText()).isEqualTo(topLabel(sample.getValue(), false));
        screenshot("classify");

        // and the button again, with another k
        WebElement k = driver.findElement(By.id("classify-topk"));
        k.clear();
        k.sendKeys("3");
        driver.findElement(By.id("classify-submit")).click();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                d.findElements(By.cssSelector("#unprompted-predictions li")).size() == 3
                        && d.findElements(By.cssSelector("#prompted-predictions li")).size() == 3);
        Files.deleteIfExists(image);
    }

    @Test
    @Order(5)
    void isUsableAtPhoneWidthWithLabelledControlsAndAKeyForTheApi() {
        driver.manage().window().setSize(new Dimension(390, 1400));
        try {
            for (String page : List.of("#/datasets", "#/jobs", "#/classify", "#/prompts/" + promptId, "#/jobs/" + jobId)) {
                open(page);
                waitFor(By.cssSelector("main h1"));
                sleep(500);
                Object unlabelled = js("""
                        return [...document.querySelectorAll('input, select, textarea')]
                          .filter(e => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label'))
                          .map(e => e.id || e.name || e.outerHTML)""");
                assertThat((List<?>) unlabelled).as("form controls without a label on " + page).isEmpty();
                long overflow = ((Number) js("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
                assertThat(overflow).as("no sideways scrolling at 390 px on " + page + "; too wide: " + js(TOO_WIDE))
                        .isLessThanOrEqualTo(0);
            }
            screenshot("job-phone");

            // the key field keeps a bearer token for this tab; api.js sends it with every request
            WebElement key = driver.findElement(By.id("api-key"));
            key.clear();
            key.sendKeys(adminKey);
            driver.findElement(By.cssSelector("#key-form button")).click();
            assertThat(js("return sessionStorage.getItem('visprompt.apiKey')")).isEqualTo(adminKey);
            Object sent = ((JavascriptExecutor) driver).executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    const original = window.fetch;
                    window.fetch = (url, init) => { window.fetch = original; done(new Headers(init.headers).get('Authorization')); return original(url, init); };
                    import('/js/api.js').then(api => api.getJson('v1/models'));""");
            assertThat(sent).isEqualTo("Bearer " + adminKey);
        } finally {
            driver.manage().window().setSize(new Dimension(1280, 1800));
        }
    }

    private String topLabel(byte[] png, boolean prompted) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", new ByteArrayResource(png) {
            @Override
            public String getFilename() {
                return "sample.png";
            }
        });
        parts.add("prompt_id", promptId);
        parts.add("prompted", String.valueOf(prompted));
        JsonNode answer = http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .retrieve().body(JsonNode.class);
        return answer.at("/predictions/0/label").asString();
    }

    private void open(String hash) {
        String base = "http://localhost:" + port + "/";
        if (driver.getCurrentUrl() == null || !driver.getCurrentUrl().startsWith(base)) {
            // a user enters their key once per tab; the console keeps it in sessionStorage
            driver.get(base + "css/console.css"); // same origin, no API calls: store the key before the app loads
            js("sessionStorage.setItem('visprompt.apiKey', arguments[0])", adminKey);
            driver.get(base + hash);
        } else {
            js("location.hash = arguments[0]", hash);
        }
        waitFor(By.cssSelector("main h1"));
    }

    private WebElement waitFor(By by) {
        return waitFor(by, Duration.ofSeconds(15));
    }

    private WebElement waitFor(By by, Duration timeout) {
        return new WebDriverWait(driver, timeout).ignoring(StaleElementReferenceException.class).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private void screenshot(String name) {
        try {
            Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
