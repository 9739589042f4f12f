//! A loopback static file server for tests (std only; include it with
//! `#[path = ".../common/http.rs"] mod http_server;`).
//!
//! Serves the files of a folder at `http://127.0.0.1:PORT/`, one thread per connection, every
//! answer with `Connection: close`. `GET`/`HEAD` only. Each file gets an `ETag` derived from its
//! contents (`"<hash>-<len>"`); a request whose `If-None-Match` names the current ETag gets
//! `304 Not Modified`. Missing files (and paths with `..`) get `404`. Requests are counted per path,
//! with how many were conditional and how many got 304, so tests can assert revalidation and
//! memoisation. [`Server::cut`] makes the server drop the connection after part of a file's body
//! (headers announce the full length), to simulate an interrupted download.
//!
//! Files are read at request time, so tests may change them between requests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the server saw for one path.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hits {
    /// Requests for the path.
    pub requests: usize,
    /// Of which carried `If-None-Match`.
    pub conditional: usize,
    /// Of which were answered `304 Not Modified`.
    pub not_modified: usize,
}

#[derive(Default)]
struct State {
    hits: HashMap<String, Hits>,
    /// Path → number of body bytes to send before dropping the connection.
    cuts: HashMap<String, usize>,
    /// Path → status line to answer instead (e.g. `500 Internal Server Error`).
    fails: HashMap<String, String>,
}

/// A running server; stopped when dropped.
pub struct Server {
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts serving `root` on a free loopback port.
    pub fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (state, root) = (state.clone(), root.clone());
                    std::thread::spawn(move || handle(conn, &root, &state));
                }
            })
        };
        Server {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing `/`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counts for `path` (e.g. `/ab/cd/name`).
    pub fn hits(&self, path: &str) -> Hits {
        let state = self.state.lock().unwrap();
        state.hits.get(path).cloned().unwrap_or_default()
    }

    /// Every path requested so far with its counts, sorted by path.
    pub fn all_hits(&self) -> Vec<(String, Hits)> {
        let state = self.state.lock().unwrap();
        let mut v: Vec<_> = state
            .hits
            .iter()
            .map(|(k, h)| (k.clone(), h.clone()))
            .collect();
        v.sort();
        v
    }

    /// From now on, answers for `path` send only `bytes` bytes of the body and then drop the
    /// connection.
    pub fn cut(&self, path: &str, bytes: usize) {
        self.state
            .lock()
            .unwrap()
            .cuts
            .insert(path.to_string(), bytes);
    }

    /// From now on, answers every request for `path` with `status` (e.g. `"500 Internal Server
    /// Error"`) and an empty body.
    pub fn fail(&self, path: &str, status: &str) {
        self.state
            .lock()
            .unwrap()
            .fails
            .insert(path.to_string(), status.to_string());
    }

    /// Serves `path` normally again.
    pub fn uncut(&self, path: &str) {
        let mut st = self.state.lock().unwrap();
        st.cuts.remove(path);
        st.fails.remove(path);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The ETag of `bytes` (stable for equal contents).
pub fn etag_of(bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:016x}-{}\"", h.finish(), bytes.len())
}

fn handle(conn: TcpStream, root: &Path, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut if_none_match = None;
    let mut header_bytes = 0usize;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(n) => header_bytes += n,
        }
        if header_bytes > 64 * 1024 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(v.trim().to_string());
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let mut out = conn;
    if method != "GET" && method != "HEAD" {
        respond(&mut out, "405 Method Not Allowed", &[], b"", true);
        return;
    }
    let file = local_file(root, &path);
    let body = file.and_then(|f| std::fs::read(f).ok());
    let (cut, fail, conditional) = {
        let mut st = state.lock().unwrap();
        let cut = st.cuts.get(&path).copied();
        let fail = st.fails.get(&path).cloned();
        let h = st.hits.entry(path.clone()).or_default();
        h.requests += 1;
        if if_none_match.is_some() {
            h.conditional += 1;
        }
        (cut, fail, if_none_match)
    };
    if let Some(status) = fail {
        respond(&mut out, &status, &[], b"", true);
        return;
    }
    let Some(body) = body else {
        respond(
            &mut out,
            "404 Not Found",
            &[],
            b"not found\n",
            method == "GET",
        );
        return;
    };
    let etag = etag_of(&body);
    if conditional.as_deref() == Some(etag.as_str()) {
        state
            .lock()
            .unwrap()
            .hits
            .entry(path)
            .or_default()
            .not_modified += 1;
        respond(&mut out, "304 Not Modified", &[("ETag", &etag)], b"", false);
        return;
    }
    let send = if method == "GET" {
        match cut {
            Some(n) => &body[..n.min(body.len())],
            None => &body[..],
        }
    } else {
        &[][..]
    };
    let len = body.len().to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nETag: {etag}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    );
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(send);
    let _ = out.flush();
    let _ = out.shutdown(Shutdown::Both);
    // Drain whatever the client still sends so the close is clean.
    let _ = reader.read(&mut [0u8; 16]);
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    with_body: bool,
) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        if status.starts_with("304") {
            0
        } else {
            body.len()
        }
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    if with_body {
        let _ = out.write_all(body);
    }
    let _ = out.flush();
    let _ = out.shutdown(Shutdown::Write);
}

/// The file under `root` for a URL path; `None` for `..`, odd characters or anything but a file.
fn local_file(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = decode(url_path)?;
    let mut p = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains('\\') => return None,
            s => p.push(s),
        }
    }
    p.is_file().then_some(p)
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
