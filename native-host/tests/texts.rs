//! pt-BR texts people read in the terminal carry their accents, and the term is "A2F" (issue 14).
use std::process::Command;

fn systems(lang: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_eproc-a2f"))
        .arg("systems")
        .env("LC_ALL", lang)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run eproc-a2f systems");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn systems_says_obrigatorio_with_its_accent_and_a2f() {
    let pt = systems("pt_BR.UTF-8");
    assert!(pt.contains("obrigatório"), "{pt}");
    assert!(pt.contains("indisponível"), "{pt}");
    assert!(!pt.contains("obrigatorio ") && !pt.contains("indisponivel "), "{pt}");
    assert!(pt.lines().next().unwrap_or("").contains("A2F") && !pt.contains("2FA"), "{pt}");
    let en = systems("en_US.UTF-8");
    assert!(en.contains("required") && en.contains("unavailable"), "{en}");
}
