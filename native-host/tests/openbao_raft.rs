//! The firm store on a three-node OpenBao Raft cluster on loopback (issue 12): the leader is
//! killed while clients ask for codes; after the election codes continue, no step is handed out
//! twice and nothing is lost; a partitioned minority (the majority stopped) refuses rather than
//! answering. Skips when `bao` is not on PATH (fails in CI).

mod bao;
mod common;

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{Env, KEY};
use eproc_a2f_core::secret::{parse_key, Params};
use eproc_a2f_core::totp::code_for_step;

fn cmd(env: &Env, addrs: &[String], token: &str) -> Command {
    let mut c = env.cmd();
    c.env("EPROC_A2F_STORE", "openbao")
        .env("BAO_ADDR", &addrs[0])
        .env("EPROC_A2F_OPENBAO_FALLBACK", addrs[1..].join(","))
        .env("BAO_TOKEN", token)
        .env("EPROC_A2F_OPENBAO_PREFIX", "raft-")
        .env_remove("BAO_CACERT")
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN");
    c
}

fn run(mut c: Command) -> Output {
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.output().unwrap()
}

fn code_of(step: u64) -> String {
    code_for_step(&parse_key(KEY).unwrap().key, &Params::new(Default::default(), 6, 2).unwrap(), step)
}

#[test]
fn leader_dies_codes_continue_and_a_minority_refuses() {
    let Some(bin) = bao::bao_bin() else { return };
    let started = Instant::now();
    let mut cluster = bao::Cluster::start(&bin);
    eprintln!("cluster up in {:.1?}", started.elapsed());
    let leader = cluster.leader().unwrap();
    // Clients know every node, the leader first (the worst case: their first address dies).
    let mut addrs: Vec<String> = cluster.nodes.iter().map(|n| n.api.clone()).collect();
    addrs.swap(0, leader);
    let env = Env::new();
    let user = env.user("raft");
    let mut add = cmd(&env, &addrs, &cluster.token);
    add.args(["add", "trf4", "--user", &user, "--secret-stdin", "--period", "2"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = add.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), KEY.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Two clients (two machines) asking in a loop: (when, step, code) of every success.
    let got: Arc<Mutex<Vec<(Instant, u64, String)>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (got, failures, stop, addrs, token, user) = (got.clone(), failures.clone(), stop.clone(), addrs.clone(), cluster.token.clone(), user.clone());
            std::thread::spawn(move || {
                let env = Env::new();
                while !stop.load(Ordering::SeqCst) {
                    let mut c = cmd(&env, &addrs, &token);
                    c.args(["code", "trf4", "--user", &user, "--json"]);
                    let o = run(c);
                    if o.status.success() {
                        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
                        got.lock().unwrap().push((Instant::now(), v["step"].as_u64().unwrap(), v["code"].as_str().unwrap().to_owned()));
                    } else {
                        failures.lock().unwrap().push(String::from_utf8_lossy(&o.stderr).into_owned());
                    }
                }
            })
        })
        .collect();
    let wait_for = |n: usize, after: Instant, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(45);
        while got.lock().unwrap().iter().filter(|(t, _, _)| *t > after).count() < n {
            assert!(Instant::now() < deadline, "{what}: failures {:?}", failures.lock().unwrap());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for(2, started, "codes before the kill");
    let killed_at = Instant::now();
    cluster.nodes[leader].kill();
    wait_for(3, killed_at, "codes after the leader died");
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let new_leader = cluster.leader().expect("a new leader");
    assert_ne!(new_leader, leader);
    let got = got.lock().unwrap();
    let mut steps: Vec<u64> = got.iter().map(|(_, s, _)| *s).collect();
    for (_, s, c) in got.iter() {
        assert_eq!(*c, code_of(*s), "code of step {s}");
    }
    steps.sort();
    let n = steps.len();
    steps.dedup();
    assert_eq!(steps.len(), n, "a step handed out twice");
    let after = got.iter().filter(|(t, _, _)| *t > killed_at).count();
    let failures = failures.lock().unwrap();
    eprintln!("{n} codes, {after} after the leader died, {} refusals while it was elected {:?}", failures.len(), failures.first());
    // Nothing lost: the account and its key are still there.
    let mut list = cmd(&env, &addrs, &cluster.token);
    list.args(["list", "--json"]);
    let l: Value = serde_json::from_slice(&run(list).stdout).unwrap();
    assert_eq!(l["accounts"].as_array().map(|a| a.len()), Some(1), "{l}");

    // Partition: stop the new leader too; the one node left is a minority and must refuse.
    cluster.nodes[new_leader].kill();
    let lone: Vec<String> = cluster.nodes.iter().filter(|n| n.child.is_some()).map(|n| n.api.clone()).collect();
    assert_eq!(lone.len(), 1);
    let t = Instant::now();
    let mut c = cmd(&env, &lone, &cluster.token);
    c.args(["code", "trf4", "--user", &user, "--json"]);
    let o = run(c);
    assert!(!o.status.success(), "a minority answered: {}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stderr).contains("não responde"), "{}", String::from_utf8_lossy(&o.stderr));
    eprintln!("minority refused in {:.1?}: {}", t.elapsed(), String::from_utf8_lossy(&o.stderr).trim());
    eprintln!("raft test in {:.1?}", started.elapsed());
}
