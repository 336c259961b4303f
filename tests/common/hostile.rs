//! Hostile servers and hostile answers, for any test of a screen or command that shows what a
//! server sent. A [`Hostile`] server listens on 127.0.0.1 only, answers every request with
//! what the test's handler says (including answers no honest server gives: a body cut off
//! mid-way, a huge body), and records what it was asked. [`ATTACKS`] are the strings every
//! such test should feed in; [`assert_clean`] is what the output must then hold to.
//!
//! Plain threads and `std::net`, no runtime: a test can start one from anywhere, and an answer
//! can be anything at the byte level.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Strings a hostile server puts wherever it may: window title, clear screen, a clipboard
/// write (OSC 52, also nested), C1 CSI, BEL, line breaks, every kind of bidi control, and
/// multi-byte text where ASCII is expected.
pub const ATTACKS: &[&str] = &[
    "\x1b]0;pwned-title\x07",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]52;c;\x1b]52;c;bmVzdGVk\x07\x07",
    "\u{9b}31m",
    "\x07",
    "two\nlines\r\n",
    "\u{61c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}",
    "é…✓",
];

/// All of [`ATTACKS`] in one string, around `inner` (e.g. a secret the server echoes).
pub fn hostile_text(inner: &str) -> String {
    format!("bad{}{inner}{}end", ATTACKS.concat(), ATTACKS.concat())
}

/// Every `Bidi_Control` character (Unicode `PropList.txt`).
pub const BIDI_CONTROLS: &[char] = &[
    '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// What output built from hostile answers must hold to: no control character but the line
/// break, no bidi control, none of `secrets`.
pub fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for c in text.chars() {
        assert!(
            c == '\n' || !c.is_control(),
            "control {c:?} in {what}: {text:?}"
        );
        assert!(
            !BIDI_CONTROLS.contains(&c),
            "bidi {c:?} in {what}: {text:?}"
        );
    }
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} in {what}: {text:?}");
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What to send back.
pub enum Answer {
    /// A status and a JSON (or any) body, sent whole.
    Json(u16, String),
    /// The status line, headers announcing `body.len() + 4096` bytes, then `body` and a
    /// dropped connection: an answer lost after the request left.
    CutOff(u16, String),
    /// A 200 whose JSON body is written as it is produced, `Content-Length` and all: for huge
    /// bodies without holding them in memory twice.
    Stream(Writer),
}

/// Writes a streamed body.
pub type Writer = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

impl Answer {
    pub fn json(status: u16, v: serde_json::Value) -> Answer {
        Answer::Json(status, v.to_string())
    }
}

type Handler = dyn Fn(&Seen) -> Answer + Send + Sync;

/// A server on 127.0.0.1 that answers with the handler's [`Answer`]s.
pub struct Hostile {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    pub fn start(handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = seen.clone();
        // The thread (and the port) lives until the test process ends; tests are short.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, log) = (handler.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        Hostile { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0usize);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let seen = Seen {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        log.lock().unwrap().push(seen.clone());
        let head = |status: u16, len: usize| {
            format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
            )
        };
        match handler(&seen) {
            Answer::Json(status, body) => {
                let out = format!("{}{body}", head(status, body.len()));
                if stream.write_all(out.as_bytes()).is_err() {
                    return;
                }
            }
            Answer::CutOff(status, body) => {
                let out = format!("{}{body}", head(status, body.len() + 4096));
                let _ = stream.write_all(out.as_bytes());
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
            Answer::Stream(write) => {
                // Chunked, so the size need not be known first.
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
                );
                let mut chunked = Chunked(&mut stream);
                let _ = write(&mut chunked);
                let _ = stream.write_all(b"0\r\n\r\n");
            }
        }
    }
}

struct Chunked<'a>(&'a mut TcpStream);

impl Write for Chunked<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        write!(self.0, "{:x}\r\n", buf.len())?;
        self.0.write_all(buf)?;
        self.0.write_all(b"\r\n")?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit 101 is Rust's panic: never acceptable, whatever the server sent.
    pub fn assert_no_panic(&self) -> &Self {
        assert_ne!(self.code, 101, "panicked: {self:?}");
        assert!(!self.stderr.contains("panicked at"), "panicked: {self:?}");
        self
    }

    pub fn assert_clean(&self, secrets: &[&str]) -> &Self {
        assert_clean("stdout", &self.stdout, secrets);
        assert_clean("stderr", &self.stderr, secrets);
        self
    }
}

/// The real binary, with no KMS_* variable or proxy of the test's environment, and its own
/// config directory.
pub fn binary(config_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kms-connect"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("KMS_") || k.to_ascii_lowercase().ends_with("_proxy") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("KMS_CONNECT_CONFIG_DIR", config_dir);
    cmd
}

/// Runs `cmd` with `stdin`, at most 60 s (a hang is a failure, not a wait).
pub fn run(mut cmd: Command, stdin: &str) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn kms-connect");
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kms-connect did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}
