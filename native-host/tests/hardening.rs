//! Hardening on the real Secret Service (run under scripts/with-keyring.sh, like the other
//! integration tests): many hosts at once, SIGKILL during index writes, read-only and full disks,
//! a locked keyring, and no secret in any answer or on stderr. docs/bad-input.md maps each row of
//! the bad-input matrix to a test here or elsewhere.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use eproc_a2f_core::SecretKey;
use serde_json::{json, Value};

/// A different valid 160-bit key per `n` (base32, as the keyring stores it).
fn key_for(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let bytes: Vec<u8> = (0..20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    SecretKey::from_bytes(bytes).to_base32()
}

/// What `secret-tool` (the C reference client) finds in the keyring for an account.
fn keyring_value(authenticator: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "eproc-a2f", "username", &format!("{authenticator}:{user}")])
        .output()
        .expect("secret-tool is installed (scripts/install-deps.sh)");
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty()).then_some(v)
}

fn clear_keyring(authenticator: &str, user: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "eproc-a2f", "username", &format!("{authenticator}:{user}")])
        .status();
}

/// The index as it is on disk: it must always parse. `None` when it was never written.
fn index_on_disk(dir: &Path) -> Option<Value> {
    let bytes = std::fs::read(dir.join("index.json")).ok()?;
    let v: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("index.json does not parse ({e}): {}", String::from_utf8_lossy(&bytes)));
    assert_eq!(v["version"], json!(1), "{v}");
    assert!(v["accounts"].is_array(), "{v}");
    Some(v)
}

fn index_users(dir: &Path) -> Vec<String> {
    index_on_disk(dir)
        .map(|v| v["accounts"].as_array().unwrap().iter().map(|a| a["user"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Upper-case 16-character windows of a key: any of them in a text is a leak (80 bits).
fn leaks(text: &str, key_b32: &str) -> bool {
    let t = text.to_ascii_uppercase().replace([' ', '-'], "");
    (0..=key_b32.len() - 16).any(|i| t.contains(&key_b32[i..i + 16]))
}

fn spawn_host(env: &Env) -> Host {
    env.host(&chrome_caller())
}

#[test]
fn twenty_hosts_at_once_enroll_and_read_and_lose_nothing() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let n = 20;
    // Start all hosts first (as twenty tabs would), then let them all talk at once.
    let hosts: Vec<Host> = (0..n).map(|_| spawn_host(&env)).collect();
    let start = Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = hosts
        .into_iter()
        .enumerate()
        .map(|(i, mut h)| {
            let user = env.user(&format!("P{i}"));
            let key = key_for(i as u64 + 1000);
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let e = h.ask(json!({"id": i, "type": "enroll", "url": TRF4, "user": user, "secret": key}));
                assert_eq!(e["ok"], json!(true), "enroll {i}: {e}");
                assert_eq!(e["outcome"], json!("created"));
                let c = h.ask(json!({"id": i, "type": "code", "authenticator": "trf4", "user": user}));
                assert_eq!(c["ok"], json!(true), "code {i}: {c}");
                assert!(c["step"].as_u64() > e["step"].as_u64(), "enroll's step is used: {e} {c}");
                let t = c["step"].as_u64().unwrap() * 30;
                assert_eq!(c["code"].as_str().unwrap(), oathtool(&key, t, 6, "sha1"));
                let p = h.ask(json!({"id": i, "type": "code", "authenticator": "trf4", "user": user, "peek": true}));
                assert_eq!(p["ok"], json!(true), "peek {i}: {p}");
                let a = h.ask(json!({"id": i, "type": "accounts"}));
                assert!(a["accounts"].to_string().contains(&user));
                let (code, rest, stderr) = h.finish();
                assert_eq!((code, rest.len()), (0, 0), "{stderr}");
                (user, key)
            })
        })
        .collect();
    let enrolled: Vec<(String, String)> = handles.into_iter().map(|h| h.join().expect("host thread")).collect();
    let users = index_users(&env.config_dir());
    assert_eq!(users.len(), n, "{users:?}");
    for (user, key) in &enrolled {
        assert!(users.contains(user), "{user} missing from the index");
        let v = keyring_value("trf4", user).unwrap_or_else(|| panic!("{user}: no keyring entry"));
        assert!(v.contains(&format!("secret={key}")), "{user}: keyring holds another key");
    }
    for (user, _) in &enrolled {
        clear_keyring("trf4", user);
    }
}

#[test]
fn two_hosts_enrolling_the_same_user_with_different_keys_keep_exactly_one() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let user = env.user("SAME");
    for round in 0..3u64 {
        let keys = [key_for(round * 2 + 1), key_for(round * 2 + 2)];
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = keys
            .iter()
            .cloned()
            .map(|key| {
                let mut h = spawn_host(&env);
                let (user, barrier) = (user.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let a = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": user, "secret": key}));
                    h.finish();
                    a
                })
            })
            .collect();
        let answers: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let created: Vec<usize> = (0..2).filter(|&i| answers[i]["outcome"] == json!("created")).collect();
        assert_eq!(created.len(), 1, "exactly one host creates: {answers:?}");
        let other = 1 - created[0];
        assert_eq!(answers[other]["error"]["code"], json!("key_exists"), "{answers:?}");
        let v = keyring_value("trf4", &user).unwrap();
        assert!(v.contains(&format!("secret={}", keys[created[0]])), "the confirmed key is the stored one");
        assert_eq!(index_users(&env.config_dir()), std::slice::from_ref(&user));
        let mut h = spawn_host(&env);
        let r = h.ask(json!({"id": 1, "type": "remove", "authenticator": "trf4", "user": user, "confirm": true}));
        assert_eq!(r["ok"], json!(true), "{r}");
        h.finish();
    }
}

#[test]
fn many_hosts_claiming_codes_for_one_account_never_get_the_same_step() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let user = env.user("STEP");
    env.add("trf4", &user, KEY);
    let n = 8;
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let mut h = spawn_host(&env);
            let (user, barrier) = (user.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let a = h.ask(json!({"id": 1, "type": "code", "url": TRF4, "user": user}));
                h.finish();
                a
            })
        })
        .collect();
    let mut steps: Vec<u64> = handles
        .into_iter()
        .map(|h| {
            let a = h.join().unwrap();
            assert_eq!(a["ok"], json!(true), "{a}");
            a["step"].as_u64().unwrap()
        })
        .collect();
    steps.sort();
    let before = steps.len();
    steps.dedup();
    assert_eq!(steps.len(), before, "a step was handed out twice: {steps:?}");
    clear_keyring("trf4", &user);
}

#[test]
fn sigkill_during_index_writes_leaves_a_valid_index_and_every_key() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let dir = env.config_dir();
    let mut confirmed: Vec<(String, String)> = Vec::new();
    let mut rng = std::process::id() as u64 ^ 0x5DEECE66D;
    let mut next = move |m: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % m
    };
    let rounds = 25;
    let mut killed_mid_answer = 0;
    let mut enroll_no = 0u64;
    for round in 0..rounds {
        let mut h = spawn_host(&env);
        // A burst: new enrolls, codes for the confirmed ones (step claims write steps.json).
        let mut pending = Vec::new();
        for j in 0..6 {
            enroll_no += 1;
            let user = env.user(&format!("K{round}x{j}"));
            let key = key_for(enroll_no + 5000);
            h.send(&json!({"id": format!("e:{user}"), "type": "enroll", "url": TRF4, "user": user, "secret": key}));
            pending.push((user, key));
            if let Some((u, _)) = confirmed.get(next(confirmed.len().max(1) as u64) as usize) {
                h.send(&json!({"id": "c", "type": "code", "authenticator": "trf4", "user": u}));
            }
        }
        let mut out = h.child.stdout.take().unwrap();
        let answers = Arc::new(Mutex::new(Vec::<Value>::new()));
        let sink = answers.clone();
        let reader = std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if out.read_exact(&mut len).is_err() {
                return;
            }
            let mut body = vec![0u8; u32::from_ne_bytes(len) as usize];
            if out.read_exact(&mut body).is_err() {
                return;
            }
            sink.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
        });
        // Long enough for some enrolls to finish even on a loaded 2-core machine.
        std::thread::sleep(Duration::from_millis(40 + next(400)));
        h.child.kill().expect("SIGKILL");
        h.child.wait().unwrap();
        reader.join().unwrap();
        let answers = answers.lock().unwrap().clone();
        if answers.len() < pending.len() {
            killed_mid_answer += 1;
        }
        // An enroll counts only once its answer said so.
        for a in &answers {
            if let Some(id) = a["id"].as_str().and_then(|s| s.strip_prefix("e:")) {
                assert_eq!(a["ok"], json!(true), "{a}");
                let (u, k) = pending.iter().find(|(u, _)| u == id).unwrap();
                confirmed.push((u.clone(), k.clone()));
            } else {
                assert_eq!(a["ok"], json!(true), "code for a confirmed account: {a}");
            }
        }
        // After every kill: the index parses and holds every confirmed account; every confirmed
        // key is in the keyring, unchanged.
        let users = index_users(&dir);
        for (u, k) in &confirmed {
            assert!(users.contains(u), "round {round}: confirmed {u} missing from the index");
            let v = keyring_value("trf4", u).unwrap_or_else(|| panic!("round {round}: key of {u} lost"));
            assert!(v.contains(&format!("secret={k}")));
        }
        if let Ok(b) = std::fs::read(dir.join("steps.json")) {
            serde_json::from_slice::<Value>(&b).expect("steps.json parses");
        }
    }
    assert!(!confirmed.is_empty(), "no enroll finished before any kill: the test proves nothing");
    // A new host still works (the lock died with the killed ones), and gets codes for everyone.
    let mut h = spawn_host(&env);
    for (u, _) in &confirmed {
        let c = h.ask(json!({"id": 1, "type": "code", "authenticator": "trf4", "user": u, "peek": true}));
        assert_eq!(c["ok"], json!(true), "{c}");
    }
    h.finish();
    // Enrolls killed after the index write but before the keyring write leave an index entry
    // without a key (`secret_missing`, reported by doctor); never a key without its confirmation.
    let keyless = index_users(&dir).iter().filter(|u| keyring_value("trf4", u).is_none()).count();
    let litter = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".tmp-")).count();
    eprintln!(
        "sigkill: {rounds} kills ({killed_mid_answer} with answers pending), {} enrolls confirmed, {} in the index ({keyless} of them without a key), {litter} temp files left by killed writers",
        confirmed.len(),
        index_users(&dir).len()
    );
    for u in index_users(&dir) {
        clear_keyring("trf4", &u);
    }
}

/// A tmpfs mounted for one test (root only); unmounted on drop, even when the test fails.
struct Tmpfs {
    path: PathBuf,
    _holder: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let holder = tempfile::tempdir().unwrap();
        let path = holder.path().join("mnt");
        std::fs::create_dir(&path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a tmpfs (needs root)");
            return None;
        }
        Some(Tmpfs { path, _holder: holder })
    }

    fn remount_ro(&self) {
        let s = Command::new("mount").args(["-o", "remount,ro"]).arg(&self.path).status().unwrap();
        assert!(s.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn host_in(env: &Env, config_dir: &Path) -> Host {
    let mut c = env.cmd();
    c.env("EPROC_A2F_CONFIG_DIR", config_dir)
        .arg(chrome_caller())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Host { child: c.spawn().unwrap() }
}

#[test]
fn read_only_config_dir_gives_storage_error_and_loses_nothing() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let Some(fs) = Tmpfs::mount("1m") else { return };
    let dir = fs.path.join("eproc-a2f");
    let (old, new) = (env.user("RO1"), env.user("RO2"));
    let mut h = host_in(&env, &dir);
    let e = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": old, "secret": KEY}));
    assert_eq!(e["ok"], json!(true), "{e}");
    h.finish();
    let index_before = std::fs::read(dir.join("index.json")).unwrap();
    fs.remount_ro();

    let mut h = host_in(&env, &dir);
    let other = key_for(77);
    let e = h.ask(json!({"id": 2, "type": "enroll", "url": TRF4, "user": new, "secret": other}));
    assert_eq!(e["error"]["code"], json!("storage_error"), "{e}");
    assert!(!leaks(&e.to_string(), &other));
    // Reading still works; a fill code is still given, with a warning that its step was not recorded.
    let p = h.ask(json!({"id": 3, "type": "code", "authenticator": "trf4", "user": old, "peek": true}));
    assert_eq!(p["ok"], json!(true), "{p}");
    let c = h.ask(json!({"id": 4, "type": "code", "authenticator": "trf4", "user": old}));
    eprintln!("code (step claim) on a read-only dir: {c}");
    assert_eq!(c["ok"], json!(true), "{c}");
    assert_eq!(c["warnings"], json!(["step_not_recorded"]), "{c}");
    let r = h.ask(json!({"id": 5, "type": "remove", "authenticator": "trf4", "user": old, "confirm": true}));
    eprintln!("remove on a read-only dir: {r}");
    let (code, rest, stderr) = h.finish();
    assert_eq!((code, rest.len()), (0, 0));
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Nothing lost: the index is byte for byte the same; the new key was never stored.
    assert_eq!(std::fs::read(dir.join("index.json")).unwrap(), index_before);
    assert!(keyring_value("trf4", &new).is_none(), "an unconfirmed key reached the keyring");
    // The remove writes the index first: it fails there, and the key is still in the keyring for
    // the account the index still lists.
    assert_eq!(r["error"]["code"], json!("storage_error"), "{r}");
    assert!(keyring_value("trf4", &old).is_some(), "remove failed but the key is gone: {r}");
    clear_keyring("trf4", &old);
}

#[test]
fn disk_full_on_index_write_gives_storage_error_and_loses_nothing() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let Some(fs) = Tmpfs::mount("64k") else { return };
    let dir = fs.path.join("eproc-a2f");
    let old = env.user("FULL1");
    let mut h = host_in(&env, &dir);
    assert_eq!(h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": old, "secret": KEY}))["ok"], json!(true));
    h.finish();
    let index_before = std::fs::read(dir.join("index.json")).unwrap();
    // Fill the disk to the last byte.
    let filler = fs.path.join("filler");
    let _ = Command::new("dd").args(["if=/dev/zero", &format!("of={}", filler.display()), "bs=4k"]).stderr(Stdio::null()).status();
    let mut h = host_in(&env, &dir);
    let mut errors = Vec::new();
    for i in 0..5 {
        let u = env.user(&format!("FULLN{i}"));
        let k = key_for(900 + i);
        let e = h.ask(json!({"id": i, "type": "enroll", "url": TRF4, "user": u, "secret": k}));
        assert_eq!(e["error"]["code"], json!("storage_error"), "{e}");
        assert!(!leaks(&e.to_string(), &k));
        assert!(keyring_value("trf4", &u).is_none(), "{u}: key stored though the enroll failed");
        errors.push(e["error"]["detail"].as_str().unwrap_or("").to_owned());
    }
    eprintln!("disk full detail: {}", errors[0]);
    let p = h.ask(json!({"id": 9, "type": "code", "authenticator": "trf4", "user": old, "peek": true}));
    assert_eq!(p["ok"], json!(true), "a full disk does not stop reading: {p}");
    let (code, _, stderr) = h.finish();
    assert_eq!(code, 0);
    assert!(!stderr.contains("panicked"));
    assert_eq!(std::fs::read(dir.join("index.json")).unwrap(), index_before, "index untouched");
    // Space again: everything works and nothing was lost.
    std::fs::remove_file(&filler).unwrap();
    let mut h = host_in(&env, &dir);
    let c = h.ask(json!({"id": 1, "type": "code", "authenticator": "trf4", "user": old}));
    assert_eq!(c["ok"], json!(true), "{c}");
    h.finish();
    assert!(keyring_value("trf4", &old).is_some());
    clear_keyring("trf4", &old);
}

#[test]
fn config_dir_that_cannot_exist_gives_storage_error() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    // A file where the folder should be, and a folder under /proc.
    let file = env.dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    for dir in [file.join("eproc-a2f"), PathBuf::from("/proc/eproc-a2f-cannot-exist")] {
        let mut h = host_in(&env, &dir);
        let u = env.user("NODIR");
        let e = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": u, "secret": KEY}));
        assert_eq!(e["error"]["code"], json!("storage_error"), "{}: {e}", dir.display());
        assert!(keyring_value("trf4", &u).is_none());
        // Listing an index that cannot exist is an empty list, not a crash.
        let a = h.ask(json!({"id": 2, "type": "accounts"}));
        assert!(a["ok"] == json!(true) || a["error"]["code"] == json!("storage_error"), "{a}");
        let (code, _, stderr) = h.finish();
        assert_eq!(code, 0);
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn no_secret_in_answers_or_stderr_for_any_error() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let user = env.user("LEAK");
    let key = key_for(4242);
    let other = key_for(4343);
    let grouped = |k: &str| k.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    let mut h = spawn_host(&env);
    let mut texts = Vec::new();
    let mut ask = |h: &mut Host, v: Value| {
        let a = h.ask(v);
        texts.push(a.to_string());
        a
    };
    assert_eq!(ask(&mut h, json!({"id": 1, "type": "enroll", "url": TRF4, "user": user, "secret": grouped(&key)}))["ok"], json!(true));
    let requests = vec![
        // key_exists with another key, and with the same key in other forms
        json!({"id": 2, "type": "enroll", "url": TRF4, "user": user, "secret": other}),
        json!({"id": 3, "type": "enroll", "url": TRF4, "user": user, "secret": format!("otpauth://totp/x?secret={other}")}),
        json!({"id": 4, "type": "enroll", "url": TRF4, "user": user, "secret": key.to_lowercase()}),
        // invalid keys that carry most of a real key
        json!({"id": 5, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("{key}1")}),
        json!({"id": 6, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("{}0{}", &key[..20], &key[21..])}),
        json!({"id": 7, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("{key}=A")}),
        json!({"id": 8, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("otpauth://totp/x?secret={key}&digits=12")}),
        json!({"id": 9, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("otpauth://hotp/x?secret={key}")}),
        json!({"id": 10, "type": "enroll", "url": TRF4, "user": "u2", "secret": format!("otpauth://totp/x?secret={key}&algorithm=MD5")}),
        json!({"id": 11, "type": "enroll", "url": TRF4, "user": "u2", "secret": key.repeat(70)}),
        json!({"id": 12, "type": "enroll", "url": "https://evil.example/eproc2trf4/", "user": "u2", "secret": key}),
        json!({"id": 13, "type": "enroll", "url": TRF4, "user": "  ", "secret": key}),
        json!({"id": 14, "type": "enroll", "url": TRF4, "user": "u2", "secret": key, "digits": "8"}),
        json!({"id": 15, "type": "enroll", "url": TRF4, "user": "u2", "secret": key, "period": 0}),
        json!({"id": 16, "type": "enroll", "url": TRF4, "user": "u2", "secret": key, "algorithm": "SHA3"}),
        // reads of the stored key: never the key
        json!({"id": 17, "type": "accounts"}),
        json!({"id": 18, "type": "code", "authenticator": "trf4", "user": user}),
        json!({"id": 19, "type": "code", "authenticator": "trf4", "user": user, "peek": true}),
        json!({"id": 20, "type": "hello"}),
    ];
    for r in requests {
        let a = ask(&mut h, r.clone());
        assert!(a["id"] == r["id"], "{a}");
    }
    // A caller we do not know, sending the key.
    let mut evil = env.host("chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/");
    texts.push(evil.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": user, "secret": key})).to_string());
    let (_, _, evil_err) = evil.finish();
    let (_, rest, stderr) = h.finish();
    assert!(rest.is_empty());
    // The keyring entry after all that: still the first key.
    assert!(keyring_value("trf4", &user).unwrap().contains(&format!("secret={key}")));
    // A corrupted index and a missing Secret Service: errors on stderr and in answers.
    let idx = env.config_dir().join("index.json");
    let good = std::fs::read(&idx).unwrap();
    std::fs::write(&idx, format!("{{\"version\":1,\"accounts\":[{{\"secret\":\"{key}\"").as_bytes()).unwrap();
    let mut h = spawn_host(&env);
    texts.push(h.ask(json!({"id": 1, "type": "code", "authenticator": "trf4", "user": user})).to_string());
    let (_, _, corrupt_err) = h.finish();
    std::fs::write(&idx, &good).unwrap();
    let mut c = env.cmd();
    c.arg(chrome_caller()).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let mut h = Host { child: c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap() };
    texts.push(h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": user, "secret": key})).to_string());
    texts.push(h.ask(json!({"id": 2, "type": "code", "authenticator": "trf4", "user": user})).to_string());
    let (_, _, nobus_err) = h.finish();
    // The CLI on the same errors.
    let cli_exists = env.cli(&["add", "trf4", "--user", &user, "--secret-stdin"], Some(&other));
    let cli_bad = env.cli(&["add", "trf4", "--user", "u3", "--secret-stdin"], Some(&format!("{key}1")));

    let mut all: Vec<(&str, String)> = texts.into_iter().map(|t| ("answer", t)).collect();
    all.extend([
        ("host stderr", stderr),
        ("forbidden caller stderr", evil_err),
        ("corrupt index stderr", corrupt_err),
        ("no Secret Service stderr", nobus_err),
        ("index.json", String::from_utf8_lossy(&good).into_owned()),
    ]);
    for o in [&cli_exists, &cli_bad] {
        all.push(("cli stderr", String::from_utf8_lossy(&o.stderr).into_owned()));
        all.push(("cli stdout", String::from_utf8_lossy(&o.stdout).into_owned()));
    }
    for (what, text) in &all {
        for k in [&key, &other] {
            assert!(!leaks(text, k), "{what} carries key material: {text}");
        }
    }
    clear_keyring("trf4", &user);
}

#[test]
fn deep_nesting_huge_strings_and_odd_ids_are_refused_cleanly() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let mut h = spawn_host(&env);
    // 100 000 nested arrays: serde_json's recursion limit answers, no stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    h.send_raw(&frame(deep.as_bytes()));
    assert_eq!(h.recv()["error"]["code"], json!("invalid_json"));
    let deep_id = format!("{{\"id\":{}1{},\"type\":\"hello\"}}", "[".repeat(5000), "]".repeat(5000));
    h.send_raw(&frame(deep_id.as_bytes()));
    assert_eq!(h.recv()["error"]["code"], json!("invalid_json"));
    // Each capped field, one character over.
    for (field, len) in [("user", 257), ("label", 257), ("secret", 2049), ("authenticator", 257), ("algorithm", 17)] {
        let mut req = json!({"id": field, "type": "enroll", "url": TRF4, "user": "u", "secret": KEY});
        if field == "authenticator" {
            req = json!({"id": field, "type": "code", "authenticator": "a".repeat(len)});
        } else {
            req[field] = json!("A".repeat(len));
        }
        let a = h.ask(req);
        assert_eq!(a["error"]["code"], json!("invalid_request"), "{field}: {a}");
        assert_eq!(a["id"], json!(field));
    }
    // Big but legal ids come back as they were sent; wrong types of every field are refused.
    let id = json!({"nested": ["x".repeat(1000), 1.5, null]});
    assert_eq!(h.ask(json!({"id": id, "type": "hello"}))["id"], id);
    for bad in [
        json!({"id": 1, "type": 7}),
        json!({"id": 1, "type": "code", "peek": "yes"}),
        json!({"id": 1, "type": "enroll", "url": TRF4, "user": 5, "secret": KEY}),
        json!({"id": 1, "type": "enroll", "url": TRF4, "user": "u", "secret": ["x"]}),
        json!({"id": 1, "type": "enroll", "url": TRF4, "user": "u", "secret": KEY, "digits": 300}),
        json!({"id": 1, "type": "enroll", "url": TRF4, "user": "u", "secret": KEY, "period": -1}),
        json!({"id": 1, "type": "remove", "authenticator": "trf4", "user": "u", "confirm": "true"}),
        json!({"id": 1, "type": "remove", "authenticator": "trf4"}),
        json!({"id": 1, "type": "accounts", "url": {"href": TRF4}}),
        json!({"id": 1, "type": "code"}),
        json!({"id": 1, "type": "code", "user": "u"}),
    ] {
        let a = h.ask(bad.clone());
        assert_eq!(a["error"]["code"], json!("invalid_request"), "{bad}: {a}");
    }
    // Keys that cannot be: over 256 bytes, empty, impossible length, padding inside.
    for secret in ["A".repeat(1000), "   ".into(), "MMZDIMRUG".into(), "MM==ZDIMRUGZRGCNRQ".into()] {
        let a = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": "u", "secret": secret}));
        assert_eq!(a["error"]["code"], json!("invalid_key"), "{secret}: {a}");
    }
    // An 80-bit key is accepted with a warning; 75 bits are not.
    let u = env.user("SHORT");
    let a = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": u, "secret": "JBSW Y3DP EHPK 3PXP"}));
    assert_eq!(a["ok"], json!(true), "{a}");
    assert_eq!(a["warnings"], json!(["short_key"]));
    let a = h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": env.user("TINY"), "secret": "JBSW Y3DP EHPK 3PX"}));
    assert_eq!(a["error"]["code"], json!("invalid_key"), "{a}");
    let (code, rest, stderr) = h.finish();
    assert_eq!((code, rest.len()), (0, 0));
    assert!(!stderr.contains("panicked") && !stderr.contains("overflow"), "{stderr}");
    clear_keyring("trf4", &u);
}

#[test]
fn look_alike_urls_never_get_a_code() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("LOOK");
    env.add("trf4", &u, KEY);
    let mut h = spawn_host(&env);
    for url in [
        "https://eproc.trf4.jus.br.evil.example/eproc2trf4/",
        "https://evil.example/eproc.trf4.jus.br/eproc2trf4/",
        "https://eproc.trf4.jus.br@evil.example/eproc2trf4/",
        "https://eproc-trf4.jus.br/eproc2trf4/",
        "https://eproc.trf4.jus.br.:8443/eproc2trf4/",
        "https://\u{0435}proc.trf4.jus.br/eproc2trf4/",
        "https://xn--proc-4qe.trf4.jus.br/eproc2trf4/",
        "https://eproc.trf4.jus.br/eproc2trf4x/",
        "https://eproc.trf4.jus.br/other/../eproc2trf4x/",
        "http://eproc.trf4.jus.br/eproc2trf4/",
        "wss://eproc.trf4.jus.br/eproc2trf4/",
        "https://eproc.trf4.jus.br%2eevil.example/eproc2trf4/",
        "https://127.0.0.1/eproc2trf4/",
        "data:text/html,https://eproc.trf4.jus.br/eproc2trf4/",
    ] {
        let a = h.ask(json!({"id": 1, "type": "code", "url": url, "user": u}));
        assert_eq!(a["error"]["code"], json!("unknown_site"), "{url}: {a}");
        assert!(a.get("code").is_none());
    }
    h.finish();
    clear_keyring("trf4", &u);
}

/// Runs `script` in a private D-Bus session with its own gnome-keyring (so locking it does not
/// touch the keyring the other tests share). `$HOST` is the binary, `$T` a scratch folder.
fn in_private_keyring(script: &str, tmp: &Path) -> std::process::Output {
    let home = tmp.join("home");
    let run = tmp.join("run");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let full = format!(
        "set -u; printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
         for i in 1 2 3 4 5 6 7 8 9 10; do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.2; done; {script}"
    );
    let mut child = Command::new("timeout")
        .args(["60", "dbus-run-session", "--", "sh", "-c", &full])
        .env("HOME", &home)
        .env("XDG_RUNTIME_DIR", &run)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("EPROC_A2F_CONFIG_DIR", tmp.join("config"))
        .env("EPROC_A2F_SYSTEM_CONFIG", tmp.join("system.json"))
        .env("HOST", bin())
        .env("T", tmp)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dbus-run-session");
    let start = Instant::now();
    let out = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(90), "private keyring session hangs");
        std::thread::sleep(Duration::from_millis(50));
    };
    out
}

fn frames_file(path: &Path, reqs: &[Value]) {
    let mut bytes = Vec::new();
    for r in reqs {
        bytes.extend(frame(r.to_string().as_bytes()));
    }
    std::fs::write(path, bytes).unwrap();
}

fn read_frames_file(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut r = &bytes[..];
    let mut out = Vec::new();
    while r.len() >= 4 {
        let n = u32::from_ne_bytes(r[..4].try_into().unwrap()) as usize;
        out.push(serde_json::from_slice(&r[4..4 + n]).unwrap());
        r = &r[4 + n..];
    }
    out
}

#[test]
fn locked_keyring_answers_keyring_locked_and_loses_nothing() {
    if !keyring_session() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let other = key_for(31337);
    frames_file(
        &t.join("in"),
        &[
            json!({"id": 1, "type": "hello"}),
            json!({"id": 2, "type": "code", "authenticator": "trf4", "user": "LOCKED1"}),
            json!({"id": 3, "type": "code", "authenticator": "trf4", "user": "LOCKED1", "peek": true}),
            json!({"id": 4, "type": "enroll", "url": TRF4, "user": "LOCKED2", "secret": other}),
            json!({"id": 5, "type": "accounts"}),
        ],
    );
    let script = format!(
        "printf '%s' '{KEY}' | \"$HOST\" add trf4 --user LOCKED1 --secret-stdin >/dev/null 2>\"$T/add.err\" || exit 3; \
         dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
           org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 4; \
         secret-tool lookup service eproc-a2f username trf4:LOCKED1 >/dev/null 2>&1 && exit 4; \
         \"$HOST\" chrome-extension://{OWN_ID}/ < \"$T/in\" > \"$T/out\" 2> \"$T/err\"; echo \"host=$?\"; \
         cp \"$T/config/index.json\" \"$T/index.after\" 2>/dev/null; \
         printf pw | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1; sleep 0.3; \
         secret-tool lookup service eproc-a2f username trf4:LOCKED1 > \"$T/kept\" 2>/dev/null; \
         secret-tool lookup service eproc-a2f username trf4:LOCKED2 > \"$T/new\" 2>/dev/null; true"
    );
    let out = in_private_keyring(&script, t);
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(3) => panic!("add before locking failed: {log} {}", std::fs::read_to_string(t.join("add.err")).unwrap_or_default()),
        Some(4) => {
            eprintln!("SKIPPED: this gnome-keyring cannot be locked with secret-tool: {log}");
            return;
        }
        _ => {}
    }
    assert!(log.contains("host=0"), "host exit: {log}");
    let a = read_frames_file(&t.join("out"));
    let stderr = std::fs::read_to_string(t.join("err")).unwrap_or_default();
    assert_eq!(a.len(), 5, "{a:?} {stderr}");
    assert_eq!(a[0]["store"]["state"], json!("locked"), "{}", a[0]);
    for (i, ans) in a.iter().enumerate().skip(1).take(3) {
        assert_eq!(ans["error"]["code"], json!("keyring_locked"), "answer {i}: {ans}");
        assert!(!ans["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(a[4]["ok"], json!(true), "the index is readable while locked: {}", a[4]);
    // Nothing lost: the index still lists only LOCKED1 (the failed enroll was rolled back), its key
    // is still there, the new key never arrived; no key anywhere in answers or stderr.
    let idx: Value = serde_json::from_slice(&std::fs::read(t.join("index.after")).unwrap()).unwrap();
    let users: Vec<_> = idx["accounts"].as_array().unwrap().iter().map(|x| x["user"].clone()).collect();
    assert_eq!(users, [json!("LOCKED1")], "{idx}");
    assert!(std::fs::read_to_string(t.join("kept")).unwrap().contains("secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW"));
    assert!(std::fs::read_to_string(t.join("new")).unwrap().trim().is_empty());
    for text in a.iter().map(|v| v.to_string()).chain([stderr]) {
        assert!(!leaks(&text, "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW") && !leaks(&text, &other), "{text}");
    }
}

#[test]
fn host_has_no_core_dumps_and_is_not_dumpable() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    // As another user, so that /proc ownership shows the dumpable flag: the files of a
    // non-dumpable process belong to root.
    let mut c = env.cmd();
    c.arg(chrome_caller()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    let as_nobody = unsafe { libc_getuid() } == 0;
    #[cfg(unix)]
    if as_nobody {
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534).env("HOME", "/nonexistent").current_dir("/");
    }
    let child = c.spawn().expect("spawn host");
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(300));
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap().to_owned();
    #[cfg(unix)]
    let owner = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/proc/{pid}/environ")).unwrap().uid()
    };
    let h = Host { child };
    let (_, _, stderr) = h.finish();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "core dumps are off: {core} ({stderr})");
    #[cfg(unix)]
    if as_nobody {
        assert_eq!(owner, 0, "PR_SET_DUMPABLE 0: /proc/<pid> belongs to root, not to the host's user");
    }
}

#[cfg(unix)]
unsafe fn libc_getuid() -> u32 {
    extern "C" {
        fn getuid() -> u32;
    }
    getuid()
}

#[test]
fn config_dir_and_index_are_private_to_the_user() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("PRIV");
    let mut h = spawn_host(&env);
    assert_eq!(h.ask(json!({"id": 1, "type": "enroll", "url": TRF4, "user": u, "secret": KEY}))["ok"], json!(true));
    assert_eq!(h.ask(json!({"id": 2, "type": "code", "url": TRF4, "user": u}))["ok"], json!(true));
    h.finish();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: PathBuf| std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        let dir = env.config_dir();
        assert_eq!(mode(dir.clone()), 0o700, "config dir");
        for f in ["index.json", "steps.json"] {
            assert_eq!(mode(dir.join(f)) & 0o077, 0, "{f} is readable by others");
        }
        // The index names accounts, never keys.
        let text = std::fs::read_to_string(dir.join("index.json")).unwrap();
        assert!(!leaks(&text, "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW") && !text.contains("secret"), "{text}");
    }
    clear_keyring("trf4", &u);
}
