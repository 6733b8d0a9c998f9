//! Files made by encoders we did not write decode to the entries they were made from:
//! Google Authenticator transfer URIs from the Python protobuf package, an Aegis vault encrypted
//! with Python's `hashlib.scrypt` and `cryptography` (Aegis docs/decrypt.py), a 2FAS backup
//! encrypted with `cryptography`'s PBKDF2 and AES-GCM. The encoders are
//! `tests/import/independent.py`; they run at test time (no stored fixtures). Without Python and
//! its packages (`scripts/install-deps.sh`: python3-protobuf, python3-cryptography) the tests are
//! skipped, except in CI where that fails.

use std::path::PathBuf;
use std::process::Command;

use eproc_a2f_core::import::{read, Entry, Format, ImportError, Unusable};
use serde_json::Value;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/import/independent.py")
}

/// The Python that has the packages: `EPROC_A2F_PYTHON`, Debian's, or the one on PATH.
fn python() -> Option<String> {
    let mut tries: Vec<String> = std::env::var("EPROC_A2F_PYTHON").into_iter().collect();
    tries.extend(["/usr/bin/python3".to_owned(), "python3".to_owned()]);
    for p in tries {
        let ok = Command::new(&p).args(["-c", "import google.protobuf, cryptography"]).output().is_ok_and(|o| o.status.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok() {
        panic!("python3 with protobuf and cryptography is needed (scripts/install-deps.sh)");
    }
    eprintln!("SKIPPED: no python3 with protobuf and cryptography");
    None
}

fn encode(args: &[&str]) -> Option<Value> {
    let py = python()?;
    let out = Command::new(py).arg(script()).args(args).output().expect("run independent.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("independent.py prints JSON"))
}

/// Each expected entry is read with its key, parameters and kind; names as the apps split them.
fn check(entries: &[Entry], expected: &Value) {
    let expected = expected.as_array().unwrap();
    assert_eq!(entries.len(), expected.len());
    for (e, x) in entries.iter().zip(expected) {
        let name = x["name"].as_str().unwrap();
        let account = name.split_once(':').map(|(_, a)| a).unwrap_or(name);
        assert_eq!(e.account, account);
        let issuer = x["issuer"].as_str().unwrap();
        let issuer = if issuer.is_empty() { name.split_once(':').map(|(i, _)| i) } else { Some(issuer) };
        assert_eq!(e.issuer.as_deref(), issuer);
        match x["type"].as_str().unwrap() {
            "hotp" => assert_eq!(e.otp, Err(Unusable::Hotp)),
            _ => {
                let t = e.otp.as_ref().unwrap_or_else(|u| panic!("{name}: {u:?}"));
                assert_eq!(t.key.to_base32(), x["secret"].as_str().unwrap(), "{name}");
                assert_eq!(t.params.algorithm.as_str(), x["algorithm"].as_str().unwrap());
                assert_eq!(t.params.digits as u64, x["digits"].as_u64().unwrap());
                assert_eq!(t.params.period as u64, x["period"].as_u64().unwrap());
            }
        }
    }
}

#[test]
fn google_authenticator_payloads_from_python_protobuf_decode() {
    let Some(v) = encode(&["migration"]) else { return };
    let uris: Vec<&str> = v["uris"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    let text = uris.join("\n");
    let r = read(text.as_bytes(), Format::Auto, None).unwrap();
    assert_eq!(r.format, Format::GoogleMigration);
    check(&r.entries, &v["expected"]);
    let b = r.batch.unwrap();
    assert_eq!((b.id, b.size, b.missing.len()), (0, 2, 0));
    // The same codes with the `+` left bare (as a form decoder would have met them) decode too.
    let bare: String = text.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=");
    check(&read(bare.as_bytes(), Format::GoogleMigration, None).unwrap().entries, &v["expected"]);
    // Only the second code: the first is reported missing, the entries read are still there.
    let r = read(uris[1].as_bytes(), Format::Auto, None).unwrap();
    assert_eq!(r.batch.unwrap().missing, [0]);
    assert_eq!(r.entries.len(), 2);
    // Truncated in the middle of the base64, then cut at a group boundary (the protobuf ends early).
    let cut = &uris[0][..uris[0].len() - 7];
    assert!(matches!(read(cut.as_bytes(), Format::Auto, None), Err(ImportError::Invalid { .. })));
    let data = uris[0].split("data=").nth(1).unwrap();
    let decoded = percent_encoding::percent_decode_str(data).decode_utf8().unwrap();
    let whole_groups = &decoded[..(decoded.len() / 2) / 4 * 4];
    let err = read(format!("otpauth-migration://offline?data={whole_groups}").as_bytes(), Format::Auto, None).unwrap_err();
    assert!(matches!(err, ImportError::Invalid { reason: "truncated" | "corrupt_protobuf", .. }), "{err:?}");
}

#[test]
fn aegis_vault_encrypted_by_python_decrypts() {
    let Some(v) = encode(&["aegis", "senha forte ç"]) else { return };
    let file = v["file"].as_str().unwrap();
    assert_eq!(read(file.as_bytes(), Format::Auto, None).unwrap_err(), ImportError::PasswordRequired);
    assert_eq!(read(file.as_bytes(), Format::Auto, Some("senha errada")).unwrap_err(), ImportError::WrongPassword);
    let r = read(file.as_bytes(), Format::Auto, Some("senha forte ç")).unwrap();
    assert!(r.encrypted);
    assert_eq!(r.format, Format::Aegis);
    check(&r.entries, &v["expected"]);
}

#[test]
fn twofas_backup_encrypted_by_python_decrypts() {
    let Some(v) = encode(&["2fas", "outra senha"]) else { return };
    let file = v["file"].as_str().unwrap();
    assert_eq!(read(file.as_bytes(), Format::Auto, None).unwrap_err(), ImportError::PasswordRequired);
    assert_eq!(read(file.as_bytes(), Format::Auto, Some("x")).unwrap_err(), ImportError::WrongPassword);
    let r = read(file.as_bytes(), Format::Auto, Some("outra senha")).unwrap();
    assert_eq!(r.format, Format::TwoFas);
    check(&r.entries, &v["expected"]);
}

/// Our Google Authenticator export (`export --format google-migration`) read by Python protobuf:
/// what other apps will see.
#[test]
fn our_transfer_codes_read_in_python_protobuf() {
    use eproc_a2f_core::import::migration::{encode_uris, Outgoing};
    use eproc_a2f_core::secret::{parse_key, Algorithm, Params};
    let Some(py) = python() else { return };
    let keys = ["MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"].map(|k| parse_key(k).unwrap().key);
    let names: Vec<String> = (0..7).map(|i| format!("RS{i}+/=ç")).collect();
    let out: Vec<Outgoing> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Outgoing {
            key: &keys[i % 2],
            params: Params { algorithm: if i == 2 { Algorithm::Sha512 } else { Algorithm::Sha1 }, digits: if i == 3 { 8 } else { 6 }, period: 30 },
            issuer: "eproc TRF4",
            name: n,
        })
        .collect();
    let uris = encode_uris(&out, 4242).unwrap();
    let mut child = Command::new(py)
        .arg(script())
        .arg("decode-migration")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), uris.join("\n").as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), 7);
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g["name"], names[i].as_str());
        assert_eq!(g["issuer"], "eproc TRF4");
        assert_eq!(g["secret"], keys[i % 2].to_base32().as_str());
        assert_eq!(g["type"], "totp");
        assert_eq!(g["digits"], if i == 3 { 8 } else { 6 });
        assert_eq!(g["algorithm"], if i == 2 { "SHA512" } else { "SHA1" });
        assert_eq!(g["batch"], serde_json::json!([i / 5, 2, 4242]));
    }
}
