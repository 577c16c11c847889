package dev.ferry.it.console;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver, named explicitly so that
 * Selenium never tries to download a driver (Selenium Manager; CI has no network). One per test
 * class: starting it costs about a second.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(20);

    private final ChromeDriver driver;
    private final String base;
    private final Path downloads;

    private ConsoleBrowser(ChromeDriver driver, String base, Path downloads) {
        this.driver = driver;
        this.base = base;
        this.downloads = downloads;
    }

    /** A browser for the console at {@code base} (http://127.0.0.1:port); skips the test class without chromium. */
    static ConsoleBrowser start(String base) throws java.io.IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Downloads (a definitions export) go to a directory of the test's, not the user's home.
        Path downloads = Files.createTempDirectory("ferry-console-downloads");
        options.setExperimentalOption("prefs", java.util.Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,900", "--lang=en-US", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return new ConsoleBrowser(driver, base, downloads);
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Where the browser saves what it downloads. */
    Path downloads() {
        return downloads;
    }

    /** Goes to a console location: {@code open("/queues")} is {@code base/#/queues}. */
    void open(String route) {
        driver.get(base + "/#" + route);
    }

    /** Fills in the login form (showing it first if someone is logged in) and submits it. */
    void submitLogin(String user, String password) {
        driver.get(base + "/");
        driver.executeScript("sessionStorage.clear()");
        driver.navigate().refresh();
        WebElement name = await().atMost(WAIT).until(() -> driver.findElements(By.id("login-user")), found -> !found.isEmpty()).get(0);
        name.sendKeys(user);
        driver.findElement(By.id("login-password")).sendKeys(password);
        driver.findElement(By.id("log-in")).click();
    }

    void logIn(String user, String password) {
        submitLogin(user, password);
        await().atMost(WAIT).until(() -> driver.findElement(By.id("who")).getText().startsWith(user));
    }

    /** The element, once it is on the page. */
    WebElement element(By by) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> {
            List<WebElement> found = driver.findElements(by);
            return found.isEmpty() ? null : found.get(0);
        }, found -> found != null);
    }

    /** The text of the element with this id, or "" while it is not there. */
    String text(String id) {
        List<WebElement> found = driver.findElements(By.id(id));
        try {
            return found.isEmpty() ? "" : found.get(0).getText();
        } catch (org.openqa.selenium.StaleElementReferenceException replacedMeanwhile) {
            return "";
        }
    }

    /** A data-* attribute of the element with this id (null while it is not there). */
    String data(String id, String name) {
        Object value = driver.executeScript("const e = document.getElementById(arguments[0]);"
                + "return e ? e.dataset[arguments[1]] ?? null : null;", id, name);
        return value == null ? null : value.toString();
    }

    Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    void screenshot(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        // Ends chromium and then the chromedriver process this class started.
        driver.quit();
    }
}
