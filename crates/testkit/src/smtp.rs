//! A real SMTP server for the mail tests: `aiosmtpd` from PyPI (in `target/venv-aiosmtpd`)
//! listening on 127.0.0.1, storing what it receives in a Maildir; the messages are read back
//! with Python's `email` package, so headers and bodies come decoded as a mail client sees them.
use crate::python;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (nothing listens on it when this returns).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One received message, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub content_type: String,
    pub body: String,
}

/// A running `aiosmtpd`; killed on drop.
pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    python: PathBuf,
    child: Child,
}

fn python() -> PathBuf {
    python::venv_python("aiosmtpd", &["aiosmtpd==1.4.6"])
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    /// Starts a server on `port` and waits (up to 30 s) until it accepts connections.
    pub fn start_on(port: u16) -> SmtpServer {
        let python = python();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let mut server = SmtpServer {
            port,
            dir,
            python,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("aiosmtpd on port {port} exited: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// Every message received so far, in the order they arrived.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        read_maildir(&self.python, &self.maildir())
    }

    /// Waits (up to 30 s) until at least `n` messages have arrived, and returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} mails, the SMTP server has {}: {got:#?}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const READ: &str = r#"
import email, email.policy, json, mailbox, os, sys
d = sys.argv[1]
out = []
if os.path.isdir(os.path.join(d, "new")):
    box = mailbox.Maildir(d, create=False)
    keyed = []
    for key in box.keys():
        path = os.path.join(d, "new", key)
        if not os.path.exists(path):
            path = os.path.join(d, "cur", key)
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        keyed.append((os.stat(path).st_mtime_ns, key, m))
    keyed.sort(key=lambda t: (t[0], t[1]))
    for _, _, m in keyed:
        body = m.get_body(preferencelist=("plain",))
        out.append({
            "from": str(m["From"] or ""),
            "to": str(m["To"] or ""),
            "subject": str(m["Subject"] or ""),
            "content_type": m.get_content_type(),
            "body": body.get_content() if body is not None else "",
        })
print(json.dumps(out, ensure_ascii=False))
"#;

fn read_maildir(python: &Path, dir: &Path) -> Vec<ReceivedMail> {
    let text = python::run(python, READ, &[dir.to_str().unwrap()]);
    parse(&text)
}

/// The script prints a JSON list of objects with string fields; read it without a JSON crate.
fn parse(text: &str) -> Vec<ReceivedMail> {
    let mut fields = Vec::new();
    let mut chars = text.trim().chars().peekable();
    let mut current: Option<String> = None;
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '"' => {
                    in_string = false;
                    fields.push(current.take().unwrap());
                }
                '\\' => {
                    let s = current.as_mut().unwrap();
                    match chars.next() {
                        Some('n') => s.push('\n'),
                        Some('r') => s.push('\r'),
                        Some('t') => s.push('\t'),
                        Some('u') => {
                            let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                            let code = u32::from_str_radix(&hex, 16).unwrap();
                            s.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        Some(other) => s.push(other),
                        None => {}
                    }
                }
                other => current.as_mut().unwrap().push(other),
            }
        } else if c == '"' {
            in_string = true;
            current = Some(String::new());
        }
    }
    // Key, value pairs in the order the script writes them: five per message.
    fields
        .chunks(10)
        .map(|f| {
            let get = |k: &str| {
                f.chunks(2)
                    .find(|kv| kv[0] == k)
                    .map(|kv| kv[1].clone())
                    .unwrap_or_default()
            };
            ReceivedMail {
                from: get("from"),
                to: get("to"),
                subject: get("subject"),
                content_type: get("content_type"),
                body: get("body"),
            }
        })
        .collect()
}
