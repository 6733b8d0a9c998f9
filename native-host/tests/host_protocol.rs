//! The built host, spoken to in frames as a browser does, on the real Secret Service.

mod common;

use common::*;
use serde_json::json;

#[test]
fn hello_reports_protocol_and_store() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host(&chrome_caller());
    let a = h.ask(json!({"id": 1, "type": "hello"}));
    assert_eq!(a["ok"], json!(true), "{a}");
    assert_eq!(a["protocol"], json!(1));
    assert_eq!(a["mode"], json!("native"));
    assert_eq!(a["store"]["state"], json!("ok"), "{a}");
    assert_eq!(a["store"]["backend"], json!(backend()));
    let (code, rest, _) = h.finish();
    assert_eq!(code, 0);
    assert!(rest.is_empty(), "nothing but frames on stdout");
}

#[test]
fn enroll_then_code_through_frames_and_on_sister_courts() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let user = env.user("RS1");
    let mut h = env.host(&chrome_caller());
    let e = h.ask(json!({"id": "e", "type": "enroll", "url": TRF4, "user": user, "secret": KEY}));
    assert_eq!(e["ok"], json!(true), "{e}");
    assert_eq!(e["id"], json!("e"));
    assert_eq!(e["outcome"], json!("created"));
    assert_eq!(e["code"].as_str().unwrap().len(), 6);
    // Same key from the JFPR SSO page, by user name; next step since enroll used the current one.
    let c = h.ask(json!({"id": 2, "type": "code", "url": "https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?client_id=eproc.jfpr.jus.br", "user": user.to_lowercase()}));
    assert_eq!(c["ok"], json!(true), "{c}");
    assert_eq!(c["authenticator"], json!("trf4"));
    assert_eq!(c["system"], json!("jfpr"));
    assert_ne!(c["code"], e["code"]);
    assert_eq!(c["step"].as_u64().unwrap(), e["step"].as_u64().unwrap() + 1);
    // The code matches oathtool's for that step.
    let t = c["step"].as_u64().unwrap() * 30;
    assert_eq!(c["code"].as_str().unwrap(), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", t, 6, "sha1"));
    // Accounts never carry the key.
    let a = h.ask(json!({"id": 3, "type": "accounts", "url": "https://eproc.jfsc.jus.br/eprocV2/"}));
    let text = a.to_string();
    assert!(text.contains(&user) && !text.contains("MMZD"), "{text}");
    // A label is set and shows in the account list.
    let l = h.ask(json!({"id": 30, "type": "label", "authenticator": "trf4", "user": user, "label": "Escritório Centro"}));
    assert_eq!(l["ok"], json!(true), "{l}");
    let a = h.ask(json!({"id": 31, "type": "accounts"}));
    assert!(a["accounts"].as_array().unwrap().iter().any(|x| x["label"] == json!("Escritório Centro")), "{a}");
    // Remove needs confirm.
    let r = h.ask(json!({"id": 4, "type": "remove", "authenticator": "trf4", "user": user}));
    assert_eq!(r["error"]["code"], json!("confirm_required"));
    let r = h.ask(json!({"id": 5, "type": "remove", "authenticator": "trf4", "user": user, "confirm": true}));
    assert_eq!(r["ok"], json!(true), "{r}");
    let (code, rest, _) = h.finish();
    assert_eq!((code, rest.len()), (0, 0));
}

#[test]
fn unknown_callers_are_refused() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host("chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/");
    let a = h.ask(json!({"id": 9, "type": "hello"}));
    assert_eq!(a["error"]["code"], json!("forbidden_caller"), "{a}");
    assert_eq!(a["id"], json!(9));
    h.finish();
    // Firefox-style invocation with a foreign add-on id.
    let mut c = env.cmd();
    c.args(["/tmp/io.github.eproc_a2f.json", "evil@example.com"]);
    let mut h = Host { child: c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap() };
    assert_eq!(h.ask(json!({"id": 1, "type": "hello"}))["error"]["code"], json!("forbidden_caller"));
    h.finish();
    // Our own Firefox add-on id is welcome.
    let mut c = env.cmd();
    c.args(["/tmp/io.github.eproc_a2f.json", "eproc-a2f@eproc-a2f.github.io"]);
    let mut h = Host { child: c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap() };
    assert_eq!(h.ask(json!({"id": 1, "type": "hello"}))["ok"], json!(true));
    h.finish();
}

#[test]
fn ids_added_by_install_are_answered() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let firm = "abcdefghijklmnopabcdefghijklmnop";
    let dir = env.dir.path().join("nmh");
    let o = env.cli(&["install", "--browser", "chromium", "--dir", dir.to_str().unwrap(), "--extension-id", firm], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("io.github.eproc_a2f.json")).unwrap()).unwrap();
    assert_eq!(manifest["path"], json!(host_path_as_written()));
    assert!(manifest["allowed_origins"].to_string().contains(firm));
    let mut h = env.host(&format!("chrome-extension://{firm}/"));
    assert_eq!(h.ask(json!({"id": 1, "type": "hello"}))["ok"], json!(true));
    h.finish();
}

#[test]
fn every_bad_input_gets_its_error_and_the_host_survives() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host(&chrome_caller());
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", "invalid_json"),
        (b"\xff\xfe\xfd", "invalid_json"),
        (b"{\"id\":1,", "invalid_json"),
        (b"[]", "invalid_request"),
        (b"{\"id\":1}", "invalid_request"),
        (b"{\"id\":1,\"type\":\"steal_keys\"}", "unknown_type"),
        (b"{\"id\":1,\"type\":\"code\",\"url\":7}", "invalid_request"),
        (b"{\"id\":1,\"type\":\"enroll\",\"url\":\"x\"}", "invalid_request"),
        (b"{\"id\":1,\"type\":\"code\",\"url\":\"http://eproc.trf4.jus.br/eproc2trf4/\"}", "unknown_site"),
        (b"{\"id\":1,\"type\":\"code\",\"url\":\"https://eproc.trf4.jus.br.evil.example/eproc2trf4/\"}", "unknown_site"),
        (b"{\"id\":1,\"type\":\"code\",\"url\":\"https://eproc.trf4.jus.br:444/eproc2trf4/\"}", "unknown_site"),
        (b"{\"id\":1,\"type\":\"code\",\"url\":\"https://eproc.trf4.jus.br/eproc2trf4/\"}", "no_account"),
        (b"{\"id\":1,\"type\":\"enroll\",\"url\":\"https://eproc.trf4.jus.br/eproc2trf4/\",\"user\":\"u\",\"secret\":\"MMZD 1MRU\"}", "invalid_key"),
        (b"{\"id\":1,\"type\":\"enroll\",\"url\":\"https://tj-nowhere.jus.br/eproc/\",\"user\":\"u\",\"secret\":\"MMZDIMRUGZRGCNRQ\"}", "unknown_site"),
        (b"{\"id\":1,\"type\":\"remove\",\"authenticator\":\"trf4\",\"user\":\"nobody\"}", "confirm_required"),
        (b"{\"id\":1,\"type\":\"remove\",\"authenticator\":\"trf4\",\"user\":\"nobody\",\"confirm\":true}", "unknown_account"),
    ];
    for (body, code) in &cases {
        h.send_raw(&frame(body));
        let a = h.recv();
        assert_eq!(a["ok"], json!(false), "{}: {a}", String::from_utf8_lossy(body));
        assert_eq!(a["error"]["code"], json!(code), "{}: {a}", String::from_utf8_lossy(body));
        assert!(a["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Huge string fields.
    let huge = json!({"id": 1, "type": "code", "url": format!("https://eproc.trf4.jus.br/eproc2trf4/{}", "a".repeat(20_000))});
    assert_eq!(h.ask(huge)["error"]["code"], json!("invalid_request"));
    // Oversized frame: refused, and the stream stays in sync.
    let big = vec![b'x'; 1024 * 1024 + 1];
    h.send_raw(&frame(&big));
    assert_eq!(h.recv()["error"]["code"], json!("message_too_large"));
    assert_eq!(h.ask(json!({"id": 2, "type": "hello"}))["ok"], json!(true));
    let (code, rest, stderr) = h.finish();
    assert_eq!(code, 0);
    assert!(rest.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn oversized_length_prefix_without_body_ends_cleanly() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host(&chrome_caller());
    h.send_raw(&u32::MAX.to_ne_bytes());
    let (code, rest, stderr) = h.finish();
    assert_eq!(code, 1, "truncated frame ends with status 1");
    // The skipped body never arrived: no answer, no panic.
    assert!(rest.is_empty() || rest.len() > 4);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn truncated_frame_exits_without_writing() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host(&chrome_caller());
    let mut bytes = 50u32.to_ne_bytes().to_vec();
    bytes.extend_from_slice(b"{\"id\":1");
    h.send_raw(&bytes);
    let (code, rest, stderr) = h.finish();
    assert_eq!(code, 1);
    assert!(rest.is_empty());
    assert!(!stderr.contains("panicked"));
}

#[test]
fn several_accounts_and_user_choice() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let (a, b) = (env.user("A"), env.user("B"));
    env.add("trf2", &a, KEY);
    env.add("trf2", &b, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    let mut h = env.host(&chrome_caller());
    let url = "https://eproc.trf2.jus.br/eproc/index.php";
    let c = h.ask(json!({"id": 1, "type": "code", "url": url}));
    assert_eq!(c["error"]["code"], json!("choose_account"), "{c}");
    assert_eq!(c["error"]["accounts"].as_array().unwrap().len(), 2);
    let c = h.ask(json!({"id": 2, "type": "code", "url": url, "user": b}));
    assert_eq!(c["user"], json!(b));
    // A different key for an existing account is refused without replace, and nothing changes.
    let e = h.ask(json!({"id": 3, "type": "enroll", "url": url, "user": a, "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}));
    assert_eq!(e["error"]["code"], json!("key_exists"));
    let p = h.ask(json!({"id": 4, "type": "code", "authenticator": "trf2", "user": a, "peek": true}));
    let t = p["step"].as_u64().unwrap() * 30;
    assert_eq!(p["code"].as_str().unwrap(), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", t, 6, "sha1"));
    h.finish();
}

#[test]
fn no_secret_service_is_a_clear_error() {
    // Credential Manager has no service to stop: nothing to prove under Wine.
    if !keyring_session() || under_wine() {
        return;
    }
    let env = Env::new();
    env.add("tnu", &env.user("x"), KEY);
    let mut c = env.cmd();
    c.arg(chrome_caller()).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let mut h = Host { child: c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap() };
    let a = h.ask(json!({"id": 1, "type": "code", "url": "https://eproctnu.cjf.jus.br/eproc/"}));
    assert_eq!(a["error"]["code"], json!("keyring_unavailable"), "{a}");
    assert!(a["error"]["message"].as_str().unwrap().contains("gnome-keyring"));
    let hello = h.ask(json!({"id": 2, "type": "hello"}));
    assert_eq!(hello["store"]["state"], json!("unavailable"));
    let (code, _, stderr) = h.finish();
    assert_eq!(code, 0);
    assert!(!stderr.contains("panicked"));
}

#[test]
fn corrupted_index_loses_nothing_and_doctor_rebuilds_it() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("C");
    env.add("jfrj", &u, KEY);
    let index = env.config_dir().join("index.json");
    std::fs::write(&index, b"{\"version\":1,\"accounts\":[{\"authen").unwrap();
    let mut h = env.host(&chrome_caller());
    let a = h.ask(json!({"id": 1, "type": "code", "url": "https://eproc.jfrj.jus.br/eproc/"}));
    assert_eq!(a["error"]["code"], json!("index_corrupt"), "{a}");
    h.finish();
    // The corrupted file was not overwritten.
    assert!(std::fs::read(&index).unwrap().ends_with(b"authen"));
    let o = env.cli(&["doctor", "--repair"], None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("reconstruído"), "{out}");
    let o = env.cli(&["code", "jfrj", "--user", &u, "--time", "1111111109"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", 1111111109, 6, "sha1"));
    // The corrupted file is kept aside.
    assert!(std::fs::read_dir(env.config_dir()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with("index.json.corrupt-")));
}
