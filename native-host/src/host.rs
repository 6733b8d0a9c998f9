//! Host mode: the browser started us. Serve frames on stdin/stdout until EOF.
//!
//! stdout carries frames and nothing else. A panic inside a request is caught and answered as
//! `internal_error` (the panic hook prints only its location to stderr, never its payload).

use std::io::{self, BufReader, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use eproc_a2f_core::protocol::{error_answer, parse_request, ErrorCode, ProtocolError, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES};
use eproc_a2f_core::service::{handle_bytes, Context, Vault};
use eproc_a2f_core::{Lang, Registry};

use crate::config::{self, Caller};
use crate::framing::{read_frame, write_frame, FrameError, Incoming};

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Replaces the default panic output (which includes the payload) with the location only.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let loc = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("eproc-a2f: internal error at {loc}");
    }));
}

/// Keeps keys out of core dumps: no core file, and (Linux) not dumpable nor ptrace-attachable by
/// other processes of the same user that lack CAP_SYS_PTRACE.
pub fn no_core_dumps() {
    #[cfg(unix)]
    // SAFETY: plain system calls with constant arguments; failure leaves the defaults in place.
    unsafe {
        let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::setrlimit(libc::RLIMIT_CORE, &zero);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// One host session over any reader and writer (stdin/stdout in production, buffers in tests).
pub struct Session<'a> {
    pub allowed: bool,
    pub registry: Registry,
    pub vault: &'a mut dyn Vault,
}

impl Session<'_> {
    /// The answer to one request body.
    pub fn answer(&mut self, body: &[u8]) -> Value {
        if !self.allowed {
            let (id, _) = parse_request(body);
            return error_answer(id, &ProtocolError::new(ErrorCode::ForbiddenCaller), Lang::PtBr);
        }
        let ctx = Context {
            registry: &self.registry,
            now_ms: now_ms(),
            lang: Lang::PtBr,
            mode: "native",
            version: eproc_a2f_core::VERSION,
        };
        let vault = &mut *self.vault;
        match catch_unwind(AssertUnwindSafe(|| handle_bytes(vault, &ctx, body))) {
            Ok(v) => v,
            Err(_) => {
                let (id, _) = parse_request(body);
                error_answer(id, &ProtocolError::new(ErrorCode::InternalError), Lang::PtBr)
            }
        }
    }

    /// Serves until EOF. Returns the process exit code.
    pub fn serve(&mut self, input: &mut impl io::Read, output: &mut impl Write) -> i32 {
        loop {
            let answer = match read_frame(input, MAX_REQUEST_BYTES) {
                Ok(Incoming::Eof) => return 0,
                Ok(Incoming::Message(body)) => self.answer(&body),
                Ok(Incoming::TooLarge { len }) => error_answer(
                    Value::Null,
                    &ProtocolError::new(ErrorCode::MessageTooLarge).detail(format!("{len} bytes; the limit is {MAX_REQUEST_BYTES}")),
                    Lang::PtBr,
                ),
                Err(FrameError::Truncated { .. } | FrameError::TruncatedLength) => {
                    eprintln!("eproc-a2f: input ended inside a frame");
                    return 1;
                }
                Err(e) => {
                    eprintln!("eproc-a2f: {e}");
                    return 1;
                }
            };
            let mut bytes = serde_json::to_vec(&answer).unwrap_or_default();
            if bytes.len() > MAX_RESPONSE_BYTES {
                let id = answer.get("id").cloned().unwrap_or(Value::Null);
                let err = ProtocolError::new(ErrorCode::InternalError).detail("answer too large");
                bytes = serde_json::to_vec(&error_answer(id, &err, Lang::PtBr)).unwrap_or_default();
            }
            if let Err(e) = write_frame(output, &bytes, MAX_RESPONSE_BYTES) {
                // The browser went away: nothing more to do.
                eprintln!("eproc-a2f: {e}");
                return 0;
            }
        }
    }
}

/// Windows: the browser connects stdin/stdout to pipes, which Rust's std reads and writes as raw
/// bytes (no `_O_TEXT` CRLF translation: std calls ReadFile/WriteFile, not the C runtime). A
/// console is different: std then converts between UTF-8 and UTF-16 and refuses the binary
/// length prefix of a frame. Someone who starts the host by hand in a console gets this sentence
/// instead of a half-written frame.
#[cfg(windows)]
fn console_instead_of_pipes() -> bool {
    use std::io::IsTerminal;
    if io::stdin().is_terminal() || io::stdout().is_terminal() {
        eprintln!(
            "eproc-a2f: {}",
            crate::cli::lang_from_env().pick(
                "este modo é o do navegador (native messaging, por pipes); no console use os comandos, por exemplo: eproc-a2f --help",
                "this is the browser's mode (native messaging, over pipes); in a console use the commands, e.g. eproc-a2f --help"
            )
        );
        return true;
    }
    false
}

/// Entry point when a browser starts the binary.
pub fn run(caller: Caller) -> i32 {
    quiet_panics();
    no_core_dumps();
    #[cfg(windows)]
    if console_instead_of_pipes() {
        return 2;
    }
    let eff = config::effective();
    for p in &eff.problems {
        eprintln!("eproc-a2f: {p}");
    }
    let allowed = caller.allowed(&eff.extension_ids);
    if !allowed {
        eprintln!("eproc-a2f: refusing caller {:?}", caller.id());
    }
    let (registry, problems) = config::registry(&eff);
    for p in problems {
        eprintln!("eproc-a2f: {p}");
    }
    let dir = config::user_config_dir().unwrap_or_else(|| std::env::temp_dir().join("eproc-a2f-no-home"));
    let mut vault = crate::store::select::open(dir);
    let mut session = Session { allowed, registry, vault: &mut vault };
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut input = BufReader::new(stdin.lock());
    let mut output = BufWriter::new(stdout.lock());
    session.serve(&mut input, &mut output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eproc_a2f_core::MemoryVault;
    use serde_json::json;

    fn frames(msgs: &[&[u8]]) -> Vec<u8> {
        let mut v = Vec::new();
        for m in msgs {
            v.extend_from_slice(&(m.len() as u32).to_ne_bytes());
            v.extend_from_slice(m);
        }
        v
    }

    fn read_answers(mut out: &[u8]) -> Vec<Value> {
        let mut v = Vec::new();
        while let Ok(Incoming::Message(b)) = read_frame(&mut out, usize::MAX) {
            v.push(serde_json::from_slice(&b).unwrap());
        }
        v
    }

    #[test]
    fn forbidden_callers_get_only_errors() {
        let mut vault = MemoryVault::default();
        let mut s = Session { allowed: false, registry: Registry::builtin(), vault: &mut vault };
        let input = frames(&[br#"{"id":5,"type":"hello"}"#]);
        let mut out = Vec::new();
        assert_eq!(s.serve(&mut &input[..], &mut out), 0);
        let a = read_answers(&out);
        assert_eq!(a[0], json!({"id":5,"ok":false,"error":a[0]["error"].clone()}));
        assert_eq!(a[0]["error"]["code"], json!("forbidden_caller"));
    }

    #[test]
    fn bad_frames_get_errors_and_the_stream_continues() {
        let mut vault = MemoryVault::default();
        let mut s = Session { allowed: true, registry: Registry::builtin(), vault: &mut vault };
        let big = vec![b' '; MAX_REQUEST_BYTES + 1];
        let input = frames(&[b"", b"\xff", &big, br#"{"id":1,"type":"hello"}"#]);
        let mut out = Vec::new();
        assert_eq!(s.serve(&mut &input[..], &mut out), 0);
        let a = read_answers(&out);
        let codes: Vec<_> = a.iter().map(|x| x["error"]["code"].clone()).collect();
        assert_eq!(codes[..3], [json!("invalid_json"), json!("invalid_json"), json!("message_too_large")]);
        assert_eq!(a[3]["ok"], json!(true));
        assert_eq!(a[3]["protocol"], json!(1));
    }

    #[test]
    fn truncated_frame_ends_with_status_1() {
        let mut vault = MemoryVault::default();
        let mut s = Session { allowed: true, registry: Registry::builtin(), vault: &mut vault };
        let mut input = 100u32.to_ne_bytes().to_vec();
        input.extend_from_slice(b"{\"id\"");
        let mut out = Vec::new();
        assert_eq!(s.serve(&mut &input[..], &mut out), 1);
        assert!(out.is_empty());
    }
}
