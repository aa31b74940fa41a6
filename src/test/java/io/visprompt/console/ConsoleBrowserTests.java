package io.visprompt.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
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
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.FileSystemUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * The web console in a real browser (headless Chromium driven by Selenium) against the running service: a person
 * uploads a dataset, trains a prompt from the form, watches the curves grow, opens the prompt, classifies an image
 * and is asked for a key when the API answers 401. Each test loads the console afresh and makes what it needs (the
 * tests that only look at a finished prompt share one job trained through the API). Screenshots of each page go to
 * target/screenshots/. Chromium and chromedriver are looked up on the PATH; without them this fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Closed after the class: its workers must not claim other classes' jobs on a shared database.
@DirtiesContext
@TestPropertySource(properties = "visprompt.training.workers=true")
class ConsoleBrowserTests extends PostgresIntegrationTest {

    static final Path FIXTURE = Path.of("src/test/resources/fixtures/data/fashion-border.zip");
    static final Path SCREENSHOTS = Path.of("target/screenshots");
    static final int EPOCHS = 6;
    static final String TOO_WIDE = """
            const clipped = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
              if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
            return [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !clipped(e)).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""";
    static final Pattern JOB_HASH = Pattern.compile("#/jobs/([0-9a-f-]{36})$");
    static final Set<String> ACTIVE = Set.of("queued", "running", "cancelling");
    static final Duration PAGE = Duration.ofSeconds(15);

    ChromeDriverService service;
    WebDriver driver;
    Path profile;
    TrainedJob trained;
    String consoleKey;

    /** A finished job and its prompt. */
    record TrainedJob(String jobId, String promptId) {
    }

    /**
     * The console works as the admin of a tenant of its own, so its lists show only what these tests made, also on a
     * database that other test classes share.
     */
    @BeforeEach
    void consoleTenant() {
        if (consoleKey == null) {
            String tenant = "console-" + UUID.randomUUID().toString().substring(0, 8);
            ResponseEntity<JsonNode> created = postJson("/v1/api-keys",
                    Map.of("name", "console tests", "tenant", tenant, "scopes", List.of("admin")));
            assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
            consoleKey = created.getBody().get("key").asString();
        }
        adminKey = consoleKey;
        http = client(consoleKey);
    }

    @BeforeAll
    void startBrowser() throws IOException {
        Path chromium = onPath("chromium", "chromium-browser", "google-chrome");
        Path chromedriver = onPath("chromedriver");
        assertThat(chromium).as("headless Chromium on the PATH is required (src/test/run-all.sh installs Debian's chromium)")
                .isNotNull();
        assertThat(chromedriver).as("chromedriver on the PATH is required (src/test/run-all.sh installs Debian's chromium-driver)")
                .isNotNull();
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory("console-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1280,1800", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // the driver's path is given, so Selenium Manager is never asked to find (or download) one
        service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    void stopBrowser() {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            FileSystemUtils.deleteRecursively(profile.toFile());
        }
    }

    @AfterEach
    void browserErrors(TestInfo test) {
        if (driver == null) {
            return;
        }
        assertThat(severeBrowserLogs()).as("JavaScript errors in " + test.getDisplayName()).isEmpty();
        driver.manage().window().setSize(new Dimension(1280, 1800));
    }

    @Test
    void uploadsADatasetWithAProgressBarAndShowsItsClassesAndSplits() {
        start("#/datasets");
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
        new WebDriverWait(driver, PAGE).until(d -> ((Number) js(
                "return [...arguments[0].querySelectorAll('img.thumb')].filter(i => i.complete && i.naturalWidth === 28).length",
                card)).intValue() == 30);
        screenshot("datasets");
    }

    @Test
    void startsAJobFromTheFormWatchesTheCurvesGrowAndSeesZeroShotVersusPrompted() {
        String datasetName = "form-" + System.nanoTime();
        uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip", datasetName);
        start("#/jobs");
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
        dataset.getOptions().stream().filter(o -> o.getText().startsWith(datasetName)).findFirst().orElseThrow().click();
        form.findElement(By.id("job-hyperparameters-epochs")).sendKeys(String.valueOf(EPOCHS));
        form.findElement(By.id("job-hyperparameters-batch-size")).sendKeys("32");
        form.findElement(By.id("job-hyperparameters-warmup-steps")).sendKeys("10");
        form.findElement(By.cssSelector("button[type=submit]")).click();

        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> JOB_HASH.matcher(d.getCurrentUrl()).find());
        Matcher m = JOB_HASH.matcher(driver.getCurrentUrl());
        assertThat(m.find()).isTrue();
        String jobId = m.group(1);
        JsonNode created = getJson("/v1/training-jobs/" + jobId).getBody();
        assertThat(created.at("/hyperparameters/epochs").asInt()).isEqualTo(EPOCHS);
        assertThat(created.at("/hyperparameters/batch_size").asInt()).isEqualTo(32);
        assertThat(created.at("/hyperparameters/learning_rate").asDouble()).as("blank = the default").isEqualTo(40.0);

        // the curves gain points while the job runs (read from the Chart.js instance and the canvas' data-points),
        // sampled until the page shows the finished job
        List<Integer> seen = new ArrayList<>();
        new WebDriverWait(driver, Duration.ofMinutes(5)).pollingEvery(Duration.ofMillis(150))
                .withMessage(() -> "the finished job on the page; points seen " + seen).until(d -> {
            List<?> points = (List<?>) js("const c = window.Chart && Chart.getChart('chart-loss');"
                    + "return [c ? c.data.labels.length : -1, Number(document.getElementById('chart-loss').dataset.points)];");
            int n = ((Number) points.get(0)).intValue();
            assertThat(((Number) points.get(1)).intValue()).as("data-points follows the chart").isEqualTo(n);
            if (seen.isEmpty() || seen.get(seen.size() - 1) != n) {
                seen.add(n);
            }
            String status = String.valueOf(js("return document.getElementById('main').dataset.status || ''"));
            assertThat(status).as("job status shown; points seen " + seen).isNotIn("failed", "cancelled");
            return n == EPOCHS && "succeeded".equals(status) && !d.findElements(By.id("prompted-value")).isEmpty();
        });
        assertThat(seen).as("points on the loss curve as seen over time").isSorted().endsWith(EPOCHS);
        assertThat(seen.stream().filter(n -> n > 0 && n < EPOCHS)).as("the curve grew while the job ran: " + seen)
                .isNotEmpty();
        assertThat(((Number) js("return Chart.getChart('chart-accuracy').data.datasets[1].data.length")).intValue())
                .as("validation accuracy curve").isEqualTo(EPOCHS);
        assertThat(((Number) js("return Chart.getChart('chart-lr').data.labels.length")).intValue()).isEqualTo(EPOCHS);

        JsonNode job = getJson("/v1/training-jobs/" + jobId).getBody();
        assertThat(driver.findElement(By.id("zero-shot-value")).getText())
                .isEqualTo(String.format(Locale.ROOT, "%.1f%%", 100 * job.at("/result/zero_shot_test_accuracy").asDouble()));
        assertThat(driver.findElement(By.id("prompted-value")).getText())
                .isEqualTo(String.format(Locale.ROOT, "%.1f%%", 100 * job.at("/result/prompted_test_accuracy").asDouble()));
        assertThat(driver.findElement(By.id("job-progress")).getDomProperty("value")).isEqualTo("100");
        List<String> events = driver.findElements(By.cssSelector("#job-events li")).stream()
                .map(e -> e.getDomAttribute("data-type")).toList();
        assertThat(events).startsWith("created", "claimed").endsWith("succeeded");
        screenshot("job");

        go("#/jobs");
        WebElement row = waitFor(By.cssSelector("tr[data-id='" + jobId + "'][data-status='succeeded']"));
        assertThat(row.getText()).contains("fashion-cnn");
        // the status filter offers what GET /v1/training-jobs/defaults lists, in its order
        List<String> statuses = new ArrayList<>();
        getJson("/v1/training-jobs/defaults").getBody().get("statuses").forEach(s -> statuses.add(s.asString()));
        assertThat(statuses).hasSize(7);
        new WebDriverWait(driver, PAGE).until(d -> d.findElements(By.cssSelector("#job-filter option:not([value=''])"))
                .size() == statuses.size());
        assertThat(driver.findElements(By.cssSelector("#job-filter option:not([value=''])")).stream()
                .map(o -> o.getDomAttribute("value")).toList()).isEqualTo(statuses);
        screenshot("jobs");
    }

    @Test
    void showsThePromptAsAPictureAppliedToSamplesWithDownloads() {
        TrainedJob job = trainedJob();
        start("#/jobs/" + job.jobId());
        waitFor(By.id("open-prompt")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("#/prompts/" + job.promptId()));

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
        assertThat(driver.findElement(By.id("download-png")).getDomAttribute("download"))
                .isEqualTo("prompt-" + job.promptId() + ".png");
        WebElement npy = driver.findElement(By.id("download-npy"));
        assertThat(npy.isDisplayed()).isTrue();
        // the .npy download: fetched with Accept: application/x-npy through api.js
        Object magic = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/js/api.js').then(api => api.getBlob('v1/prompts/%s/content', 'application/x-npy'))
                  .then(r => r.blob.arrayBuffer()).then(b => done(String.fromCharCode(...new Uint8Array(b).slice(1, 6))))
                  .catch(e => done('error ' + e));""".formatted(job.promptId()));
        assertThat(magic).isEqualTo("NUMPY");
        assertThat(driver.findElement(By.id("prompt-meta")).getText()).contains("fashion-cnn").contains("padding");
        screenshot("prompt");

        go("#/prompts");
        waitFor(By.cssSelector(".prompt-card[data-id='" + job.promptId() + "'] img[src^='blob:']"));
        screenshot("prompts");
    }

    @Test
    void evaluatesThePromptFromItsPageAndShowsHeatmapReliabilityPerClassAndMistakes() {
        TrainedJob job = trainedJob();
        String datasetId = getJson("/v1/prompts/" + job.promptId()).getBody().get("dataset_id").asString();
        start("#/jobs/" + job.jobId());
        WebElement probe = waitFor(By.id("linear-probe-value"));
        assertThat(probe.getText()).as("TP / VP / LP side by side").endsWith("%");
        assertThat(driver.findElement(By.id("zero-shot-value")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("prompted-value")).isDisplayed()).isTrue();

        start("#/prompts/" + job.promptId());
        waitFor(By.cssSelector("#evaluate-dataset option[value='" + datasetId + "']"));
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("evaluate-dataset"))).selectByValue(datasetId);
        driver.findElement(By.id("evaluate-button")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("#/evaluations/"));

        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> ((Number) js(
                "return document.querySelectorAll('#per-class-table tbody tr').length")).intValue() == 10);
        assertThat(driver.findElement(By.id("evaluation-summary-table")).getText()).contains("Accuracy")
                .contains("with prompt").contains("Expected calibration error");
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> Boolean.TRUE.equals(js(
                "return ['confusion-matrix', 'reliability-diagram'].every(id => { const i = document.getElementById(id);"
                        + " return i && i.complete && i.naturalWidth > 300; })")));
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> ((Number) js(
                "return [...document.querySelectorAll('#evaluation-errors img')].filter(i => i.complete && i.naturalWidth === 28).length"))
                .intValue() > 0);
        // the page followed the evaluation's event stream while it ran, not a poll every second
        String evaluationPath = "/v1/evaluations/" + driver.getCurrentUrl().replaceAll(".*#/evaluations/", "");
        assertThat(((Number) js("return performance.getEntriesByType('resource').filter(e => new URL(e.name)"
                + ".pathname === arguments[0] + '/events').length", evaluationPath)).intValue()).isOne();
        assertThat(((Number) js("return performance.getEntriesByType('resource').filter(e => new URL(e.name)"
                + ".pathname === arguments[0]).length", evaluationPath)).intValue()).isLessThanOrEqualTo(2);
        screenshot("evaluation");
    }

    @Test
    void classifiesADroppedImageWithAndWithoutThePrompt() throws IOException {
        TrainedJob job = trainedJob();
        Map.Entry<String, byte[]> sample = TestImages.testSplit(Files.readAllBytes(FIXTURE)).entrySet().iterator().next();
        Path image = Files.createTempFile("console-sample-", ".png");
        try {
            Files.write(image, sample.getValue());

            start("#/classify?prompt=" + job.promptId());
            new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> job.promptId().equals(
                    new Select(d.findElement(By.id("classify-prompt"))).getFirstSelectedOption().getDomAttribute("value")));
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
            assertThat(prompted.get(0).findElement(By.className("label")).getText())
                    .isEqualTo(topLabel(job.promptId(), sample.getValue(), true));
            assertThat(unprompted.get(0).findElement(By.className("label")).getText())
                    .isEqualTo(topLabel(job.promptId(), sample.getValue(), false));
            screenshot("classify");

            // and the button again, with another k
            WebElement k = driver.findElement(By.id("classify-topk"));
            k.clear();
            k.sendKeys("3");
            driver.findElement(By.id("classify-submit")).click();
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                    d.findElements(By.cssSelector("#unprompted-predictions li")).size() == 3
                            && d.findElements(By.cssSelector("#prompted-predictions li")).size() == 3);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    @Test
    void isUsableAtPhoneWidthWithLabelledControls() {
        TrainedJob job = trainedJob();
        // each page with what shows that it has loaded its data
        Map<String, By> pages = new LinkedHashMap<>();
        pages.put("#/datasets", By.cssSelector("#dataset-list[aria-busy='false'] .card.dataset"));
        pages.put("#/jobs", By.cssSelector("#job-form #job-dataset-id option[value]:not([value=''])"));
        pages.put("#/classify", By.cssSelector("#classify-prompt option[value='" + job.promptId() + "']"));
        pages.put("#/prompts/" + job.promptId(), By.cssSelector("#prompt-examples img[src^='blob:']"));
        pages.put("#/jobs/" + job.jobId(), By.cssSelector("main[data-status='succeeded'] #prompted-value"));
        driver.manage().window().setSize(new Dimension(390, 1400));
        start("#/datasets");
        for (Map.Entry<String, By> page : pages.entrySet()) {
            go(page.getKey());
            new WebDriverWait(driver, PAGE).until(ExpectedConditions.presenceOfElementLocated(page.getValue()));
            new WebDriverWait(driver, PAGE).until(d -> d.findElements(By.cssSelector("[aria-busy='true']")).isEmpty());
            Object unlabelled = js("""
                    return [...document.querySelectorAll('input, select, textarea')]
                      .filter(e => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label'))
                      .map(e => e.id || e.name || e.outerHTML)""");
            assertThat((List<?>) unlabelled).as("form controls without a label on " + page.getKey()).isEmpty();
            long overflow = ((Number) js("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
            assertThat(overflow).as("no sideways scrolling at 390 px on " + page.getKey() + "; too wide: " + js(TOO_WIDE))
                    .isLessThanOrEqualTo(0);
        }
        screenshot("job-phone");
    }

    @Test
    void sendsTheKeyFromTheKeyFieldAsABearerToken() {
        start("#/datasets");
        WebElement key = driver.findElement(By.id("api-key"));
        assertThat(key.getDomAttribute("placeholder")).isNotEqualTo("none");
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
    }

    @Test
    void asksForTheKeyWhenTheApiAnswers401AndRepeatsTheCallWithIt() {
        String datasetName = "key-" + System.nanoTime();
        uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip", datasetName);

        // no key yet: the list is refused, the console says why and waits in the key field
        start("#/datasets", null);
        WebElement message = waitFor(By.id("api-key-message"));
        assertThat(message.getText()).contains("needs an API key");
        assertThat(js("return document.activeElement.id")).isEqualTo("api-key");
        assertThat(driver.findElement(By.id("dataset-list")).getDomAttribute("aria-busy")).isEqualTo("true");
        screenshot("key-prompt");

        // the key entered, the same call is made again and the page fills in
        driver.switchTo().activeElement().sendKeys(adminKey);
        driver.findElement(By.cssSelector("#key-form button")).click();
        waitFor(By.cssSelector(".card.dataset[data-name='" + datasetName + "']"));
        assertThat(message.isDisplayed()).isFalse();
        assertThat(js("return sessionStorage.getItem('visprompt.apiKey')")).isEqualTo(adminKey);

        // a key the service does not know: refused, asked again, and the page works once a valid key is saved
        js("sessionStorage.setItem('visprompt.apiKey', arguments[0])", "vp_000000000000_" + "0".repeat(64));
        go("#/jobs");
        new WebDriverWait(driver, PAGE).until(ExpectedConditions.textToBePresentInElementLocated(By.id("api-key-message"),
                "was refused"));
        assertThat(js("return document.activeElement.id")).isEqualTo("api-key");
        WebElement key = driver.findElement(By.id("api-key"));
        key.clear();
        key.sendKeys(adminKey);
        driver.findElement(By.cssSelector("#key-form button")).click();
        waitFor(By.cssSelector("#job-form #job-dataset-id option[value]:not([value=''])"));
        assertThat(driver.findElement(By.id("api-key-message")).isDisplayed()).isFalse();

        // the refused calls are in the browser's log as failed loads, and nothing else is
        assertThat(severeBrowserLogs()).allSatisfy(entry -> assertThat(entry).contains("401"));
    }

    @Test
    void showsASweepsLeaderboardWithStoppedTrialsAndTheirValidationCurves() {
        String datasetId = uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip",
                "console-sweep").getBody().get("id").asString();
        Map<String, Object> body = new LinkedHashMap<>(Map.of("dataset_id", datasetId, "model", "fashion-cnn",
                "strategy", "asha", "seed", 1, "max_trials", 4, "max_epochs_per_trial", 3, "parallelism", 2,
                "space", Map.of("hyperparameters", Map.of("learning_rate", List.of(0.01, 0.03, 4, 8)),
                        "prompt", Map.of("size", List.of(4)))));
        body.put("output", Map.of("label_mapping", "by_name"));
        body.put("hyperparameters", Map.of("batch_size", 32, "warmup_steps", 5, "seed", 0));
        String sweepId = postJson("/v1/sweeps", body).getBody().get("id").asString();
        JsonNode sweep = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> getJson("/v1/sweeps/" + sweepId).getBody(), s -> !s.get("status").asString().equals("running"));
        assertThat(sweep.get("status").asString()).as(sweep.toString()).isEqualTo("succeeded");

        start("#/sweeps/" + sweepId);
        new WebDriverWait(driver, PAGE).until(d -> "succeeded".equals(js("return document.getElementById('main').dataset.status")));
        List<WebElement> rows = driver.findElements(By.cssSelector("#sweep-table tbody tr"));
        assertThat(rows).hasSize(4);
        long stopped = sweep.get("leaderboard").findValuesAsString("status").stream().filter("stopped"::equals).count();
        assertThat(driver.findElements(By.cssSelector("#sweep-table tr[data-status='stopped']"))).hasSize((int) stopped);
        assertThat(stopped).isPositive();
        assertThat(rows.get(0).getDomAttribute("data-trial")).isEqualTo(sweep.at("/best/trial").asString());
        assertThat(driver.findElement(By.id("sweep-best-panel")).getText()).contains("Best trial")
                .contains(String.format(Locale.ROOT, "%.1f%%", 100 * sweep.at("/best/best_validation_accuracy").asDouble()));
        assertThat(driver.findElement(By.cssSelector("#sweep-best-panel a[href^='#/classify?prompt=']"))
                .getDomAttribute("href")).endsWith(sweep.at("/best/prompt_id").asString());
        assertThat(driver.findElement(By.id("sweep-compute")).getText())
                .contains(sweep.at("/compute/epochs_used").asString() + " of 12 epochs");
        // one validation curve per trial, the stopped ones dashed; accuracy against the learning rate
        assertThat(((Number) js("return Chart.getChart('chart-sweep-curves').data.datasets.length")).intValue()).isEqualTo(4);
        assertThat(((Number) js("return Chart.getChart('chart-sweep-curves').data.datasets"
                + ".filter(d => d.borderDash && d.label.endsWith('(stopped)')).length")).longValue()).isEqualTo(stopped);
        assertThat(driver.findElement(By.id("chart-sweep-lr")).getDomAttribute("data-points")).isEqualTo("4");
        screenshot("sweep");

        go("#/sweeps");
        WebElement row = waitFor(By.cssSelector("#sweep-list tr[data-id='" + sweepId + "']"));
        assertThat(row.getText().toLowerCase(Locale.ROOT)).contains("succeeded").contains("asha").contains("fashion-cnn");
        assertThat(row.findElement(By.cssSelector("[data-status]")).getDomAttribute("data-status")).isEqualTo("succeeded");
    }

    /** A finished job and its prompt, trained through the API the first time a test needs one, in any order. */
    private TrainedJob trainedJob() {
        if (trained == null) {
            String datasetId = uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip",
                    "console-trained").getBody().get("id").asString();
            String jobId = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn",
                    "baselines", List.of("linear_probe"),
                    "hyperparameters", Map.of("epochs", 2, "batch_size", 32, "warmup_steps", 10)))
                    .getBody().get("id").asString();
            JsonNode job = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> getJson("/v1/training-jobs/" + jobId).getBody(),
                            j -> !ACTIVE.contains(j.get("status").asString()));
            assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("succeeded");
            trained = new TrainedJob(jobId, job.at("/result/prompt_id").asString());
        }
        return trained;
    }

    private String topLabel(String promptId, byte[] png, boolean prompted) {
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

    /** Loads the console afresh at {@code hash}, as a user who entered the admin key in this tab. */
    private void start(String hash) {
        start(hash, adminKey);
    }

    /** Loads the console afresh at {@code hash} with {@code key} in this tab's sessionStorage (none when null). */
    private void start(String hash, String key) {
        String base = "http://localhost:" + port + "/";
        driver.get(base + "css/console.css"); // same origin, no API calls: set the key before the app loads
        js("sessionStorage.clear(); if (arguments[0]) sessionStorage.setItem('visprompt.apiKey', arguments[0])", key);
        driver.get(base + hash);
        waitFor(By.cssSelector("main h1"));
    }

    /** Moves to another page of the loaded console, as its links do. */
    private void go(String hash) {
        js("location.hash = arguments[0]", hash);
        new WebDriverWait(driver, PAGE).until(ExpectedConditions.urlContains(hash));
        waitFor(By.cssSelector("main h1"));
    }

    private WebElement waitFor(By by) {
        return waitFor(by, PAGE);
    }

    private WebElement waitFor(By by, Duration timeout) {
        return new WebDriverWait(driver, timeout).ignoring(StaleElementReferenceException.class).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    private List<String> severeBrowserLogs() {
        List<String> severe = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(entry.getMessage());
            }
        }
        return severe;
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

    /** The first executable of these names in a directory of the PATH, or null. */
    private static Path onPath(String... names) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
