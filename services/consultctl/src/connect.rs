//! Where the server is and who we are: flags, then environment, then the settings file, and a
//! channel that adds the bearer token to every call.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tonic::Request;
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::cli::Global;
use crate::error::CliError;

/// The default server: a development `consultd` on this machine.
pub(crate) const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

/// Largest message accepted: full feedback reports of tens of thousands of comments.
pub(crate) const MAX_MESSAGE: usize = 512 * 1024 * 1024;

/// The settings file, `~/.config/consult/consultctl.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    server: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
}

/// Resolved connection settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) server: String,
    pub(crate) token: Option<String>,
    pub(crate) ca_cert: Option<PathBuf>,
}

fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("consult").join("consultctl.toml"))
}

fn read_settings(path: &Path, explicit: bool) -> Result<FileSettings, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| CliError::Usage(format!("配置文件 {} 有误：{e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            Ok(FileSettings::default())
        }
        Err(e) => Err(CliError::io(path, e)),
    }
}

impl Settings {
    /// Flags and environment first (clap merged those), then the file.
    pub(crate) fn resolve(global: &Global) -> Result<Self, CliError> {
        let (file, base) = match (&global.config, default_config_path()) {
            (Some(p), _) => (read_settings(p, true)?, p.parent().map(Path::to_path_buf)),
            (None, Some(p)) => (read_settings(&p, false)?, p.parent().map(Path::to_path_buf)),
            (None, None) => (FileSettings::default(), None),
        };
        let relative = |p: PathBuf| match &base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p,
        };
        let token = match (&global.token, file.token, file.token_file) {
            (Some(t), _, _) => Some(t.clone()),
            (None, Some(t), _) => Some(t),
            (None, None, Some(f)) => {
                let f = relative(f);
                let t = std::fs::read_to_string(&f).map_err(|e| CliError::io(&f, e))?;
                Some(t.trim().to_owned())
            }
            (None, None, None) => None,
        };
        Ok(Settings {
            server: global
                .server
                .clone()
                .or(file.server)
                .unwrap_or_else(|| DEFAULT_SERVER.to_owned()),
            token: token.filter(|t| !t.is_empty()),
            ca_cert: global.ca_cert.clone().or(file.ca_cert.map(relative)),
        })
    }

    /// Connects; TLS for `https://` addresses.
    pub(crate) async fn connect(&self) -> Result<Connection, CliError> {
        let url = if self.server.contains("://") {
            self.server.clone()
        } else {
            format!("http://{}", self.server)
        };
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| CliError::Usage(format!("服务地址 {url} 无效：{e}")))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(300));
        if url.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_native_roots();
            if let Some(ca) = &self.ca_cert {
                let pem = std::fs::read(ca).map_err(|e| CliError::io(ca, e))?;
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| CliError::Usage(format!("TLS 设置有误：{e}")))?;
        }
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| CliError::Unreachable {
                server: url.clone(),
                reason: error_chain(&e),
            })?;
        let token = match &self.token {
            Some(t) => Some(MetadataValue::try_from(format!("Bearer {t}")).map_err(|_| {
                CliError::Usage("令牌含有不允许的字符 (token is not ASCII)".into())
            })?),
            None => None,
        };
        Ok(Connection {
            channel,
            token,
            server: url,
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// An open channel and the credential to send on it.
#[derive(Clone)]
pub(crate) struct Connection {
    pub(crate) channel: Channel,
    token: Option<MetadataValue<tonic::metadata::Ascii>>,
    pub(crate) server: String,
}

impl Connection {
    /// A request carrying the bearer token.
    pub(crate) fn request<T>(&self, message: T) -> Request<T> {
        let mut r = Request::new(message);
        if let Some(t) = &self.token {
            r.metadata_mut().insert("authorization", t.clone());
        }
        r
    }
}
