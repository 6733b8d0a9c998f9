//! The registry of eproc systems: one versioned data file (`core/registry.json`), embedded at build
//! time, plus entries an administrator adds by policy (`extraSystems`). Adding a court is a data
//! change, never a code branch.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::resolve::{normalize_host, Origin};

/// The registry data shipped with this build.
pub const BUILTIN_JSON: &str = include_str!("../registry.json");

/// Registry file format understood by this build.
pub const SCHEMA: u32 = 1;

/// One system of the built-in registry, as `build.rs` writes it from `registry.json`.
pub(crate) struct BuiltinSystem {
    id: &'static str,
    court: &'static str,
    name: &'static str,
    degree: Option<&'static str>,
    app: &'static str,
    login_style: LoginStyle,
    login: &'static [&'static str],
    two_factor: TwoFactor,
    authenticator: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin_registry.rs"));

/// 2FA status as the origin table published it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TwoFactor {
    Obrigatorio,
    Opcional,
    Indisponivel,
    Desconhecido,
}

/// How the system asks for the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginStyle {
    /// eproc's own form: `#txtAcessoCodigo` appears after the password.
    Eproc,
    /// Keycloak single sign-on: `#otp` on `#kc-otp-login-form`.
    Keycloak,
    /// The national Jus.br SSO, with its own second factor (no TOTP of ours there).
    Jusbr,
}

/// One eproc system (an instance of the application at one court and degree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub id: String,
    pub court: String,
    pub name: String,
    #[serde(default)]
    pub degree: Option<String>,
    /// Application origin and path prefix, e.g. `https://eproc.trf4.jus.br/eproc2trf4/`.
    pub app: String,
    pub login_style: LoginStyle,
    /// Single-sign-on origins and path prefixes where this system's login happens.
    #[serde(default)]
    pub login: Vec<String>,
    pub two_factor: TwoFactor,
    /// Systems that share one TOTP secret name the same authenticator.
    pub authenticator: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RegistryFile {
    schema: u32,
    version: String,
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    /// Display data and other names per authenticator (`title`, `aliases`): read by
    /// [`crate::display`] from the statics `build.rs` writes, not needed for matching.
    #[serde(default)]
    #[allow(dead_code)]
    authenticators: Option<serde_json::Value>,
    /// Systems as JSON: their display `short` name is taken out before they are read as
    /// [`System`] (which refuses unknown fields, so that a policy's typo is an error).
    systems: Vec<serde_json::Value>,
}

/// A URL prefix the matcher compares against: exact origin plus a path prefix on segment boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub origin: Origin,
    /// Always starts and ends with `/`.
    pub path: String,
}

impl Prefix {
    pub fn parse(s: &str) -> Result<Self, RegistryError> {
        let bad = |why: &str| RegistryError::BadPrefix { prefix: s.to_owned(), why: why.to_owned() };
        let url = crate::resolve::parse_web_url(s).map_err(|_| bad("not a plain ASCII URL (IDN hosts are not supported)"))?;
        if url.scheme() != "https" {
            return Err(bad("must be https"));
        }
        if url.port().is_some() {
            return Err(bad("must use the default port"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not carry a query or fragment"));
        }
        let host = url.host_str().ok_or_else(|| bad("has no host"))?;
        let host = normalize_host(host).ok_or_else(|| bad("invalid host"))?;
        let mut path = url.path().to_owned();
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(Prefix { origin: Origin { host }, path })
    }

    /// Reads a prefix already in canonical form, `https://<host>/<path>/`: a lower-case ASCII
    /// domain (letters, digits, `-`, `.`; no punycode label, no trailing dot) and a path of
    /// unreserved characters that starts and ends with `/` and has no `.`/`..` segment. That is
    /// exactly what [`Prefix::parse`] gives back for such a string (a test checks it for every
    /// built-in prefix), without the URL parser: the built-in registry and the WASM login module
    /// load with no URL or JSON parser. Anything else is `None` (use [`Prefix::parse`]).
    pub fn parse_canonical(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("https://")?;
        let slash = rest.find('/')?;
        let (host, path) = rest.split_at(slash);
        let host_ok = !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && host.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && !l.starts_with("xn--"))
            // WHATWG's "ends in a number": such a host is parsed as IPv4 (or refused), never a domain.
            && !host.rsplit('.').next().is_some_and(|last| {
                last.bytes().all(|b| b.is_ascii_digit())
                    || last.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            });
        let path_ok = path.ends_with('/')
            && path.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
            && path.strip_prefix('/').is_some_and(|p| p.split('/').rev().skip(1).all(|seg| !matches!(seg, "" | "." | "..")));
        (host_ok && path_ok).then(|| Prefix { origin: Origin { host: host.to_owned() }, path: path.to_owned() })
    }

    /// `https://host/path/`: the canonical form [`Prefix::parse_canonical`] reads back.
    pub fn canonical(&self) -> String {
        format!("https://{}{}", self.origin.host, self.path)
    }

    /// `https://host/path/*`, the WebExtension match pattern for this prefix.
    pub fn match_pattern(&self) -> String {
        format!("https://{}{}*", self.origin.host, self.path)
    }

    /// True when `path` lies under this prefix on a segment boundary (`/eproc2trf4` and
    /// `/eproc2trf4/x` are under `/eproc2trf4/`; `/eproc2trf4x/` is not).
    pub fn covers_path(&self, path: &str) -> bool {
        path.starts_with(&self.path) || self.path.strip_suffix('/') == Some(path)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("registry JSON is invalid: {0}")]
    Json(String),
    #[error("registry schema {found} is not supported (this build reads schema {SCHEMA})")]
    Schema { found: u32 },
    #[error("system id {0:?} is invalid: use lower-case letters, digits and '-'")]
    BadId(String),
    #[error("system id {0:?} appears twice")]
    DuplicateId(String),
    #[error("prefix {prefix:?} is invalid: {why}")]
    BadPrefix { prefix: String, why: String },
    #[error("prefix {0:?} is claimed by two systems with different authenticators")]
    ConflictingPrefix(String),
    #[error("authenticators.{authenticator}: {why}")]
    BadAuthenticatorNames { authenticator: String, why: String },
}

/// The loaded, validated registry with its prefixes parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    version: String,
    systems: Vec<System>,
    app_prefixes: Vec<Prefix>,
    login_prefixes: Vec<Vec<Prefix>>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The `aliases` of `authenticators` (names other apps use, for matching imported keys): each
/// names a known authenticator, and no name (compared as the matcher compares it) belongs to two
/// authenticators, so that a name alone never picks one of two courts.
fn check_aliases(reg: &Registry, names: &serde_json::Value) -> Result<(), RegistryError> {
    let bad = |a: &str, why: String| RegistryError::BadAuthenticatorNames { authenticator: a.to_owned(), why };
    let map = names.as_object().ok_or_else(|| bad("", "must be an object".to_owned()))?;
    let mut seen: Vec<(Vec<String>, &str)> = Vec::new();
    for (id, entry) in map {
        if !reg.has_authenticator(id) {
            return Err(bad(id, "no system has this authenticator".to_owned()));
        }
        let aliases = match entry.get("aliases") {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::Array(a)) => a,
            Some(_) => return Err(bad(id, "aliases must be an array".to_owned())),
        };
        for alias in aliases {
            let text = alias.as_str().ok_or_else(|| bad(id, "an alias is not a string".to_owned()))?;
            let words = crate::import::matching::words(text);
            if words.is_empty() {
                return Err(bad(id, format!("alias {text:?} has no letters or digits")));
            }
            if let Some((_, other)) = seen.iter().find(|(w, o)| *w == words && *o != id.as_str()) {
                return Err(bad(id, format!("alias {text:?} also names {other}")));
            }
            seen.push((words, id.as_str()));
        }
    }
    Ok(())
}

impl Registry {
    /// The registry shipped in this build, from the statics `build.rs` wrote from `registry.json`
    /// (no JSON or URL parsing at run time). Tests check that it equals
    /// `Registry::from_json(BUILTIN_JSON)`, which validates the data, so it is not re-validated
    /// here.
    pub fn builtin() -> Registry {
        let mut reg = Registry {
            version: BUILTIN_VERSION.to_owned(),
            systems: Vec::with_capacity(BUILTIN_SYSTEMS.len()),
            app_prefixes: Vec::with_capacity(BUILTIN_SYSTEMS.len()),
            login_prefixes: Vec::with_capacity(BUILTIN_SYSTEMS.len()),
        };
        debug_assert_eq!(BUILTIN_SCHEMA, SCHEMA);
        let canonical = |p: &str| Prefix::parse_canonical(p).expect("built-in prefixes are canonical (tested)");
        for b in BUILTIN_SYSTEMS {
            reg.systems.push(System {
                id: b.id.to_owned(),
                court: b.court.to_owned(),
                name: b.name.to_owned(),
                degree: b.degree.map(str::to_owned),
                app: b.app.to_owned(),
                login_style: b.login_style,
                login: b.login.iter().map(|p| (*p).to_owned()).collect(),
                two_factor: b.two_factor,
                authenticator: b.authenticator.to_owned(),
            });
            reg.app_prefixes.push(canonical(b.app));
            reg.login_prefixes.push(b.login.iter().map(|p| canonical(p)).collect());
        }
        reg
    }

    pub fn from_json(json: &str) -> Result<Registry, RegistryError> {
        let file: RegistryFile =
            serde_json::from_str(json).map_err(|e| RegistryError::Json(e.to_string()))?;
        if file.schema != SCHEMA {
            return Err(RegistryError::Schema { found: file.schema });
        }
        let mut reg = Registry {
            version: file.version,
            systems: Vec::new(),
            app_prefixes: Vec::new(),
            login_prefixes: Vec::new(),
        };
        let systems = file
            .systems
            .into_iter()
            .map(|mut v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("short");
                }
                serde_json::from_value::<System>(v).map_err(|e| RegistryError::Json(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        reg.add_systems(systems)?;
        if let Some(names) = &file.authenticators {
            check_aliases(&reg, names)?;
        }
        Ok(reg)
    }

    /// Adds systems (an administrator's `extraSystems`), validated exactly like the built-in ones.
    /// A system whose id already exists replaces it (a policy can correct a court that moved).
    pub fn add_systems(&mut self, systems: Vec<System>) -> Result<(), RegistryError> {
        self.add_systems_with(systems, Prefix::parse)
    }

    /// [`Registry::add_systems`] for systems whose prefixes are in canonical form (as
    /// [`Prefix::canonical`] writes them): what the WASM login module is given after the full
    /// module validated the administrator's `extraSystems`. Same validation, no URL parser.
    pub fn add_canonical_systems(&mut self, systems: Vec<System>) -> Result<(), RegistryError> {
        self.add_systems_with(systems, |p| {
            Prefix::parse_canonical(p).ok_or_else(|| RegistryError::BadPrefix {
                prefix: p.to_owned(),
                why: "not in canonical form https://host/path/".to_owned(),
            })
        })
    }

    fn add_systems_with(
        &mut self,
        systems: Vec<System>,
        parse: impl Fn(&str) -> Result<Prefix, RegistryError>,
    ) -> Result<(), RegistryError> {
        // A list, not a set: a handful of systems, and no B-tree code in the WASM login module.
        let mut seen: Vec<String> = Vec::new();
        for sys in systems {
            if !valid_id(&sys.id) {
                return Err(RegistryError::BadId(sys.id));
            }
            if !valid_id(&sys.authenticator) {
                return Err(RegistryError::BadId(sys.authenticator));
            }
            if seen.contains(&sys.id) {
                return Err(RegistryError::DuplicateId(sys.id));
            }
            seen.push(sys.id.clone());
            let app = parse(&sys.app)?;
            let login = sys.login.iter().map(|p| parse(p)).collect::<Result<Vec<_>, _>>()?;
            let idx = self.systems.iter().position(|s| s.id == sys.id);
            match idx {
                Some(i) => {
                    self.systems[i] = sys;
                    self.app_prefixes[i] = app;
                    self.login_prefixes[i] = login;
                }
                None => {
                    self.systems.push(sys);
                    self.app_prefixes.push(app);
                    self.login_prefixes.push(login);
                }
            }
        }
        self.check_conflicts()
    }

    /// Parses `extraSystems` given as JSON (an array of systems) and adds them.
    pub fn add_systems_json(&mut self, json: &str) -> Result<(), RegistryError> {
        let systems: Vec<System> =
            serde_json::from_str(json).map_err(|e| RegistryError::Json(e.to_string()))?;
        self.add_systems(systems)
    }

    /// One URL prefix must never lead to two different secrets.
    fn check_conflicts(&self) -> Result<(), RegistryError> {
        for (i, a) in self.systems.iter().enumerate() {
            for (j, b) in self.systems.iter().enumerate().skip(i + 1) {
                if a.authenticator == b.authenticator {
                    continue;
                }
                let pa = self.prefixes_of(i);
                let pb = self.prefixes_of(j);
                for x in &pa {
                    for y in &pb {
                        if x.origin == y.origin && (x.covers_path(&y.path) || y.covers_path(&x.path)) {
                            return Err(RegistryError::ConflictingPrefix(x.match_pattern()));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn prefixes_of(&self, i: usize) -> Vec<&Prefix> {
        std::iter::once(&self.app_prefixes[i]).chain(self.login_prefixes[i].iter()).collect()
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn systems(&self) -> &[System] {
        &self.systems
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.id == id)
    }

    /// All systems that one authenticator (one secret) serves.
    pub fn systems_of(&self, authenticator: &str) -> Vec<&System> {
        self.systems.iter().filter(|s| s.authenticator == authenticator).collect()
    }

    pub fn has_authenticator(&self, authenticator: &str) -> bool {
        self.systems.iter().any(|s| s.authenticator == authenticator)
    }

    /// The application prefix of a system, parsed.
    pub fn app_prefix(&self, id: &str) -> Option<&Prefix> {
        self.systems.iter().position(|s| s.id == id).map(|i| &self.app_prefixes[i])
    }

    /// Every system with its application and login prefixes in canonical form (`extraSystems`
    /// handed to the WASM login module after this registry validated them).
    pub fn canonical_systems(&self) -> Vec<System> {
        self.indexed()
            .map(|(s, a, l)| System { app: a.canonical(), login: l.iter().map(Prefix::canonical).collect(), ..s.clone() })
            .collect()
    }

    pub(crate) fn indexed(&self) -> impl Iterator<Item = (&System, &Prefix, &[Prefix])> {
        self.systems
            .iter()
            .zip(self.app_prefixes.iter())
            .zip(self.login_prefixes.iter())
            .map(|((s, a), l)| (s, a, l.as_slice()))
    }

    /// WebExtension match patterns for every application and login prefix, sorted and
    /// de-duplicated. The extension's manifest is generated from this list.
    pub fn match_patterns(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .indexed()
            .flat_map(|(_, a, l)| std::iter::once(a).chain(l.iter()).map(Prefix::match_pattern))
            .collect();
        set.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_loads_and_has_the_origin_table() {
        let reg = Registry::builtin();
        for id in [
            "tjrs-1g", "tjrs-2g", "tjsc-1g", "tjsc-2g", "tjto-1g", "tjto-2g", "trf2", "jfes", "jfrj",
            "trf4", "jfpr", "jfsc", "jfrs", "tnu", "trf6-1g", "trf6-2g",
        ] {
            assert!(reg.system(id).is_some(), "missing {id}");
        }
        for id in ["trf4", "jfpr", "jfsc", "jfrs"] {
            assert_eq!(reg.system(id).unwrap().authenticator, "trf4");
        }
        assert_eq!(reg.system("trf6-1g").unwrap().app, "https://eproc1g.trf6.jus.br/eproc/");
        assert_eq!(reg.system("tjto-1g").unwrap().two_factor, TwoFactor::Indisponivel);
        assert_eq!(reg.system("tjmg-1g").unwrap().two_factor, TwoFactor::Desconhecido);
    }

    #[test]
    fn builtin_statics_are_the_validated_json() {
        let from_json = Registry::from_json(BUILTIN_JSON).expect("registry.json is valid");
        assert_eq!(Registry::builtin(), from_json);
        for p in BUILTIN_SYSTEMS.iter().flat_map(|s| std::iter::once(&s.app).chain(s.login.iter())) {
            assert_eq!(Prefix::parse_canonical(p), Some(Prefix::parse(p).unwrap()), "{p}");
        }
    }

    #[test]
    fn alias_statics_are_the_json_and_bad_aliases_are_refused() {
        let json: serde_json::Value = serde_json::from_str(BUILTIN_JSON).unwrap();
        let map = json["authenticators"].as_object().unwrap();
        assert_eq!(BUILTIN_ALIASES.len(), map.len());
        for (id, names) in BUILTIN_ALIASES {
            let from_json: Vec<&str> = map[*id]["aliases"].as_array().map(|a| a.iter().filter_map(|n| n.as_str()).collect()).unwrap_or_default();
            assert_eq!(names.to_vec(), from_json, "{id}");
        }
        let with = |authenticators: &str| {
            let mut v = json.clone();
            v["authenticators"] = serde_json::from_str(authenticators).unwrap();
            Registry::from_json(&v.to_string())
        };
        assert!(with(r#"{"trf4": {"aliases": ["TRF da 4a Regiao"]}}"#).is_ok());
        for bad in [
            r#"{"nope": {"aliases": ["x"]}}"#,
            r#"{"trf4": {"aliases": ["Same Name"]}, "tjrs": {"aliases": ["same-name"]}}"#,
            r#"{"trf4": {"aliases": ["--"]}}"#,
            r#"{"trf4": {"aliases": "TRF4"}}"#,
            r#"{"trf4": {"aliases": [4]}}"#,
        ] {
            assert!(matches!(with(bad), Err(RegistryError::BadAuthenticatorNames { .. })), "{bad}");
        }
    }

    #[test]
    fn canonical_prefixes_round_trip_and_refuse_the_rest() {
        for p in ["https://eproc.trf4.jus.br/eproc2trf4/", "https://a-b.jus.br/", "https://x.jus.br/a/b.c/~d_e/"] {
            let parsed = Prefix::parse_canonical(p).unwrap();
            assert_eq!(parsed, Prefix::parse(p).unwrap());
            assert_eq!(parsed.canonical(), p);
        }
        for p in [
            "http://eproc.trf4.jus.br/eproc/", "https://EPROC.trf4.jus.br/eproc/", "https://eproc.trf4.jus.br/eproc",
            "https://eproc.trf4.jus.br:443/eproc/", "https://u@eproc.trf4.jus.br/eproc/", "https://eproc.trf4.jus.br./eproc/",
            "https://xn--eproc-9ua.jus.br/eproc/", "https://eproc.trf4.jus.br/a%2Fb/", "https://eproc.trf4.jus.br/a/../b/",
            "https://127.0.0.1/eproc/", "https://eproc.trf4.jus.br/eproc/?x=1/", "https://eproc.trf4.jus.br//eproc/",
            "https:///eproc/", "https://-a.jus.br/x/", "https://a..jus.br/x/",
        ] {
            assert_eq!(Prefix::parse_canonical(p), None, "{p}");
        }
    }

    #[test]
    fn canonical_systems_load_into_the_same_registry() {
        let mut full = Registry::builtin();
        full.add_systems_json(
            r#"[{"id":"tjxx-1g","court":"TJXX","name":"TJXX","app":"https://EPROC1G.tjxx.jus.br:443/eproc",
                "login":["https://sso.tjxx.jus.br/realms/eproc"],
                "login_style":"keycloak","two_factor":"obrigatorio","authenticator":"tjxx"}]"#,
        )
        .unwrap();
        let extra: Vec<System> = full.canonical_systems().into_iter().filter(|s| s.id == "tjxx-1g").collect();
        assert_eq!(extra[0].app, "https://eproc1g.tjxx.jus.br/eproc/");
        let mut lean = Registry::builtin();
        lean.add_canonical_systems(extra).unwrap();
        // The same prefixes (the admin's spelling of `app` is kept only in the full registry).
        assert_eq!(lean.canonical_systems(), full.canonical_systems());
        assert_eq!(lean.match_patterns(), full.match_patterns());
        let mut bad = System { app: "https://eproc1g.tjxx.jus.br/eproc".into(), ..lean.system("tjxx-1g").unwrap().clone() };
        assert!(matches!(lean.add_canonical_systems(vec![bad.clone()]), Err(RegistryError::BadPrefix { .. })));
        bad.app = "https://eproc.trf4.jus.br/eproc2trf4/x/".into();
        assert!(matches!(lean.add_canonical_systems(vec![bad]), Err(RegistryError::ConflictingPrefix(_))));
    }

    #[test]
    fn systems_of_trf4_are_the_four_courts() {
        let reg = Registry::builtin();
        let ids: Vec<_> = reg.systems_of("trf4").iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["trf4", "jfpr", "jfsc", "jfrs"]);
    }

    #[test]
    fn extra_systems_are_validated_and_added() {
        let mut reg = Registry::builtin();
        reg.add_systems_json(
            r#"[{"id":"tjxx-1g","court":"TJXX","name":"TJXX","app":"https://eproc1g.tjxx.jus.br/eproc/",
                "login_style":"eproc","two_factor":"obrigatorio","authenticator":"tjxx-1g"}]"#,
        )
        .unwrap();
        assert!(reg.system("tjxx-1g").is_some());
        let err = reg
            .add_systems_json(
                r#"[{"id":"x","court":"X","name":"X","app":"http://x.jus.br/","login_style":"eproc",
                    "two_factor":"obrigatorio","authenticator":"x"}]"#,
            )
            .unwrap_err();
        assert!(matches!(err, RegistryError::BadPrefix { .. }));
        let err = reg
            .add_systems_json(
                r#"[{"id":"evil","court":"X","name":"X","app":"https://eproc.trf4.jus.br/eproc2trf4/sub/",
                    "login_style":"eproc","two_factor":"obrigatorio","authenticator":"evil"}]"#,
            )
            .unwrap_err();
        assert!(matches!(err, RegistryError::ConflictingPrefix(_)));
        assert!(reg.add_systems_json("[{").is_err());
        assert!(matches!(
            reg.add_systems_json(r#"[{"id":"Bad Id","court":"X","name":"X","app":"https://a.jus.br/","login_style":"eproc","two_factor":"obrigatorio","authenticator":"x"}]"#),
            Err(RegistryError::BadId(_))
        ));
    }

    #[test]
    fn match_patterns_cover_apps_and_sso() {
        let pats = Registry::builtin().match_patterns();
        assert!(pats.contains(&"https://eproc.trf4.jus.br/eproc2trf4/*".to_string()));
        assert!(pats.contains(&"https://eproc-sso.trf4.jus.br/realms/eproc/*".to_string()));
        assert!(pats.iter().all(|p| p.starts_with("https://")));
    }
}
