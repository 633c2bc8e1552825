//! A NATS server with JetStream of the test's own (Debian's `nats-server`, on a free port with
//! a temporary store directory), and a reader of a stream's messages through JetStream's API,
//! as a consumer sees them: each message with its `Nats-Msg-Id` and payload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const BINARIES: [&str; 2] = ["/usr/sbin/nats-server", "/usr/bin/nats-server"];

fn binary() -> Option<&'static str> {
    BINARIES.into_iter().find(|b| Path::new(b).exists())
}

/// Whether `nats-server` is installed; CI installs it (`.ci/run`) and must never pass without.
pub fn available() -> bool {
    let there = binary().is_some();
    if !there {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Debian's nats-server package (installed by .ci/run)"
        );
        eprintln!("nats-server not installed: skipping the relay test");
    }
    there
}

/// A running `nats-server -js`, stopped and its store removed when dropped.
pub struct NatsServer {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl NatsServer {
    /// Starts one and waits until it takes connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("consult-e2e-nats-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(binary().expect("nats-server installed"))
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let server = Self { child, port, dir };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "nats-server did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unique_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A message of a stream.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub seq: u64,
    pub subject: String,
    pub headers: HashMap<String, String>,
    pub data: serde_json::Value,
}

/// A plain NATS connection that asks JetStream's API.
pub struct JetStream {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    next: u64,
}

impl JetStream {
    pub async fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (read, writer) = stream.into_split();
        let mut js = Self {
            reader: BufReader::new(read),
            writer,
            next: 0,
        };
        let info = js.line().await;
        assert!(info.starts_with("INFO "), "{info}");
        js.writer
            .write_all(b"CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\nSUB _INBOX.e2e.* 1\r\n")
            .await
            .unwrap();
        js
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.unwrap();
        line.trim_end().to_owned()
    }

    /// Sends a request and returns the payload of its reply (empty for a status-only reply).
    pub async fn request(&mut self, subject: &str, payload: &str) -> serde_json::Value {
        self.next += 1;
        let inbox = format!("_INBOX.e2e.{}", self.next);
        let frame = format!("PUB {subject} {inbox} {}\r\n{payload}\r\n", payload.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let line = self.line().await;
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.first().copied() {
                    Some("PING") => self.writer.write_all(b"PONG\r\n").await.unwrap(),
                    Some("MSG") | Some("HMSG") => {
                        let total: usize = words.last().unwrap().parse().unwrap();
                        let headers: usize = if words[0] == "HMSG" {
                            words[words.len() - 2].parse().unwrap()
                        } else {
                            0
                        };
                        let mut body = vec![0; total + 2];
                        self.reader.read_exact(&mut body).await.unwrap();
                        if words[1] != inbox {
                            continue;
                        }
                        let payload = &body[headers..total];
                        if payload.is_empty() {
                            return serde_json::Value::Null;
                        }
                        return serde_json::from_slice(payload).unwrap();
                    }
                    Some(other) if other.starts_with("-ERR") => panic!("nats: {line}"),
                    _ => {}
                }
            }
        })
        .await
        .expect("JetStream answers within 10 s")
    }

    /// How many messages `stream` holds (0 while it does not exist).
    pub async fn count(&mut self, stream: &str) -> u64 {
        let info = self
            .request(&format!("$JS.API.STREAM.INFO.{stream}"), "")
            .await;
        info["state"]["messages"].as_u64().unwrap_or(0)
    }

    /// The stream's configuration (`Null` while it does not exist).
    pub async fn config(&mut self, stream: &str) -> serde_json::Value {
        self.request(&format!("$JS.API.STREAM.INFO.{stream}"), "")
            .await["config"]
            .clone()
    }

    /// Every message of `stream`, in order.
    pub async fn messages(&mut self, stream: &str) -> Vec<StoredMessage> {
        let info = self
            .request(&format!("$JS.API.STREAM.INFO.{stream}"), "")
            .await;
        let (first, last) = (
            info["state"]["first_seq"].as_u64().unwrap(),
            info["state"]["last_seq"].as_u64().unwrap(),
        );
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut out = Vec::new();
        for seq in first..=last {
            let got = self
                .request(
                    &format!("$JS.API.STREAM.MSG.GET.{stream}"),
                    &format!("{{\"seq\":{seq}}}"),
                )
                .await;
            let m = &got["message"];
            assert!(m.is_object(), "message {seq}: {got}");
            let headers = m["hdrs"]
                .as_str()
                .map(|h| String::from_utf8(b64.decode(h).unwrap()).unwrap())
                .unwrap_or_default();
            let headers = headers
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let data = b64.decode(m["data"].as_str().unwrap_or_default()).unwrap();
            out.push(StoredMessage {
                seq,
                subject: m["subject"].as_str().unwrap().to_owned(),
                headers,
                data: serde_json::from_slice(&data).unwrap(),
            });
        }
        out
    }
}
