//! `eproc-a2f import` and `export --format google-migration --qr` end to end on the real keyring
//! (issue 11), with inputs made by tools we did not write: qrencode (QR pictures), Pillow
//! (photo-like variants), Python protobuf / cryptography (`tests/import/independent.py`),
//! keepassxc-cli (.kdbx); codes compared with oathtool.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/import/independent.py")
}

fn python() -> String {
    for p in ["/usr/bin/python3", "python3"] {
        if Command::new(p).args(["-c", "import google.protobuf, cryptography, PIL"]).output().is_ok_and(|o| o.status.success()) {
            return p.to_owned();
        }
    }
    panic!("python3 with protobuf, cryptography and PIL is needed (scripts/install-deps.sh)");
}

/// Runs an encoder of `independent.py` with the test's user suffix.
fn encode(env: &Env, args: &[&str]) -> Value {
    let out = Command::new(python()).arg(script()).args(args).env("IMPORT_TAG", format!("-{}", env.tag)).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn helper(args: &[&str]) {
    let out = Command::new(python()).arg(script()).args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn qrencode(text: &str, out: &Path) {
    let o = Command::new("qrencode").args(["-o", out.to_str().unwrap(), "-s", "4", "-m", "4", text]).output().expect("qrencode is installed");
    assert!(o.status.success(), "{}", stderr(&o));
}

fn list(env: &Env) -> String {
    stdout(&env.cli(&["list"], None))
}

fn code_at(env: &Env, system: &str, user: &str, t: u64) -> String {
    let o = env.cli(&["code", system, "--user", user, "--time", &t.to_string()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_owned()
}

const T: u64 = 1_900_000_000;

#[test]
fn google_transfer_codes_in_one_picture_import_and_codes_match_oathtool() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let v = encode(&env, &["migration"]);
    let uris: Vec<&str> = v["uris"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    let d = env.dir.path();
    qrencode(uris[0], &d.join("a.png"));
    qrencode(uris[1], &d.join("b.png"));
    let both = d.join("both.png");
    helper(&["side", d.join("a.png").to_str().unwrap(), d.join("b.png").to_str().unwrap(), both.to_str().unwrap()]);

    // Dry run: system, user and label listed, no key, nothing stored.
    let o = env.cli(&["import", both.to_str().unwrap(), "--dry-run"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let all = format!("{out}{}", stderr(&o));
    assert!(stderr(&o).contains("2 código(s) QR"), "{}", stderr(&o));
    assert!(out.contains(&env.user("RS123456")) && out.contains("jfpr") && out.contains("maria"), "{out}");
    for e in v["expected"].as_array().unwrap() {
        assert!(!all.contains(e["secret"].as_str().unwrap()), "a key was printed: {all}");
    }
    assert!(out.contains("Simulação"), "{out}");
    assert!(!list(&env).contains(&env.tag), "dry run stored something");

    // The import: eproc entries stored, GitHub and HOTP listed and skipped.
    let o = env.cli(&["import", both.to_str().unwrap()], None);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("não é do eproc") && out.contains("HOTP"), "{out}");
    assert!(out.contains("3 importada(s)"), "{out}");
    let listed = list(&env);
    assert!(!listed.contains(&format!("maria@example.com-{}", env.tag)) && !listed.contains(&env.user("RS7")), "{listed}");
    for (system, user, x) in [("trf4", "RS123456", 0usize), ("jfpr", "PR98765", 1), ("tjrs-1g", "RS8", 4)] {
        let e = &v["expected"][x];
        let want = oathtool(e["secret"].as_str().unwrap(), T, e["digits"].as_u64().unwrap() as u8, e["algorithm"].as_str().unwrap());
        assert_eq!(code_at(&env, system, &env.user(user), T), want, "{user}");
    }
    // The same picture again: nothing new, nothing replaced.
    let o = env.cli(&["import", both.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("já cadastrada"), "{}", stdout(&o));
}

#[test]
fn photo_of_the_screen_and_a_single_code_of_two_decode() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let v = encode(&env, &["migration"]);
    let d = env.dir.path();
    qrencode(v["uris"][0].as_str().unwrap(), &d.join("a.png"));
    let photo = d.join("photo.jpg");
    helper(&["photo", d.join("a.png").to_str().unwrap(), photo.to_str().unwrap()]);
    let o = env.cli(&["import", photo.to_str().unwrap(), "--dry-run", "--format", "image"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&env.user("RS123456")), "{out}");
    // Only the first of two codes: the missing one is named.
    assert!(stderr(&o).contains("faltam os códigos QR 2 de 2"), "{}", stderr(&o));
}

#[test]
fn encrypted_aegis_and_2fas_files_with_passwords_from_scripts() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let d = env.dir.path();
    let aegis = encode(&env, &["aegis", "senha do aegis"]);
    let path = d.join("aegis.json");
    std::fs::write(&path, aegis["file"].as_str().unwrap()).unwrap();
    // No password and no terminal: says how to give it; wrong password: clear, nothing stored.
    let o = env.cli(&["import", path.to_str().unwrap()], None);
    assert!(!o.status.success() && stderr(&o).contains("--password-stdin"), "{}", stderr(&o));
    let o = env.cli(&["import", path.to_str().unwrap(), "--password-stdin"], Some("errada\n"));
    assert!(!o.status.success() && stderr(&o).contains("Senha incorreta"), "{}", stderr(&o));
    assert!(!list(&env).contains(&env.tag));
    let o = env.cli(&["import", path.to_str().unwrap(), "--password-stdin"], Some("senha do aegis\n"));
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(code_at(&env, "trf4", &env.user("RS123456"), T), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", T, 6, "sha1"));

    let env2 = Env::new();
    let twofas = encode(&env2, &["2fas", "senha do 2fas"]);
    let path = d.join("backup.2fas");
    std::fs::write(&path, twofas["file"].as_str().unwrap()).unwrap();
    let o = env2.cmd().args(["import", path.to_str().unwrap()]).env("EPROC_A2F_IMPORT_PASSWORD", "senha do 2fas").output().unwrap();
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let e = &twofas["expected"][4];
    assert_eq!(code_at(&env2, "tjrs", &env2.user("RS8"), T), oathtool(e["secret"].as_str().unwrap(), T, 8, "sha256"));
}

#[test]
fn bad_files_are_clear_errors_and_store_nothing() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let d = env.dir.path();
    // A picture with no QR code.
    let white = d.join("white.png");
    std::fs::write(&white, {
        let mut img = Vec::new();
        image_white_png(&mut img);
        img
    })
    .unwrap();
    let o = env.cli(&["import", white.to_str().unwrap()], None);
    assert!(!o.status.success() && stderr(&o).contains("Nenhum código QR"), "{}", stderr(&o));
    // 50 MB: refused from its size, before reading.
    let big = d.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let started = std::time::Instant::now();
    let o = env.cli(&["import", big.to_str().unwrap()], None);
    assert!(!o.status.success() && stderr(&o).contains("grande demais"), "{}", stderr(&o));
    assert!(started.elapsed().as_secs() < 10);
    // Damaged transfer codes, unknown formats, a file with no entry.
    for (text, want) in [
        ("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxp", "danificado"),
        ("otpauth-migration://offline?data=Cj*EK", "danificado"),
        ("otpauth-migration://offline?data=DwECAw%3D%3D", "danificado"),
        ("isto não é uma exportação", "Formato de arquivo desconhecido"),
        (r#"{"services": [], "schemaVersion": 4}"#, "nenhuma conta"),
        (r#"{"encrypted": true, "passwordProtected": true, "data": "x"}"#, "Formato de arquivo desconhecido"),
    ] {
        let o = env.cli(&["import", "-"], Some(text));
        assert!(!o.status.success(), "{text}");
        assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
    }
    assert!(!list(&env).contains(&env.tag));
}

/// A white 64x64 PNG (Pillow).
fn image_white_png(out: &mut Vec<u8>) {
    let o = Command::new(python())
        .args(["-c", "import sys; from PIL import Image; Image.new('L', (64, 64), 255).save(sys.stdout.buffer, 'PNG')"])
        .output()
        .unwrap();
    out.extend(o.stdout);
}

#[test]
fn ambiguous_entries_need_a_system_and_conflicts_need_replace() {
    if !keyring_session() {
        return;
    }
    let env = Env::new();
    let u = env.user("AMB");
    let line = format!("otpauth://totp/eproc:{u}?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=eproc");
    let o = env.cli(&["import", "-"], Some(&line));
    assert!(!o.status.success() && stderr(&o).contains("--system"), "{}", stderr(&o));
    assert!(!list(&env).contains(&u));
    let o = env.cli(&["import", "-", "--system", "tnu"], Some(&line));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(list(&env).contains(&u));
    // The same account with another key: conflict, both kept; --replace takes the file's.
    let other = format!("otpauth://totp/eproc%20TNU:{u}?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
    let o = env.cli(&["import", "-"], Some(&other));
    assert!(!o.status.success() && stderr(&o).contains("CONFLITO"), "{}", stderr(&o));
    assert_eq!(code_at(&env, "tnu", &u, T), oathtool("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", T, 6, "sha1"));
    let o = env.cli(&["import", "-", "--replace"], Some(&other));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("substituída"), "{}", stdout(&o));
    assert_eq!(code_at(&env, "tnu", &u, T), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", T, 6, "sha1"));
}

#[test]
fn export_to_google_authenticator_qr_codes_and_back() {
    if !keyring_session() {
        return;
    }
    let src = Env::new();
    let keys = ["MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"];
    let systems = ["trf4", "tjrs-1g", "tnu", "trf2", "jfes", "tjsc-1g"];
    for (i, s) in systems.iter().enumerate() {
        src.add(s, &src.user(&format!("G{i}")), keys[i % 2]);
    }
    let png = src.dir.path().join("para-o-celular.png");
    let o = src.cli(&["export", "--format", "google-migration", "--qr", png.to_str().unwrap()], None);
    assert!(!o.status.success(), "export without --yes and without a terminal refuses");
    let o = src.cli(&["export", "--format", "google-migration", "--qr", png.to_str().unwrap(), "--yes"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("ATENÇÃO"));
    // 6 accounts, at most 5 per code: two pictures, each 0600.
    let parts: Vec<PathBuf> = (1..=2).map(|i| src.dir.path().join(format!("para-o-celular-{i}.png"))).collect();
    for p in &parts {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
    }
    // A new computer: both pictures imported give the same codes.
    let dst = Env { dir: tempfile::tempdir().unwrap(), tag: src.tag.clone() };
    for (i, s) in systems.iter().enumerate() {
        assert!(src.cli(&["remove", s, "--user", &src.user(&format!("G{i}")), "--yes"], None).status.success());
    }
    for p in &parts {
        let o = dst.cli(&["import", p.to_str().unwrap()], None);
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    }
    for (i, s) in systems.iter().enumerate() {
        assert_eq!(code_at(&dst, s, &dst.user(&format!("G{i}")), T), oathtool(keys[i % 2], T, 6, "sha1"), "{s}");
    }
}

#[test]
fn keepassxc_database_through_keepassxc_cli() {
    if !keyring_session() {
        return;
    }
    if Command::new("keepassxc-cli").arg("--version").output().is_err() {
        panic!("keepassxc-cli is needed (scripts/install-deps.sh: keepassxc)");
    }
    let env = Env::new();
    let u = env.user("KP");
    let d = env.dir.path();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><KeePassFile><Meta><Generator>t</Generator></Meta><Root><Group><Name>Root</Name>
<Entry><UUID>AAAAAAAAAAAAAAAAAAAAAA==</UUID><String><Key>Title</Key><Value>eproc JFSC</Value></String><String><Key>UserName</Key><Value>{u}</Value></String>
<String><Key>otp</Key><Value>otpauth://totp/eproc%20JFSC:{u}?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW&amp;period=30&amp;digits=6&amp;issuer=eproc%20JFSC</Value></String></Entry>
</Group></Root></KeePassFile>"#
    );
    std::fs::write(d.join("kp.xml"), xml).unwrap();
    let db = d.join("cofre.kdbx");
    let mut c = Command::new("keepassxc-cli");
    c.args(["import", "-p", "-t", "100", d.join("kp.xml").to_str().unwrap(), db.to_str().unwrap()]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"kdbx-senha\nkdbx-senha\n").unwrap();
    assert!(child.wait().unwrap().success());
    let o = env.cli(&["import", db.to_str().unwrap(), "--password-stdin"], Some("outra\n"));
    assert!(!o.status.success() && stderr(&o).contains("Senha incorreta"), "{}", stderr(&o));
    let o = env.cli(&["import", db.to_str().unwrap(), "--password-stdin"], Some("kdbx-senha\n"));
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(code_at(&env, "jfsc", &u, T), oathtool("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", T, 6, "sha1"));
}

/// On a terminal an ambiguous entry is asked about (util-linux `script` gives the CLI a pty).
#[test]
fn ambiguous_entries_are_asked_on_a_terminal() {
    if !keyring_session() {
        return;
    }
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no script(1)");
        return;
    }
    let env = Env::new();
    let u = env.user("TTY");
    let file = env.dir.path().join("tjto.txt");
    std::fs::write(&file, format!("otpauth://totp/TJTO:{u}?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n")).unwrap();
    let cmdline = format!("'{}' import '{}'", bin().display(), file.display());
    let c = env.cmd();
    let mut child = Command::new("script")
        .args(["-qec", &cmdline, "/dev/null"])
        .envs(c.get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The second candidate: TJTO 2º grau.
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"2\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("tjto-2g"), "{}", stdout(&o));
    assert_eq!(code_at(&env, "tjto-2g", &u, T), oathtool("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", T, 6, "sha1"));
}
