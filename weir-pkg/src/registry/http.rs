//! HTTP for registries (ureq, rustls): conditional GETs of index files and streaming downloads
//! of archives. Every failure is a `PkgError` naming the URL and saying what went wrong
//! ("cannot reach registry http://...: connection refused", "... answered 500 Internal Server
//! Error"). A body cut short (connection dropped before `Content-Length` bytes) is an error, never
//! a short result.

use std::io::{self, Read, Write};
use std::time::Duration;

use crate::PkgError;

/// Index files larger than this are refused.
const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;
/// Archives larger than this are refused.
const MAX_ARCHIVE_BYTES: u64 = 1024 * 1024 * 1024;

/// The answer to a GET.
pub(super) enum Got {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    /// 304: the cached copy is current.
    NotModified,
    /// 404 or 410.
    NotFound,
}

pub(super) struct Client {
    agent: ureq::Agent,
}

impl Client {
    pub(super) fn new() -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("weir/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client { agent }
    }

    /// GET `url`, with `If-None-Match: etag` when given.
    pub(super) fn get(&self, url: &str, etag: Option<&str>) -> Result<Got, PkgError> {
        let mut req = self.agent.get(url);
        if let Some(tag) = etag {
            req = req.header("If-None-Match", tag);
        }
        let mut resp = req.call().map_err(|e| transport_error(url, &e))?;
        match resp.status().as_u16() {
            200 => {
                let etag = resp
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let bytes = resp
                    .body_mut()
                    .with_config()
                    .limit(MAX_INDEX_BYTES)
                    .read_to_vec()
                    .map_err(|e| {
                        PkgError::msg(format!("download of {url} was interrupted: {}", why(&e)))
                    })?;
                Ok(Got::Body { bytes, etag })
            }
            304 => Ok(Got::NotModified),
            404 | 410 => Ok(Got::NotFound),
            _ => Err(status_error(url, resp.status())),
        }
    }

    /// Streams the body of `url` into `out`; 404 and other statuses are errors.
    pub(super) fn download(&self, url: &str, out: &mut impl Write) -> Result<(), PkgError> {
        let mut resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| transport_error(url, &e))?;
        match resp.status().as_u16() {
            200 => {}
            404 | 410 => {
                return Err(PkgError::msg(format!(
                    "the archive {url} is missing from the registry (HTTP {})",
                    resp.status()
                ))
                .with_detail("the registry's index lists a version whose archive is not there"))
            }
            _ => return Err(status_error(url, resp.status())),
        }
        let mut reader = resp
            .body_mut()
            .with_config()
            .limit(MAX_ARCHIVE_BYTES)
            .reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(PkgError::msg(format!(
                        "download of {url} was interrupted: {}",
                        describe_io(&e)
                    )))
                }
            };
            out.write_all(&buf[..n])
                .map_err(|e| PkgError::msg(format!("cannot store the download of {url}: {e}")))?;
        }
    }
}

fn status_error(url: &str, status: ureq::http::StatusCode) -> PkgError {
    PkgError::msg(format!(
        "registry request {url} failed: the server answered HTTP {status}"
    ))
}

fn transport_error(url: &str, e: &ureq::Error) -> PkgError {
    PkgError::msg(format!("cannot reach registry {url}: {}", why(e)))
}

fn why(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => describe_io(io),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        other => other.to_string(),
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::ConnectionReset => "connection reset by the server".to_string(),
        io::ErrorKind::UnexpectedEof => {
            "the connection closed before the end of the data".to_string()
        }
        _ => e.to_string(),
    }
}
