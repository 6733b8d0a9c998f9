//! Exact URL matching against the registry. A code is only ever handed out for a URL that this
//! module resolves, so every rule here is a security rule: https only, default port only, no
//! credentials, host equal after normalisation (never a substring), path prefix on segment
//! boundaries.

use serde::{Deserialize, Serialize};
use url::{Host, Url};

use crate::registry::Registry;

/// A normalised https origin on the default port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// Lower-case ASCII (punycode) host without a trailing dot.
    pub host: String,
}

/// Why [`parse_web_url`] refused a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebUrlError {
    /// Not ASCII, a percent-encoded authority, or not a URL at all.
    Invalid,
    /// An IDN (`xn--`) label in the host: never a registry host.
    Punycode,
}

/// Parses a web URL the way `resolve` and the registry do. Browsers report URLs ASCII-serialized
/// (punycode hosts, percent-encoded paths); registry hosts are plain ASCII names. So: ASCII only,
/// tabs and line breaks dropped (the parser drops them anyway), scheme and authority
/// ASCII-lower-cased (the parser lower-cases hosts anyway; paths keep their case), and no `%` and
/// no `xn--` label in the authority. These rules keep every host away from the IDNA code paths
/// that the ASCII-only adapter (`idna_adapter` 1.0.0) cannot serve: upper-case letters there and
/// punycode labels decoding to characters the real mapper would have removed tripped
/// `debug_assert!`s in `idna_adapter` and `idna` (found by the `resolve` and `otpauth` fuzz targets).
pub fn parse_web_url(url: &str) -> Result<Url, WebUrlError> {
    if !url.is_ascii() {
        return Err(WebUrlError::Invalid);
    }
    let url: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let b = url.as_bytes();
    let mut end = url.find(':').map_or(0, |i| i + 1);
    while end < b.len() && matches!(b[end], b'/' | b'\\') {
        end += 1;
    }
    let start = end;
    while end < b.len() && !matches!(b[end], b'/' | b'\\' | b'?' | b'#') {
        end += 1;
    }
    let mut lowered = url[..end].to_ascii_lowercase();
    let authority = &lowered[start..end];
    if authority.contains('%') {
        return Err(WebUrlError::Invalid);
    }
    if authority.contains("xn--") {
        return Err(WebUrlError::Punycode);
    }
    lowered.push_str(&url[end..]);
    Url::parse(&lowered).map_err(|_| WebUrlError::Invalid)
}

/// Lower-cases, converts to punycode (through the URL parser's IDNA) and drops one trailing dot.
/// Returns `None` for IP addresses and anything that is not a domain name.
pub fn normalize_host(host: &str) -> Option<String> {
    // ASCII, no punycode (see `parse_web_url`): nothing reaches the IDNA code paths.
    if !host.is_ascii() || host.to_ascii_lowercase().contains("xn--") {
        return None;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.ends_with('.') {
        return None;
    }
    match Host::parse(host).ok()? {
        Host::Domain(d) => Some(d.to_ascii_lowercase()),
        Host::Ipv4(_) | Host::Ipv6(_) => None,
    }
}

/// Which kind of page the URL is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// The eproc application itself (its own login form and enrollment pages live here).
    App,
    /// A single-sign-on realm (Keycloak) that logs into the system.
    Sso,
}

/// What a URL resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The secret that answers on this page.
    pub authenticator: String,
    /// The system, when the URL names exactly one (always on the app; on a shared SSO realm only
    /// when the query names the client, e.g. `eproc_client_id=eproc.jfpr.jus.br`).
    pub system: Option<String>,
    /// Every system this authenticator serves on this page.
    pub systems: Vec<String>,
    pub page: PageKind,
}

/// Why a URL was refused. Each variant is a distinct, testable rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("not a valid URL")]
    InvalidUrl,
    #[error("only https pages get codes")]
    NotHttps,
    #[error("URLs with a user name or password are refused")]
    Credentials,
    #[error("only the default https port is accepted")]
    Port,
    #[error("host is not an eproc host")]
    UnknownHost,
    #[error("path is not under an eproc application")]
    UnknownPath,
}

impl ResolveError {
    /// The stable, machine-readable name of the rule (the `reason` of `unknown_site` answers).
    pub fn reason(&self) -> &'static str {
        match self {
            ResolveError::InvalidUrl => "invalid_url",
            ResolveError::NotHttps => "not_https",
            ResolveError::Credentials => "credentials",
            ResolveError::Port => "port",
            ResolveError::UnknownHost => "unknown_host",
            ResolveError::UnknownPath => "unknown_path",
        }
    }
}

/// A page URL split the way a WHATWG URL parser splits it: by the `url` crate in
/// [`Registry::resolve`], by the browser's own `URL` in the WASM login module (which carries no URL
/// parser). Hosts come lower-cased and in punycode from either parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageUrl<'a> {
    /// Without the colon: `https`.
    pub scheme: &'a str,
    /// A user name or password is present.
    pub credentials: bool,
    pub host: &'a str,
    /// `None` for the scheme's default port (both parsers drop an explicit default port).
    pub port: Option<u16>,
    pub path: &'a str,
    /// Without the `?`.
    pub query: Option<&'a str>,
}

impl Registry {
    /// Resolves a page URL (as the browser reports it) to the authenticator whose code belongs
    /// there, or says why not.
    pub fn resolve(&self, url: &str) -> Result<Resolution, ResolveError> {
        let url = url.trim();
        let parsed = match parse_web_url(url) {
            Ok(u) => u,
            Err(WebUrlError::Punycode) if url.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("https:")) => {
                return Err(ResolveError::UnknownHost)
            }
            Err(WebUrlError::Punycode) => return Err(ResolveError::NotHttps),
            Err(WebUrlError::Invalid) => return Err(ResolveError::InvalidUrl),
        };
        self.resolve_page(&PageUrl {
            scheme: parsed.scheme(),
            credentials: !parsed.username().is_empty() || parsed.password().is_some(),
            host: parsed.host_str().unwrap_or(""),
            port: parsed.port(),
            path: parsed.path(),
            query: parsed.query(),
        })
    }

    /// The matching rules on an already split URL: the one place a URL becomes an authenticator.
    pub fn resolve_page(&self, page: &PageUrl) -> Result<Resolution, ResolveError> {
        if page.scheme != "https" {
            return Err(ResolveError::NotHttps);
        }
        if page.credentials {
            return Err(ResolveError::Credentials);
        }
        // Both parsers drop an explicit :443, so any port left is a non-default one.
        if page.port.is_some() {
            return Err(ResolveError::Port);
        }
        // Registry hosts are lower-case ASCII domains without a trailing dot; the comparison below
        // is exact, so IP addresses, punycode and anything else simply never match.
        let host = page.host.strip_suffix('.').unwrap_or(page.host).to_ascii_lowercase();
        let path = page.path;

        let mut host_known = false;
        // The application prefix first: it names one system.
        for (sys, app, _) in self.indexed() {
            if app.origin.host == host {
                host_known = true;
                if app.covers_path(path) {
                    return Ok(Resolution {
                        authenticator: sys.authenticator.clone(),
                        system: Some(sys.id.clone()),
                        systems: vec![sys.id.clone()],
                        page: PageKind::App,
                    });
                }
            }
        }
        // Then the SSO realms, which several systems may share.
        let mut found: Option<Resolution> = None;
        for (sys, _, logins) in self.indexed() {
            for p in logins {
                if p.origin.host != host {
                    continue;
                }
                host_known = true;
                if !p.covers_path(path) {
                    continue;
                }
                let r = found.get_or_insert_with(|| Resolution {
                    authenticator: sys.authenticator.clone(),
                    system: None,
                    systems: Vec::new(),
                    page: PageKind::Sso,
                });
                // Registry validation guarantees one authenticator per prefix.
                if r.authenticator == sys.authenticator && !r.systems.contains(&sys.id) {
                    r.systems.push(sys.id.clone());
                }
            }
        }
        match found {
            Some(mut r) => {
                r.system = self.client_named_in_query(page.query, &r.systems);
                if r.system.is_none() && r.systems.len() == 1 {
                    r.system = r.systems.first().cloned();
                }
                Ok(r)
            }
            None if host_known => Err(ResolveError::UnknownPath),
            None => Err(ResolveError::UnknownHost),
        }
    }

    /// Keycloak carries the eproc client in the query (`eproc_client_id`, `client_id`); when it
    /// names the host of exactly one of the candidate systems, that is the system shown to the user.
    /// It never changes the authenticator.
    fn client_named_in_query(&self, query: Option<&str>, candidates: &[String]) -> Option<String> {
        for (k, v) in form_urlencoded::parse(query?.as_bytes()) {
            if k != "eproc_client_id" && k != "client_id" {
                continue;
            }
            let v = v.to_ascii_lowercase();
            let hits: Vec<&String> = candidates
                .iter()
                .filter(|id| self.app_prefix(id).is_some_and(|p| p.origin.host == v))
                .collect();
            if hits.len() == 1 {
                return Some(hits[0].clone());
            }
        }
        None
    }

    /// Resolves a system id, an authenticator id or a URL typed on the command line.
    pub fn resolve_target(&self, target: &str) -> Result<Resolution, ResolveError> {
        let t = target.trim();
        if let Some(sys) = self.system(&t.to_ascii_lowercase()) {
            return Ok(Resolution {
                authenticator: sys.authenticator.clone(),
                system: Some(sys.id.clone()),
                systems: self.systems_of(&sys.authenticator).iter().map(|s| s.id.clone()).collect(),
                page: PageKind::App,
            });
        }
        let lower = t.to_ascii_lowercase();
        if self.has_authenticator(&lower) {
            return Ok(Resolution {
                authenticator: lower.clone(),
                system: None,
                systems: self.systems_of(&lower).iter().map(|s| s.id.clone()).collect(),
                page: PageKind::App,
            });
        }
        self.resolve(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        Registry::builtin()
    }

    fn auth(url: &str) -> Result<String, ResolveError> {
        reg().resolve(url).map(|r| r.authenticator)
    }

    #[test]
    fn app_pages_resolve_to_their_system() {
        let r = reg().resolve("https://eproc.trf4.jus.br/eproc2trf4/index.php?acao=x").unwrap();
        assert_eq!(r.authenticator, "trf4");
        assert_eq!(r.system.as_deref(), Some("trf4"));
        assert_eq!(r.page, PageKind::App);
        let r = reg().resolve("https://eproc.jfpr.jus.br/eprocV2/").unwrap();
        assert_eq!((r.authenticator.as_str(), r.system.as_deref()), ("trf4", Some("jfpr")));
        assert_eq!(auth("https://eproc.trf2.jus.br/eproc/externo_controlador.php").unwrap(), "trf2");
        assert_eq!(auth("https://eproc1g.trf6.jus.br/eproc/").unwrap(), "trf6-1g");
    }

    #[test]
    fn normalisation_case_trailing_dot_default_port() {
        assert_eq!(auth("https://EPROC.TRF4.JUS.BR/eproc2trf4/").unwrap(), "trf4");
        assert_eq!(auth("https://eproc.trf4.jus.br./eproc2trf4/").unwrap(), "trf4");
        assert_eq!(auth("https://eproc.trf4.jus.br:443/eproc2trf4/").unwrap(), "trf4");
        // Prefix without its trailing slash is the same segment.
        assert_eq!(auth("https://eproc.trf4.jus.br/eproc2trf4").unwrap(), "trf4");
    }

    #[test]
    fn keycloak_realm_resolves_to_authenticator() {
        let r = reg()
            .resolve("https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?execution=1&client_id=eproc.jfpr.jus.br")
            .unwrap();
        assert_eq!(r.authenticator, "trf4");
        assert_eq!(r.page, PageKind::Sso);
        assert_eq!(r.system.as_deref(), Some("jfpr"));
        assert_eq!(r.systems, ["trf4", "jfpr", "jfsc", "jfrs"]);
        let r = reg().resolve("https://eproc-sso.trf4.jus.br/realms/eproc/protocol/openid-connect/auth").unwrap();
        assert_eq!(r.system, None);
        assert_eq!(auth("https://keycloak-eks.tjrs.jus.br/realms/eproc/x").unwrap(), "tjrs");
        assert_eq!(auth("https://sso.tjsc.jus.br/realms/eproc/").unwrap(), "tjsc");
    }

    #[test]
    fn refusals_each_have_their_rule() {
        use ResolveError::*;
        assert_eq!(auth("http://eproc.trf4.jus.br/eproc2trf4/"), Err(NotHttps));
        assert_eq!(auth("https://eproc.trf4.jus.br.evil.example/eproc2trf4/"), Err(UnknownHost));
        assert_eq!(auth("https://evil.example/eproc.trf4.jus.br/"), Err(UnknownHost));
        assert_eq!(auth("https://evil.example/eproc2trf4/?u=https://eproc.trf4.jus.br/eproc2trf4/"), Err(UnknownHost));
        assert_eq!(auth("https://eproc.trf4.jus.br@evil.example/eproc2trf4/"), Err(Credentials));
        assert_eq!(auth("https://user:pw@eproc.trf4.jus.br/eproc2trf4/"), Err(Credentials));
        assert_eq!(auth("https://eproc.trf4.jus.br:8443/eproc2trf4/"), Err(Port));
        assert_eq!(auth("https://eproc.trf4.jus.br/other-app/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc.trf4.jus.br/eproc2trf4x/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc.trf4.jus.br/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc.trf4.jus.br/eproc2trf4/../other-app/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc.trf4.jus.br/eproc2trf4/%2e%2e/other-app/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc.trf4.jus.br/EPROC2TRF4/"), Err(UnknownPath));
        assert_eq!(auth("https://eproc-sso.trf4.jus.br/realms/other/"), Err(UnknownPath));
        assert_eq!(auth("not a url"), Err(InvalidUrl));
        assert_eq!(auth("javascript:alert(1)"), Err(NotHttps));
        assert_eq!(auth("file:///eproc.trf4.jus.br/eproc2trf4/"), Err(NotHttps));
        assert_eq!(auth("https://127.0.0.1/eproc2trf4/"), Err(UnknownHost));
        assert_eq!(auth("https://eproc.trf4.jus.br../eproc2trf4/"), Err(UnknownHost));
        assert_eq!(auth("https://sub.eproc.trf4.jus.br/eproc2trf4/"), Err(UnknownHost));
        assert_eq!(auth("https://trf4.jus.br/eproc2trf4/"), Err(UnknownHost));
    }

    #[test]
    fn idn_lookalikes_are_refused() {
        // Cyrillic 'е' (U+0435) and 'р' (U+0440) in place of Latin letters: Unicode hosts are
        // refused outright (ASCII-only IDNA), their punycode forms are simply other hosts.
        assert!(auth("https://\u{0435}proc.trf4.jus.br/eproc2trf4/").is_err());
        assert!(auth("https://ep\u{0440}oc.trf4.jus.br/eproc2trf4/").is_err());
        assert_eq!(auth("https://xn--proc-4qe.trf4.jus.br/eproc2trf4/"), Err(ResolveError::UnknownHost));
        assert_eq!(auth("https://xn--eproc-rve.trf4.jus.br/eproc2trf4/"), Err(ResolveError::UnknownHost));
    }

    #[test]
    fn targets_by_system_authenticator_or_url() {
        let r = reg();
        assert_eq!(r.resolve_target("JFPR").unwrap().authenticator, "trf4");
        assert_eq!(r.resolve_target("trf4").unwrap().authenticator, "trf4");
        assert_eq!(r.resolve_target("tjrs").unwrap().authenticator, "tjrs");
        assert_eq!(r.resolve_target("https://eproc.jfsc.jus.br/eprocV2/").unwrap().authenticator, "trf4");
        assert!(r.resolve_target("tj-nowhere").is_err());
    }
}
