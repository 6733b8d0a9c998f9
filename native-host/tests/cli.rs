//! The command line end to end on the real keyring, and codes against oathtool.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn add_list_code_remove_round_trip() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("RS7");
    let o = env.add("trf4", &u, KEY);
    let out = stdout(&o);
    assert!(out.contains("trf4, jfpr, jfsc, jfrs"), "{out}");
    // `add trf4` and `code jfpr` reach the same key.
    let o = env.cli(&["code", "jfpr", "--user", &u, "--time", "1234567890"], None);
    assert_eq!(stdout(&o).trim(), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", 1234567890, 6, "sha1"));
    let o = env.cli(&["code", "https://eproc.jfrs.jus.br/eprocV2/", "--user", &u, "--time", "1234567890", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["authenticator"], "trf4");
    // --time changes no state: the live code afterwards is still available.
    let o = env.cli(&["code", "jfsc", "--json"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = stdout(&env.cli(&["list"], None));
    assert!(list.contains(&u), "{list}");
    assert!(!list.contains("MMZD"));
    let json_list = stdout(&env.cli(&["list", "--json"], None));
    assert!(!json_list.to_lowercase().contains("secret"), "{json_list}");
    // Remove without --yes and without a terminal refuses.
    let o = env.cli(&["remove", "jfpr", "--user", &u], None);
    assert!(!o.status.success());
    assert!(stdout(&env.cli(&["list"], None)).contains(&u));
    let o = env.cli(&["remove", "jfpr", "--user", &u, "--yes"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!stdout(&env.cli(&["list"], None)).contains(&u));
}

#[test]
fn bad_keys_and_unknown_courts_are_clear_errors() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let o = env.cli(&["add", "trf4", "--user", &env.user("x"), "--secret-stdin"], Some("MMZD IMRU GZRG CNR0"));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("position 19") && err.contains("letter O"), "{err}");
    let o = env.cli(&["add", "tj-nowhere", "--user", "x", "--secret-stdin"], Some(KEY));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Tribunal desconhecido"));
    // 80-bit key: accepted with a warning.
    let o = env.cli(&["add", "tnu", "--user", &env.user("short"), "--secret-stdin"], Some("JBSWY3DPEHPK3PXP"));
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("curta"));
}

#[test]
fn english_locale_gets_english() {
    let env = Env::new();
    let o = env.cmd().arg("--help").env("LANG", "en_US.UTF-8").output().unwrap();
    assert!(stdout(&o).contains("Two-factor authentication"), "{}", stdout(&o));
    let o = env.cmd().arg("--help").output().unwrap();
    assert!(stdout(&o).contains("dois fatores"));
}

#[test]
fn export_import_round_trip_loses_nothing() {
    if !keyring_session() {
        return;
    }
    let src = Env::new();
    let (a, b) = (src.user("EA"), src.user("EB"));
    src.add("trf6-1g", &a, KEY);
    src.add("tjrs-2g", &b, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW");
    let out_file = src.dir.path().join("backup.txt");
    // Export without --yes and without a terminal refuses.
    assert!(!src.cli(&["export", "--output", out_file.to_str().unwrap()], None).status.success());
    let o = src.cli(&["export", "--yes", "--output", out_file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ATENÇÃO"));
    // Unix modes: the Windows build under Wine leaves them to Wine (Windows protects the file by
    // its folder's ACL, which Wine does not model).
    #[cfg(unix)]
    if !under_wine() {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Remove both, then import: same codes.
    assert!(src.cli(&["remove", "trf6-1g", "--user", &a, "--yes"], None).status.success());
    assert!(src.cli(&["remove", "tjrs", "--user", &b, "--yes"], None).status.success());
    let o = src.cli(&["import", out_file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let code = stdout(&src.cli(&["code", "trf6-1g", "--user", &a, "--time", "2000000000"], None));
    assert_eq!(code.trim(), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", 2000000000, 6, "sha1"));
    // A line that does not name the court needs --system (another service's never becomes one).
    let foreign = format!("otpauth://totp/eproc:{}?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", src.user("F"));
    assert!(!src.cli(&["import", "-"], Some(&foreign)).status.success());
    assert!(src.cli(&["import", "-", "--system", "tnu"], Some(&foreign)).status.success());
}

#[test]
fn install_and_uninstall_write_and_remove_manifests() {
    let env = Env::new();
    let dir = env.dir.path().join("ff");
    let o = env.cli(&["install", "--browser", "firefox", "--dir", dir.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("io.github.eproc_a2f.json")).unwrap()).unwrap();
    assert_eq!(m["allowed_extensions"], serde_json::json!(["eproc-a2f@eproc-a2f.github.io"]));
    let o = env.cli(&["uninstall", "--browser", "firefox", "--dir", dir.to_str().unwrap()], None);
    assert!(o.status.success());
    assert!(!dir.join("io.github.eproc_a2f.json").exists());
    let o = env.cli(&["install", "--extension-id", "not-an-id", "--dir", dir.to_str().unwrap()], None);
    assert!(!o.status.success());
}

/// Codes from the CLI equal oathtool's for random keys, times, algorithms and lengths.
#[test]
fn codes_match_oathtool_for_random_keys_and_times() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    // Under Wine every CLI call starts a Windows process (~0.3 s): fewer cases, same property.
    let mut runner = TestRunner::new(Config { cases: if under_wine() { 6 } else { 24 }, ..Config::default() });
    let n = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(
            &(prop::collection::vec(any::<u8>(), 10..40), 0u64..4_000_000_000, prop::sample::select(vec!["SHA1", "SHA256", "SHA512"]), prop::sample::select(vec![6u8, 7, 8])),
            |(bytes, t, algo, digits)| {
                let key = data_encoding_b32(&bytes);
                let user = env.user(&format!("p{}", n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
                let o = env.cli(
                    &["add", "tnu", "--user", &user, "--secret-stdin", "--algorithm", algo, "--digits", &digits.to_string()],
                    Some(&key),
                );
                prop_assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                let mut times = vec![t];
                times.extend((0..4).map(|i| t.wrapping_mul(i + 7) % 4_000_000_000));
                for t in times {
                    let o = env.cli(&["code", "tnu", "--user", &user, "--time", &t.to_string()], None);
                    prop_assert_eq!(stdout(&o).trim().to_owned(), oathtool(&key, t, digits, algo));
                }
                env.cli(&["remove", "tnu", "--user", &user, "--yes"], None);
                Ok(())
            },
        )
        .unwrap();
}

fn data_encoding_b32(bytes: &[u8]) -> String {
    const ALPHA: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHA[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHA[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}
