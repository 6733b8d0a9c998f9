//! Issue 10 on the real Secret Service: codes at the court's clock, refused codes that stop the
//! product across processes, replaced keys kept until a login succeeds, and the files the CLI
//! writes (exports 0600, folders 0700).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};

const KEY_B32: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";
const NEW_KEY: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn keyring_has(name: &str) -> Option<String> {
    let out = Command::new("secret-tool").args(["lookup", "service", "eproc-a2f", "username", name]).output().expect("secret-tool");
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty()).then_some(v)
}

fn clear(name: &str) {
    let _ = Command::new("secret-tool").args(["clear", "service", "eproc-a2f", "username", name]).status();
}

fn clear_account(user: &str) {
    for suffix in ["", "#replaced", "#swap"] {
        clear(&format!("trf4:{user}{suffix}"));
    }
}

#[test]
fn courts_ahead_and_behind_get_codes_valid_by_their_clocks_and_doctor_says_so() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = env.host(&chrome_caller());
    // One account per court clock: the steps an account used are in its court's time.
    for (i, offset) in [150_000i64, -150_000].into_iter().enumerate() {
        let u = env.user(&format!("CLK{i}"));
        // The enrollment's confirmation code is the court's too (and so is the step it claims).
        let e = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": u, "secret": KEY, "clock_offset_ms": offset}));
        assert_eq!(e["ok"], json!(true), "{e}");
        assert_eq!(e["code"].as_str().unwrap(), oathtool(KEY_B32, e["step"].as_u64().unwrap() * 30, 6, "sha1"));
        assert!(e["step"].as_u64().unwrap().abs_diff(now_ms().saturating_add_signed(offset) / 30_000) <= 1, "{e}");
        let before = now_ms().saturating_add_signed(offset);
        let c = h.ask(json!({"id": 10 + i, "type": "code", "url": TRF4, "user": u, "clock_offset_ms": offset}));
        let after = now_ms().saturating_add_signed(offset);
        assert_eq!(c["ok"], json!(true), "{c}");
        assert_eq!(c["clock_offset_ms"], json!(offset));
        let step = c["step"].as_u64().unwrap();
        // The step is the court's: its current one, or a later one after the enrollment's step
        // (which may itself be the next, in a step's last 5 s).
        assert!(step >= before / 30_000 && step <= after / 30_000 + 2, "{offset}: step {step} at court {before}..{after}");
        assert!(step > e["step"].as_u64().unwrap());
        assert_eq!(c["code"].as_str().unwrap(), oathtool(KEY_B32, step * 30, 6, "sha1"), "{offset}");
        // Its wait and validity are in court time.
        let start = step * 30_000;
        let wait = c["wait_ms"].as_u64().unwrap();
        assert!(wait <= start.saturating_sub(before) && wait + 50 >= start.saturating_sub(after), "{offset}: {c}");
    }
    let bad = h.ask(json!({"id": 20, "type": "code", "url": TRF4, "user": env.user("CLK0"), "clock_offset_ms": -600_001}));
    assert_eq!((&bad["error"]["code"], &bad["error"]["reason"]), (&json!("invalid_request"), &json!("clock_offset_out_of_range")), "{bad}");
    h.finish();
    // The last offset is kept for doctor, which tells it in pt-BR (and English by locale).
    let clock: Value = serde_json::from_slice(&std::fs::read(env.config_dir().join("clock.json")).unwrap()).unwrap();
    assert_eq!(clock["trf4"]["offset_ms"], json!(-150_000), "{clock}");
    let o = env.cli(&["doctor", "--json"], None);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stdout)));
    let line = report["checks"].as_array().unwrap().iter().find(|c| c["check"] == json!("clock")).expect("a clock line").clone();
    let msg = line["message"].as_str().unwrap();
    assert!(msg.starts_with("o relógio deste computador está 150 s adiantado em relação ao TRF4 (visto em "), "{msg}");
    let o = env.cmd().args(["doctor"]).env("LANG", "en_US.UTF-8").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("this computer's clock is 150 s ahead of TRF4's (seen on "), "{text}");
    clear_account(&env.user("CLK0"));
    clear_account(&env.user("CLK1"));
}

#[test]
fn a_refused_code_is_remembered_by_the_next_host_a_restart_does_not_start_the_loop_again() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("REJ");
    let mut h = env.host(&chrome_caller());
    assert_eq!(h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": u, "secret": KEY}))["ok"], json!(true));
    let c = h.ask(json!({"id": 2, "type": "code", "url": TRF4, "user": u}));
    assert_eq!(c["rejection"], Value::Null, "{c}");
    let r = h.ask(json!({"id": 3, "type": "login_result", "url": TRF4, "user": u, "outcome": "rejected", "step": c["step"]}));
    assert_eq!((&r["rejection"]["count"], &r["rejection"]["fill"], &r["rejection"]["auto_submit"]), (&json!(1), &json!(true), &json!(false)), "{r}");
    h.finish();

    // The browser restarts the host: the next one knows, and hands out one more code, no auto-submit.
    let mut h = env.host(&chrome_caller());
    let c = h.ask(json!({"id": 4, "type": "code", "url": TRF4, "user": u}));
    assert_eq!((&c["ok"], &c["rejection"]["count"], &c["rejection"]["auto_submit"]), (&json!(true), &json!(1), &json!(false)), "{c}");
    let r = h.ask(json!({"id": 5, "type": "login_result", "url": TRF4, "user": u, "outcome": "rejected", "step": c["step"]}));
    assert_eq!(r["rejection"]["fill"], json!(false), "{r}");
    h.finish();

    // A third host refuses to hand out a code, and claims no step for it.
    let steps_before = std::fs::read(env.config_dir().join("steps.json")).unwrap();
    let mut h = env.host(&chrome_caller());
    let w = h.ask(json!({"id": 6, "type": "code", "url": TRF4, "user": u}));
    assert_eq!(w["error"]["code"], json!("code_withheld"), "{w}");
    assert_eq!(w["error"]["rejections"], json!(2));
    assert!(w["error"]["message"].as_str().unwrap().contains("relógio"), "{w}");
    assert_eq!(std::fs::read(env.config_dir().join("steps.json")).unwrap(), steps_before, "no step claimed");
    let a = h.ask(json!({"id": 7, "type": "accounts"}));
    assert_eq!(a["accounts"][0]["rejection"]["count"], json!(2), "{a}");
    let p = h.ask(json!({"id": 8, "type": "code", "authenticator": "trf4", "user": u, "peek": true}));
    assert_eq!(p["ok"], json!(true), "the popup still shows the code: {p}");
    h.finish();
    let list = String::from_utf8_lossy(&env.cli(&["list"], None).stdout).into_owned();
    assert!(list.contains("o tribunal recusou 2 códigos"), "{list}");
    let doctor = String::from_utf8_lossy(&env.cli(&["doctor"], None).stdout).into_owned();
    assert!(doctor.contains("o tribunal recusou 2 código(s) seguido(s); preenchimento suspenso até "), "{doctor}");
    // A login by hand succeeded: codes again.
    let mut h = env.host(&chrome_caller());
    let r = h.ask(json!({"id": 9, "type": "login_result", "authenticator": "trf4", "user": u, "outcome": "accepted"}));
    assert_eq!(r["rejection"], Value::Null, "{r}");
    assert_eq!(h.ask(json!({"id": 10, "type": "code", "url": TRF4, "user": u}))["ok"], json!(true));
    h.finish();
    clear_account(&u);
}

#[test]
fn a_replaced_key_stays_in_the_keyring_until_a_login_with_the_new_one_succeeds() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("REPL");
    env.add("trf4", &u, KEY);
    let o = env.cli(&["add", "trf4", "--user", &u, "--secret-stdin", "--replace"], Some(NEW_KEY));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(said.contains("A chave anterior continua guardada até que um login com a chave nova dê certo"), "{said}");
    let kept = keyring_has(&format!("trf4:{u}#replaced")).expect("the previous key is kept in the keyring");
    assert!(kept.contains(KEY_B32), "{kept}");
    let list = String::from_utf8_lossy(&env.cli(&["list"], None).stdout).into_owned();
    assert!(list.contains("chave anterior guardada"), "{list}");
    // restore: back to the old key; the new one is kept instead.
    let o = env.cli(&["restore", "trf4", "--user", &u], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let code = String::from_utf8_lossy(&env.cli(&["code", "trf4", "--user", &u, "--time", "1234567890"], None).stdout).trim().to_owned();
    assert_eq!(code, oathtool(KEY_B32, 1234567890, 6, "sha1"));
    assert!(keyring_has(&format!("trf4:{u}#replaced")).unwrap().contains(NEW_KEY));
    assert!(keyring_has(&format!("trf4:{u}#swap")).is_none());
    // A successful login drops the kept key.
    let mut h = env.host(&chrome_caller());
    let r = h.ask(json!({"id": 1, "type": "login_result", "url": TRF4, "user": u, "outcome": "accepted"}));
    assert_eq!(r["replaced_dropped"], json!(true), "{r}");
    let r = h.ask(json!({"id": 2, "type": "restore", "authenticator": "trf4", "user": u}));
    assert_eq!(r["error"]["code"], json!("nothing_to_restore"), "{r}");
    let a = h.ask(json!({"id": 3, "type": "accounts"}));
    assert_eq!(a["accounts"][0]["replaced_kept"], json!(false), "{a}");
    h.finish();
    assert!(keyring_has(&format!("trf4:{u}#replaced")).is_none());
    // Removing the account takes a kept key with it.
    let o = env.cli(&["add", "trf4", "--user", &u, "--secret-stdin", "--replace"], Some(NEW_KEY));
    assert!(o.status.success());
    assert!(keyring_has(&format!("trf4:{u}#replaced")).is_some());
    let o = env.cli(&["remove", "trf4", "--user", &u, "--yes"], None);
    assert!(o.status.success());
    assert!(keyring_has(&format!("trf4:{u}")).is_none() && keyring_has(&format!("trf4:{u}#replaced")).is_none());
}

#[cfg(unix)]
#[test]
fn export_output_is_a_new_private_file_and_never_follows_a_link() {
    use std::os::unix::fs::PermissionsExt;
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("EXP");
    env.add("trf4", &u, KEY);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // An existing world-readable file ends 0600 with the keys in it.
    let out = env.dir.path().join("backup.txt");
    std::fs::write(&out, b"old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = env.cli(&["export", "--output", out.to_str().unwrap(), "--yes"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&out), 0o600);
    assert!(std::fs::read_to_string(&out).unwrap().contains(KEY_B32));
    // A symbolic link is refused and its target untouched.
    let target = env.dir.path().join("target.txt");
    std::fs::write(&target, b"keep").unwrap();
    let link = env.dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = env.cli(&["export", "--output", link.to_str().unwrap(), "--yes"], None);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("link simbólico"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    // No temporary file is left next to it.
    let litter: Vec<_> = std::fs::read_dir(env.dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with(".eproc-a2f-")).collect();
    assert!(litter.is_empty());
    clear_account(&u);
}

#[cfg(unix)]
#[test]
fn the_config_folder_is_private_whoever_creates_it() {
    use std::os::unix::fs::PermissionsExt;
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // `install --extension-id` writes the user's config.json: the folder it creates is 0700 too.
    let manifests = env.dir.path().join("manifests");
    let o = env.cli(&["install", "--dir", manifests.to_str().unwrap(), "--extension-id", "abcdefghijklmnopabcdefghijklmnop"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(mode(&env.config_dir()), 0o700);
    assert_eq!(mode(&env.config_dir().join("config.json")) & 0o077, 0);
    // A folder an older version (or mkdir) left 0755 is made private on first use.
    std::fs::set_permissions(env.config_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let u = env.user("DIR");
    env.add("trf4", &u, KEY);
    assert_eq!(mode(&env.config_dir()), 0o700);
    clear_account(&u);
}
