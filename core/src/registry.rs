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
    systems: Vec<System>,
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

    /// `https://host/path/*`, the WebExtension match pattern for this prefix.
    pub fn match_pattern(&self) -> String {
        format!("https://{}{}*", self.origin.host, self.path)
    }

    /// True when `path` lies under this prefix on a segment boundary (`/eproc2trf4` and
    /// `/eproc2trf4/x` are under `/eproc2trf4/`; `/eproc2trf4x/` is not).
    pub fn covers_path(&self, path: &str) -> bool {
        path.starts_with(&self.path) || path == &self.path[..self.path.len() - 1]
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
}

/// The loaded, validated registry with its prefixes parsed once.
#[derive(Debug, Clone)]
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

impl Registry {
    /// The registry shipped in this build. The data is validated by tests, so failure here is a
    /// build defect, not user input.
    pub fn builtin() -> Registry {
        Registry::from_json(BUILTIN_JSON).expect("embedded registry.json is valid")
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
        reg.add_systems(file.systems)?;
        Ok(reg)
    }

    /// Adds systems (an administrator's `extraSystems`), validated exactly like the built-in ones.
    /// A system whose id already exists replaces it (a policy can correct a court that moved).
    pub fn add_systems(&mut self, systems: Vec<System>) -> Result<(), RegistryError> {
        let mut seen = BTreeSet::new();
        for sys in systems {
            if !valid_id(&sys.id) {
                return Err(RegistryError::BadId(sys.id));
            }
            if !valid_id(&sys.authenticator) {
                return Err(RegistryError::BadId(sys.authenticator));
            }
            if !seen.insert(sys.id.clone()) {
                return Err(RegistryError::DuplicateId(sys.id));
            }
            let app = Prefix::parse(&sys.app)?;
            let login = sys.login.iter().map(|p| Prefix::parse(p)).collect::<Result<Vec<_>, _>>()?;
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
