//! Per-call costs of the core (criterion): code generation, URL resolution, key and otpauth
//! parsing, and a whole `code` request through the sans-IO service over a memory vault.
//! `cargo bench -p eproc-a2f-core` (also run by `cargo xtask bench`).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use serde_json::json;

use eproc_a2f_core::service::{handle_bytes, Account, Context};
use eproc_a2f_core::totp::{code_at, fresh_step, timed_code};
use eproc_a2f_core::{parse_key, Algorithm, Lang, MemoryVault, OtpAuth, Params, Registry};

const KEY: &str = "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW";
const NOW_MS: u64 = 1_764_430_012_345;

fn codes(c: &mut Criterion) {
    let key = parse_key(KEY).unwrap().key;
    let p = Params::default();
    c.bench_function("code_at/sha1-6-30", |b| b.iter(|| code_at(black_box(&key), &p, black_box(NOW_MS / 1000))));
    let p512 = Params { algorithm: Algorithm::Sha512, digits: 8, period: 30 };
    c.bench_function("code_at/sha512-8-30", |b| b.iter(|| code_at(black_box(&key), &p512, black_box(NOW_MS / 1000))));
    c.bench_function("timed_code/fresh-rule", |b| {
        b.iter(|| {
            let step = fresh_step(&p, black_box(NOW_MS), Some(58_814_333));
            timed_code(&key, &p, step, NOW_MS)
        })
    });
}

fn resolution(c: &mut Criterion) {
    let reg = Registry::builtin();
    let mut g = c.benchmark_group("resolve");
    for (name, url) in [
        ("app", "https://eproc.trf4.jus.br/eproc2trf4/controlador.php?acao=principal"),
        ("sso-with-client", "https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?execution=1&client_id=eproc.jfpr.jus.br"),
        ("lookalike-refused", "https://eproc.trf4.jus.br.evil.example/eproc2trf4/"),
        ("unknown-path-refused", "https://eproc.trf4.jus.br/other-app/"),
    ] {
        g.bench_function(name, |b| b.iter(|| reg.resolve(black_box(url)).is_ok()));
    }
    g.finish();
    c.bench_function("registry/builtin-load", |b| b.iter(Registry::builtin));
}

fn parsing(c: &mut Criterion) {
    c.bench_function("parse_key/grouped-160", |b| b.iter(|| parse_key(black_box(KEY)).unwrap()));
    let uri = "otpauth://totp/eproc-a2f%20trf4:RS123?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW&algorithm=SHA1&digits=6&period=30&issuer=eproc-a2f%20trf4";
    c.bench_function("otpauth/parse", |b| b.iter(|| OtpAuth::parse(black_box(uri)).unwrap()));
    let parsed = OtpAuth::parse(uri).unwrap();
    c.bench_function("otpauth/to_uri", |b| b.iter(|| black_box(&parsed).to_uri()));
}

fn service(c: &mut Criterion) {
    let reg = Registry::builtin();
    let acct = Account {
        authenticator: "trf4".into(),
        user: "RS123".into(),
        label: None,
        params: Params::default(),
        created: 0,
        ..Account::default()
    };
    let vault = MemoryVault { entries: vec![(acct, parse_key(KEY).unwrap().key)], ..MemoryVault::default() };
    let ctx = Context { registry: &reg, now_ms: NOW_MS, lang: Lang::PtBr, mode: "bench", version: "0" };
    let req = json!({"id": 1, "type": "code", "url": "https://eproc.jfpr.jus.br/eprocV2/", "peek": true}).to_string();
    c.bench_function("service/code-request-peek", |b| {
        let mut v = vault.clone();
        b.iter(|| handle_bytes(&mut v, &ctx, black_box(req.as_bytes())))
    });
}

criterion_group!(benches, codes, resolution, parsing, service);
criterion_main!(benches);
