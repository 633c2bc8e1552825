//! A NATS client for what the relay needs and no more: connecting (with a token or a user and
//! password), requests answered on an inbox (JetStream's API), and publications with headers
//! whose acknowledgements come back on that inbox. It speaks the NATS client protocol over one
//! TCP connection that the relay's task alone reads and writes, answering the server's PINGs
//! while it waits for replies; a connection that fails in any way is dropped and made again.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Longest protocol line accepted from the server (INFO carries the server's description).
const MAX_LINE: usize = 64 * 1024;
/// Largest message accepted from the server.
const MAX_MESSAGE: usize = 8 * 1024 * 1024;

/// Why talking to NATS failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NatsError {
    #[error("nats: {0}")]
    Io(#[from] std::io::Error),
    #[error("nats: no answer within {0:?}")]
    Timeout(Duration),
    #[error("nats: the server said: {0}")]
    Server(String),
    #[error("nats: unexpected from the server: {0}")]
    Protocol(String),
    #[error("nats: nobody answers on {0} (is JetStream enabled?)")]
    NoResponders(String),
    #[error("nats: {0}")]
    Config(String),
}

/// How to identify to the server.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    pub(crate) token: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
}

/// A message the server delivered on the inbox.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status of the header block's first line (`503` for no responders), if any.
    pub(crate) status: Option<u16>,
    pub(crate) payload: Vec<u8>,
}

/// A message to publish: subject, headers, payload.
pub(crate) struct Outgoing {
    pub(crate) subject: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) payload: Vec<u8>,
}

/// One connection to a NATS server.
pub(crate) struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: BufWriter<OwnedWriteHalf>,
    /// The prefix of this connection's reply subjects, subscribed to with a wildcard.
    inbox: String,
    next_reply: u64,
}

/// `host:port` of a `nats://host:port` address (the port defaults to 4222).
pub(crate) fn address_of(url: &str) -> Result<String, NatsError> {
    let rest = url.trim().strip_prefix("nats://").unwrap_or(url.trim());
    let host_port = rest.trim_end_matches('/');
    if host_port.is_empty() || host_port.contains('/') || host_port.contains('@') {
        return Err(NatsError::Config(format!(
            "[nats] url {url:?}: expected nats://host:port (credentials go in token, or user and password)"
        )));
    }
    Ok(
        if host_port
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            host_port.to_owned()
        } else {
            format!("{host_port}:4222")
        },
    )
}

/// The CONNECT options: headers and no-responder replies on, so that a publication to a subject
/// no stream takes fails at once instead of timing out.
fn connect_options(credentials: &Credentials) -> String {
    let mut options = serde_json::json!({
        "verbose": false,
        "pedantic": false,
        "lang": "rust",
        "version": env!("CARGO_PKG_VERSION"),
        "name": "consultd event relay",
        "protocol": 1,
        "headers": true,
        "no_responders": true,
    });
    if let Some(t) = &credentials.token {
        options["auth_token"] = t.clone().into();
    }
    if let Some(u) = &credentials.user {
        options["user"] = u.clone().into();
    }
    if let Some(p) = &credentials.password {
        options["pass"] = p.clone().into();
    }
    options.to_string()
}

/// The header block of a message: the version line, then one line per header.
fn header_block(headers: &[(&'static str, String)]) -> String {
    let mut block = String::from("NATS/1.0\r\n");
    for (k, v) in headers {
        // A header value cannot span lines; event ids and content types never do.
        block.push_str(k);
        block.push_str(": ");
        block.push_str(&v.replace(['\r', '\n'], " "));
        block.push_str("\r\n");
    }
    block.push_str("\r\n");
    block
}

/// The status code of a header block's first line (`NATS/1.0 503` → 503).
fn status_of(headers: &[u8]) -> Option<u16> {
    let first = headers.split(|b| *b == b'\r').next()?;
    let text = std::str::from_utf8(first).ok()?;
    text.strip_prefix("NATS/1.0")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What the server sent.
enum Incoming {
    Message {
        subject: String,
        reply: Reply,
    },
    Ping,
    /// PONG, +OK, INFO: nothing to do.
    Other,
}

impl Connection {
    /// Connects to `url`, identifies with `credentials` and subscribes to its inbox; fails
    /// unless the server accepts within `timeout`.
    pub(crate) async fn connect(
        url: &str,
        credentials: &Credentials,
        timeout: Duration,
    ) -> Result<Self, NatsError> {
        let address = address_of(url)?;
        tokio::time::timeout(timeout, async {
            let stream = TcpStream::connect(&address).await?;
            stream.set_nodelay(true)?;
            let (read, write) = stream.into_split();
            let mut connection = Connection {
                reader: BufReader::new(read),
                writer: BufWriter::new(write),
                inbox: format!("_INBOX.{}", ulid::Ulid::new()),
                next_reply: 0,
            };
            let info = connection.line().await?;
            let Some(info) = info.strip_prefix("INFO ") else {
                return Err(NatsError::Protocol(info));
            };
            let info: serde_json::Value = serde_json::from_str(info)
                .map_err(|e| NatsError::Protocol(format!("INFO: {e}")))?;
            if info["tls_required"].as_bool() == Some(true) {
                return Err(NatsError::Config(
                    "the server requires TLS, which the relay does not speak".into(),
                ));
            }
            if info["headers"].as_bool() == Some(false) {
                return Err(NatsError::Config(
                    "the server does not support headers (NATS 2.2 or newer needed)".into(),
                ));
            }
            let connect = format!(
                "CONNECT {}\r\nPING\r\nSUB {}.* 1\r\n",
                connect_options(credentials),
                connection.inbox
            );
            connection.writer.write_all(connect.as_bytes()).await?;
            connection.writer.flush().await?;
            // The PONG to our PING says CONNECT was accepted; an -ERR says why not.
            loop {
                match connection.line().await?.as_str() {
                    "PONG" => break,
                    "PING" => connection.pong().await?,
                    line if line.starts_with("-ERR") => {
                        return Err(NatsError::Server(line.to_owned()));
                    }
                    _ => {}
                }
            }
            Ok(connection)
        })
        .await
        .map_err(|_| NatsError::Timeout(timeout))?
    }

    /// Sends `payload` to `subject` and waits up to `timeout` for the one reply.
    pub(crate) async fn request(
        &mut self,
        subject: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Reply, NatsError> {
        let reply_to = self.reply_subject();
        let mut frame = format!("PUB {subject} {reply_to} {}\r\n", payload.len()).into_bytes();
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.writer.write_all(&frame).await?;
        self.writer.flush().await?;
        let mut replies = self.await_replies(vec![reply_to], timeout).await?;
        let reply = replies.pop().unwrap_or(Reply {
            status: None,
            payload: Vec::new(),
        });
        if reply.status == Some(503) {
            return Err(NatsError::NoResponders(subject.to_owned()));
        }
        Ok(reply)
    }

    /// Publishes every message, each with its own reply subject, then waits up to `timeout`
    /// for all the replies; they come back in the order of `messages`.
    pub(crate) async fn publish_all(
        &mut self,
        messages: &[Outgoing],
        timeout: Duration,
    ) -> Result<Vec<Reply>, NatsError> {
        let mut reply_subjects = Vec::with_capacity(messages.len());
        for m in messages {
            let reply_to = self.reply_subject();
            let headers = header_block(&m.headers);
            let frame = format!(
                "HPUB {} {reply_to} {} {}\r\n",
                m.subject,
                headers.len(),
                headers.len() + m.payload.len()
            );
            self.writer.write_all(frame.as_bytes()).await?;
            self.writer.write_all(headers.as_bytes()).await?;
            self.writer.write_all(&m.payload).await?;
            self.writer.write_all(b"\r\n").await?;
            reply_subjects.push(reply_to);
        }
        self.writer.flush().await?;
        self.await_replies(reply_subjects, timeout).await
    }

    fn reply_subject(&mut self) -> String {
        self.next_reply += 1;
        format!("{}.{}", self.inbox, self.next_reply)
    }

    /// Reads until a reply has come on each of `subjects`, answering PINGs meanwhile.
    async fn await_replies(
        &mut self,
        subjects: Vec<String>,
        timeout: Duration,
    ) -> Result<Vec<Reply>, NatsError> {
        let mut waiting: HashMap<String, usize> = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let mut replies: Vec<Option<Reply>> = subjects.iter().map(|_| None).collect();
        tokio::time::timeout(timeout, async {
            while !waiting.is_empty() {
                match self.incoming().await? {
                    Incoming::Message { subject, reply } => {
                        // A late reply to an earlier, abandoned request is dropped.
                        if let Some(i) = waiting.remove(&subject) {
                            replies[i] = Some(reply);
                        }
                    }
                    Incoming::Ping => self.pong().await?,
                    Incoming::Other => {}
                }
            }
            Ok::<_, NatsError>(())
        })
        .await
        .map_err(|_| NatsError::Timeout(timeout))??;
        Ok(replies.into_iter().flatten().collect())
    }

    async fn pong(&mut self) -> Result<(), NatsError> {
        self.writer.write_all(b"PONG\r\n").await?;
        self.writer.flush().await?;
        Ok(())
    }

    /// One protocol line, without its CRLF.
    async fn line(&mut self) -> Result<String, NatsError> {
        let mut line = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Err(NatsError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        if !line.ends_with(b"\n") {
            return Err(NatsError::Protocol("line too long".into()));
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|_| NatsError::Protocol("line not UTF-8".into()))
    }

    /// The next thing the server sent.
    async fn incoming(&mut self) -> Result<Incoming, NatsError> {
        let line = self.line().await?;
        let mut words = line.split_whitespace();
        let op = words.next().unwrap_or_default().to_ascii_uppercase();
        let args: Vec<&str> = words.collect();
        let size = |s: &str| {
            s.parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_MESSAGE)
                .ok_or_else(|| NatsError::Protocol(line.clone()))
        };
        match op.as_str() {
            // MSG <subject> <sid> [reply-to] <#bytes>
            "MSG" if args.len() == 3 || args.len() == 4 => {
                let total = size(args[args.len() - 1])?;
                let body = self.body(total).await?;
                Ok(Incoming::Message {
                    subject: args[0].to_owned(),
                    reply: Reply {
                        status: None,
                        payload: body,
                    },
                })
            }
            // HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
            "HMSG" if args.len() == 4 || args.len() == 5 => {
                let headers = size(args[args.len() - 2])?;
                let total = size(args[args.len() - 1])?;
                if headers > total {
                    return Err(NatsError::Protocol(line.clone()));
                }
                let mut body = self.body(total).await?;
                let payload = body.split_off(headers);
                Ok(Incoming::Message {
                    subject: args[0].to_owned(),
                    reply: Reply {
                        status: status_of(&body),
                        payload,
                    },
                })
            }
            "PING" => Ok(Incoming::Ping),
            "PONG" | "+OK" | "INFO" => Ok(Incoming::Other),
            "-ERR" => Err(NatsError::Server(line.clone())),
            _ => Err(NatsError::Protocol(line.clone())),
        }
    }

    /// `n` bytes of a message and the CRLF after them.
    async fn body(&mut self, n: usize) -> Result<Vec<u8>, NatsError> {
        let mut body = vec![0; n + 2];
        self.reader.read_exact(&mut body).await?;
        if !body.ends_with(b"\r\n") {
            return Err(NatsError::Protocol("message not followed by CRLF".into()));
        }
        body.truncate(n);
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_take_the_default_port_and_refuse_credentials_in_the_url() {
        assert_eq!(
            address_of("nats://127.0.0.1:4223").unwrap(),
            "127.0.0.1:4223"
        );
        assert_eq!(
            address_of("nats.gov.internal").unwrap(),
            "nats.gov.internal:4222"
        );
        assert!(address_of("nats://relay:secret@nats:4222").is_err());
        assert!(address_of("nats://").is_err());
    }

    #[test]
    fn headers_are_framed_as_the_protocol_wants_and_statuses_read_back() {
        let block = header_block(&[("Nats-Msg-Id", "01J0\r\nX".into())]);
        assert_eq!(block, "NATS/1.0\r\nNats-Msg-Id: 01J0  X\r\n\r\n");
        assert_eq!(status_of(b"NATS/1.0 503\r\n\r\n"), Some(503));
        assert_eq!(status_of(b"NATS/1.0\r\nNats-Msg-Id: a\r\n\r\n"), None);
    }

    #[test]
    fn connect_options_carry_only_the_credentials_given() {
        let token = connect_options(&Credentials {
            token: Some("t".into()),
            ..Credentials::default()
        });
        let v: serde_json::Value = serde_json::from_str(&token).unwrap();
        assert_eq!(v["auth_token"], "t");
        assert!(v.get("user").is_none() && v.get("pass").is_none());
        assert_eq!(v["headers"], true);
        assert_eq!(v["no_responders"], true);
    }
}
