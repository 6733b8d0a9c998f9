//! URL resolver: any URL that `Registry::resolve` accepts is https on the default port, carries no
//! credentials, its normalised host is exactly a registry host, its path lies under a registry
//! prefix of that host, and the authenticator is the one the registry gives that prefix.
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f_core::registry::Prefix;
use eproc_a2f_core::resolve::{normalize_host, PageKind};
use eproc_a2f_core::Registry;
use url::Url;

fn registry() -> &'static Registry {
    static R: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    R.get_or_init(Registry::builtin)
}

/// (prefix, system id, authenticator, is the app prefix)
fn prefixes() -> &'static Vec<(Prefix, String, String, bool)> {
    static P: std::sync::OnceLock<Vec<(Prefix, String, String, bool)>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut v = Vec::new();
        for s in registry().systems() {
            v.push((Prefix::parse(&s.app).unwrap(), s.id.clone(), s.authenticator.clone(), true));
            for l in &s.login {
                v.push((Prefix::parse(l).unwrap(), s.id.clone(), s.authenticator.clone(), false));
            }
        }
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(r) = registry().resolve(s) else { return };
    let u = Url::parse(s.trim()).expect("accepted URL parses");
    assert_eq!(u.scheme(), "https", "{s}");
    assert_eq!(u.port(), None, "{s}");
    assert!(u.username().is_empty() && u.password().is_none(), "{s}");
    let host = normalize_host(u.host_str().expect("has a host")).expect("domain host");
    let path = u.path();
    let app = matches!(r.page, PageKind::App);
    let hits: Vec<_> = prefixes()
        .iter()
        .filter(|(p, _, _, is_app)| *is_app == app && p.origin.host == host && p.covers_path(path))
        .collect();
    assert!(!hits.is_empty(), "{s} resolved to {r:?} but no registry prefix covers it");
    for (_, id, auth, _) in &hits {
        if app {
            assert_eq!(r.system.as_deref(), Some(id.as_str()), "{s}");
        }
        assert_eq!(auth, &r.authenticator, "{s}: prefix of another authenticator");
    }
    for id in &r.systems {
        assert_eq!(registry().system(id).unwrap().authenticator, r.authenticator);
    }
    // The host really is one the registry lists (never a suffix/substring match).
    assert!(prefixes().iter().any(|(p, ..)| p.origin.host == host));
});
