//! Child processes with a timeout that are killed (and reaped) when dropped.
use crate::error::QcError;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The ffmpeg binary: `POSTFLOW_FFMPEG` or `ffmpeg` on PATH.
pub fn ffmpeg_bin() -> String {
    std::env::var("POSTFLOW_FFMPEG").unwrap_or_else(|_| "ffmpeg".into())
}

/// The ffprobe binary: `POSTFLOW_FFPROBE` or `ffprobe` on PATH.
pub fn ffprobe_bin() -> String {
    std::env::var("POSTFLOW_FFPROBE").unwrap_or_else(|_| "ffprobe".into())
}

/// A running child that is killed and reaped on drop, so no error path can leak a process.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
    tool: String,
}

impl ChildGuard {
    pub fn spawn(mut cmd: Command) -> Result<Self, QcError> {
        let tool = cmd.get_program().to_string_lossy().into_owned();
        let child = cmd.spawn().map_err(|cause| QcError::ToolMissing {
            tool: tool.clone(),
            cause,
        })?;
        Ok(ChildGuard { child, tool })
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// Waits for exit, polling so a deadline or a caller's stall check can interrupt it.
    /// `keep_waiting` returning false kills the child and yields `None`.
    pub fn wait_while(&mut self, mut keep_waiting: impl FnMut() -> bool) -> Option<ExitStatus> {
        let mut pause = Duration::from_millis(1);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => {}
                Err(_) => return None,
            }
            if !keep_waiting() {
                self.kill();
                return None;
            }
            std::thread::park_timeout(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// What a finished child printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` to completion with stdout and stderr captured, killing it after `timeout`.
pub fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
    path: &Path,
) -> Result<Output, QcError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(cmd)?;
    let out = guard.child_mut().stdout.take();
    let err = guard.child_mut().stderr.take();
    // Pipes are drained on threads so a chatty child never blocks on a full pipe.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let t_out = drain(out.map(|o| Box::new(o) as Box<dyn Read + Send>));
    let t_err = drain(err.map(|e| Box::new(e) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = guard.wait_while(|| Instant::now() < deadline);
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err(QcError::Timeout {
            path: path.to_path_buf(),
            tool: guard.tool().to_string(),
            seconds: timeout.as_secs(),
        }),
    }
}

/// The last non-empty lines of a tool's stderr, for an error message.
pub fn stderr_tail(stderr: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(stderr);
    let v: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let start = v.len().saturating_sub(lines);
    let s = v[start..].join("; ");
    if s.is_empty() {
        "no message".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hanging_child_is_killed_at_the_timeout() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let r = run_with_timeout(cmd, Duration::from_millis(200), Path::new("x"));
        assert!(matches!(r, Err(QcError::Timeout { .. })));
    }

    #[test]
    fn a_missing_tool_is_a_clear_error() {
        let cmd = Command::new("/nonexistent/ffprobe-postflow");
        let r = run_with_timeout(cmd, Duration::from_secs(5), Path::new("x"));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("install ffmpeg"), "{e}");
    }
}
