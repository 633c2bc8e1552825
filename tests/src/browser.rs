//! Headless Chromium driven over the W3C WebDriver protocol by Debian's `chromedriver`: the
//! public pages as a citizen's browser loads, fills in, resizes, prints and checks them.
//! Plain HTTP and JSON, so no browser-automation crate is needed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::{HttpResponse, http_request};

/// Where Debian's browser and its driver live.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key of an element reference in WebDriver replies.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser and its driver are installed; CI installs both (`.ci/run`) and must
/// never pass without them.
pub fn available() -> bool {
    let there = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !there {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Debian's chromium and chromium-driver packages (installed by .ci/run)"
        );
        eprintln!("chromium or chromedriver not installed: skipping the browser test");
    }
    there
}

/// Where screenshots and printed PDFs go for review: `target/screenshots`.
pub fn artefacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `chromedriver`, stopped when dropped.
pub struct Driver {
    child: Child,
    base: String,
}

/// How a session's browser is set up.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// CSS pixels.
    pub width: u32,
    /// CSS pixels.
    pub height: u32,
    /// A phone: its width, a mobile user agent and a device pixel ratio of 2 (without touch
    /// events, with which chromedriver's clicks never return).
    pub phone: bool,
    /// Page scripts run; off to prove a page works without them.
    pub javascript: bool,
}

impl Driver {
    /// Starts the driver on a free port and waits until it is ready.
    pub async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                let status = http_request("GET", &format!("{base}/status"), &[], b"").await;
                if status.status == 200 && json_of(&status)["value"]["ready"] == true {
                    return Driver { child, base };
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A new browser session.
    pub async fn session(&self, window: Window) -> Session {
        let profile =
            std::env::temp_dir().join(format!("consult-chromium-{}", rand::random::<u64>()));
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--lang=zh-CN".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut options = json!({ "binary": CHROMIUM });
        if window.phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": window.width, "height": window.height, "pixelRatio": 2, "touch": false },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
            });
        } else {
            args.push(format!("--window-size={},{}", window.width, window.height));
        }
        if !window.javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        options["args"] = json!(args);
        let reply = self
            .call(
                "POST",
                "/session",
                json!({ "capabilities": { "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": options,
                } } }),
            )
            .await;
        let id = reply["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_owned();
        Session {
            base: format!("{}/session/{id}", self.base),
            profile,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        call(&format!("{}{path}", self.base), method, body).await
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

async fn call(url: &str, method: &str, body: Value) -> Value {
    let bytes = if matches!(method, "GET" | "DELETE") {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let r = http_request(
        method,
        url,
        &[("Content-Type", "application/json; charset=utf-8")],
        &bytes,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(r.status, 200, "{method} {url}: {v}");
    v["value"].clone()
}

/// One browser: a tab that navigates, fills in, clicks, runs scripts, screenshots and prints.
pub struct Session {
    base: String,
    profile: PathBuf,
}

impl Session {
    /// Loads `url` and waits for it.
    pub async fn goto(&self, url: &str) {
        call(&format!("{}/url", self.base), "POST", json!({ "url": url })).await;
    }

    /// The address now shown.
    pub async fn url(&self) -> String {
        call(&format!("{}/url", self.base), "GET", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The document as the browser holds it.
    pub async fn source(&self) -> String {
        call(&format!("{}/source", self.base), "GET", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> String {
        let v = call(
            &format!("{}/element", self.base),
            "POST",
            json!({ "using": "css selector", "value": css }),
        )
        .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    /// Types `text` into the element matching `css`, as a keyboard would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        call(
            &format!("{}/element/{el}/value", self.base),
            "POST",
            json!({ "text": text }),
        )
        .await;
    }

    /// Clicks the element matching `css` and lets the page it leads to load.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        call(
            &format!("{}/element/{el}/click", self.base),
            "POST",
            json!({}),
        )
        .await;
    }

    /// Clicks `css` (a submit button, a link) and waits until the window has left the current
    /// page: chromedriver may answer the click before the navigation it starts has begun, more
    /// so when the server takes a moment to answer the form.
    pub async fn click_and_leave(&self, css: &str) -> String {
        let before = self.url().await;
        self.click(css).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let now = self.url().await;
            if now != before {
                return now;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still on {before} 20 s after clicking {css}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its result.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        call(
            &format!("{}/execute/sync", self.base),
            "POST",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// Runs `script`, which calls its last argument with the result when done.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        call(
            &format!("{}/timeouts", self.base),
            "POST",
            json!({ "script": 60_000 }),
        )
        .await;
        call(
            &format!("{}/execute/async", self.base),
            "POST",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// A PNG of the visible page, saved at `to`.
    pub async fn screenshot(&self, to: &Path) {
        let v = call(&format!("{}/screenshot", self.base), "GET", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(to, png).unwrap();
    }

    /// The page printed to PDF on A4 as the browser's print dialog would, without backgrounds.
    pub async fn print_a4(&self) -> Vec<u8> {
        let v = call(
            &format!("{}/print", self.base),
            "POST",
            json!({ "page": { "width": 21.0, "height": 29.7 }, "background": false }),
        )
        .await;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap()
    }

    /// Runs axe-core's WCAG 2.1 A and AA rules in the page; returns the violations.
    pub async fn axe_violations(&self) -> Vec<Value> {
        let source = std::fs::read_to_string(axe_source()).unwrap_or_else(|e| {
            panic!("axe-core is installed by `npm install` (package.json): {e}")
        });
        self.execute(&format!("{source}\nreturn true;"), json!([]))
            .await;
        let result = self
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.slice(0, 3).map(n => n.html) }))))
                   .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e) }]));",
                json!([]),
            )
            .await;
        result.as_array().cloned().unwrap_or_default()
    }

    /// Ends the session and removes its profile.
    pub async fn close(self) {
        call(&self.base, "DELETE", Value::Null).await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// axe-core as npm installs it beside the workspace.
pub fn axe_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js")
}

/// Pages in a PDF: its page objects (`/Type /Page`, not `/Pages`).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    let compact = b"/Type/Page";
    let mut n = 0;
    for w in [needle.as_slice(), compact.as_slice()] {
        n += pdf
            .windows(w.len() + 1)
            .filter(|x| x.starts_with(w) && x[w.len()] != b's')
            .count();
    }
    n
}
