//! The web app in a real browser against the whole platform: the gateway serves the built app
//! (`web/dist`) beside the API, as under `cargo xtask up`, and the app's Playwright specs
//! (`web/e2e`, driving Debian's Chromium) run against it. `cargo xtask test` installs the npm
//! packages and builds the app before the suite; the screenshots of each final state land in
//! `target/web-e2e/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use orderflow_testkit::platform::Platform;
use support::WHOLE_PLATFORM;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

#[tokio::test]
async fn the_web_app_passes_its_browser_tests_against_the_whole_platform() {
    let web = web_dir();
    let dist = web.join("dist");
    assert!(
        dist.join("index.html").is_file() && web.join("node_modules/.bin/vitest").is_file(),
        "the web app is not built: run `npm ci && npm run build` in web/ (`cargo xtask test` does)"
    );
    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/web-e2e");
    // Screenshots of an earlier run must not stand in for this run's.
    let _ = std::fs::remove_dir_all(&screenshots);
    let dist = dist.to_str().unwrap().to_owned();
    // One browser is one client address: the per-client rate limit is raised out of the way.
    let env = [
        ("WEB_DIR", dist.as_str()),
        ("RATE_LIMIT_PER_SECOND", "10000"),
        ("RATE_LIMIT_BURST", "10000"),
    ];
    let platform = Platform::start(WHOLE_PLATFORM, &env)
        .await
        .expect("platform started");
    let gateway = platform.url("gateway", "");
    let token = platform.admin_token.clone();
    let app: String = reqwest::get(&gateway).await.unwrap().text().await.unwrap();
    assert!(
        app.contains("<div id=\"root\">"),
        "the gateway serves the app: {app}"
    );

    let output = tokio::task::spawn_blocking(move || {
        Command::new("npm")
            .args(["run", "--silent", "e2e"])
            .current_dir(web_dir())
            .env("ORDERFLOW_URL", gateway)
            .env("ADMIN_TOKEN", token)
            .env("CI", "true")
            .output()
            .expect("npm runs")
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the browser tests failed:\n{report}"
    );
    assert!(report.contains("3 passed"), "{report}");
    for name in [
        "order-confirmed",
        "order-cancelled",
        "registration-field-error",
    ] {
        let screenshot = screenshots.join(format!("{name}.png"));
        assert!(screenshot.is_file(), "{} is missing", screenshot.display());
    }
}
