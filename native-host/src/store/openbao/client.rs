//! HTTP to OpenBao (ureq with rustls): one agent per process, the token in `X-Vault-Token`, and
//! every failure turned into a [`VaultError::Remote`] whose code says what the user can do
//! (`store_unreachable`, `store_sealed`, `store_tls`, `store_auth`, `store_denied`,
//! `store_key_missing`, `store_not_mounted`, `store_error`). Details never carry a key or token.

use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use zeroize::Zeroizing;

use eproc_a2f_core::protocol::ErrorCode;
use eproc_a2f_core::service::VaultError;

pub fn remote(code: ErrorCode, detail: impl Into<String>) -> VaultError {
    VaultError::Remote { code, detail: detail.into() }
}

/// An answer from OpenBao: status and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `errors` array joined, as OpenBao sends it (never secret).
    pub fn errors(&self) -> String {
        match self.body.get("errors").and_then(Value::as_array) {
            Some(list) => list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
            None => String::new(),
        }
    }

    pub fn is_cas_mismatch(&self) -> bool {
        self.status == 400 && self.errors().contains("check-and-set")
    }
}

pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    /// Every node, `base` first; requests go to the last one that answered.
    bases: Vec<String>,
    current: std::cell::Cell<usize>,
    /// The server's clock (the `Date` header of the last answer), Unix seconds.
    pub server_time: std::cell::Cell<Option<u64>>,
    token: RefCell<Option<Zeroizing<String>>>,
}

fn load_roots(path: &Path) -> Result<ureq::tls::RootCerts, VaultError> {
    let pem = std::fs::read(path).map_err(|e| remote(ErrorCode::StoreTls, format!("cannot read the CA file {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c.to_owned()),
            Ok(_) => {}
            Err(e) => return Err(remote(ErrorCode::StoreTls, format!("CA file {}: {e}", path.display()))),
        }
    }
    if certs.is_empty() {
        return Err(remote(ErrorCode::StoreTls, format!("CA file {} holds no certificate", path.display())));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

impl Client {
    pub fn new(address: &str, fallback: &[String], ca_cert: Option<&Path>, timeout: Duration) -> Result<Client, VaultError> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = ca_cert {
            tls = tls.root_certs(load_roots(ca)?);
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .tls_config(tls.build())
            .build();
        let base = address.trim_end_matches('/').to_owned();
        let mut bases = vec![base.clone()];
        bases.extend(fallback.iter().map(|a| a.trim_end_matches('/').to_owned()));
        Ok(Client { agent: config.into(), base, bases, current: std::cell::Cell::new(0), server_time: std::cell::Cell::new(None), token: RefCell::new(None) })
    }

    pub fn set_token(&self, token: Option<Zeroizing<String>>) {
        *self.token.borrow_mut() = token;
    }

    pub fn has_token(&self) -> bool {
        self.token.borrow().is_some()
    }

    fn transport(&self, base: &str, e: ureq::Error) -> VaultError {
        use ureq::Error as E;
        match e {
            E::Tls(_) | E::Pem(_) | E::Rustls(_) => remote(ErrorCode::StoreTls, format!("{base}: {e}")),
            E::Io(ref io) if io.to_string().to_lowercase().contains("certificate") => remote(ErrorCode::StoreTls, format!("{base}: {e}")),
            E::Io(_) | E::ConnectionFailed | E::HostNotFound | E::Timeout(_) => remote(ErrorCode::StoreUnreachable, format!("{base}: {e}")),
            other => remote(ErrorCode::StoreError, format!("{base}: {other}")),
        }
    }

    /// One request. `LIST` is sent as `GET ?list=true`. Transport failures are errors; any HTTP
    /// status is a [`Reply`]. With several nodes, a node that does not answer, is sealed or has
    /// no active node to forward to hands the request to the next one, for up to 15 s (a Raft
    /// election); a write is never answered by anything but the active node.
    pub fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply, VaultError> {
        let n = self.bases.len();
        if n == 1 {
            return self.raw_at(0, method, path, body);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mut last = None;
            for i in 0..n {
                let idx = (self.current.get() + i) % n;
                let r = self.raw_at(idx, method, path, body);
                let next = match &r {
                    Ok(reply) => matches!(reply.status, 307 | 500 | 502 | 503) && !reply.errors().contains("check-and-set"),
                    Err(VaultError::Remote { code, .. }) => *code == ErrorCode::StoreUnreachable,
                    Err(_) => false,
                };
                if !next {
                    self.current.set(idx);
                    return r;
                }
                last = Some(r);
            }
            if std::time::Instant::now() >= deadline {
                return last.unwrap_or_else(|| Err(remote(ErrorCode::StoreUnreachable, "no node answered")));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn raw_at(&self, idx: usize, method: &str, path: &str, body: Option<&Value>) -> Result<Reply, VaultError> {
        let mut url = format!("{}/v1/{}", self.bases[idx], path.trim_start_matches('/'));
        if method == "LIST" {
            url.push_str("?list=true");
        }
        let token = self.token.borrow().clone();
        let result = match method {
            "GET" | "LIST" => {
                let mut r = self.agent.get(&url);
                if let Some(t) = &token {
                    r = r.header("X-Vault-Token", t.as_str());
                }
                r.call()
            }
            "DELETE" => {
                let mut r = self.agent.delete(&url);
                if let Some(t) = &token {
                    r = r.header("X-Vault-Token", t.as_str());
                }
                r.call()
            }
            _ => {
                let mut r = self.agent.post(&url);
                if let Some(t) = &token {
                    r = r.header("X-Vault-Token", t.as_str());
                }
                match body {
                    // Serialized into memory that is wiped afterwards (an enrollment carries a key).
                    Some(b) => {
                        let bytes = Zeroizing::new(serde_json::to_vec(b).unwrap_or_default());
                        r.header("Content-Type", "application/json").send(&bytes[..])
                    }
                    None => r.send_empty(),
                }
            }
        };
        let mut resp = result.map_err(|e| self.transport(&self.bases[idx], e))?;
        let status = resp.status().as_u16();
        self.server_time.set(resp.headers().get("date").and_then(|d| d.to_str().ok()).and_then(http_date));
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::Null) };
        Ok(Reply { status, body })
    }

    /// A request whose non-2xx answers become errors. `what` names the object in messages.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, VaultError> {
        let reply = self.raw(method, path, body)?;
        if reply.ok() {
            return Ok(reply.body);
        }
        Err(self.classify(path, &reply))
    }

    /// The error an answer stands for.
    pub fn classify(&self, path: &str, reply: &Reply) -> VaultError {
        let errors = reply.errors();
        let lower = errors.to_lowercase();
        match reply.status {
            503 if lower.contains("sealed") => remote(ErrorCode::StoreSealed, format!("{}: {errors}", self.base)),
            403 => {
                // A bad token and a policy refusal both answer 403: ask who we are.
                if !self.has_token() {
                    return remote(ErrorCode::StoreAuth, "not logged in");
                }
                match self.raw("GET", "auth/token/lookup-self", None) {
                    Ok(r) if r.ok() => remote(ErrorCode::StoreDenied, format!("{path}: permission denied")),
                    Ok(r) if r.status == 503 => remote(ErrorCode::StoreSealed, r.errors()),
                    Ok(_) => remote(ErrorCode::StoreAuth, "the token is expired, revoked or unknown"),
                    Err(e) => e,
                }
            }
            // A standby that cannot reach an active node sends the client to it.
            307 => remote(ErrorCode::StoreUnreachable, format!("{path}: no active OpenBao node (a leader election, or this node is cut off from the cluster)")),
            500 if lower.contains("active") => remote(ErrorCode::StoreUnreachable, format!("{path}: {errors}")),
            404 if lower.contains("no handler for route") || lower.contains("route entry not found") => {
                remote(ErrorCode::StoreNotMounted, format!("{path}: {errors}"))
            }
            400 if lower.contains("unknown key") => remote(ErrorCode::StoreKeyMissing, format!("{path}: {errors}")),
            s => remote(ErrorCode::StoreError, format!("{path}: HTTP {s} {errors}")),
        }
    }
}

/// Unix seconds of an HTTP date (`Thu, 03 Dec 2026 17:19:48 GMT`, the only form servers send).
pub fn http_date(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, hms, "GMT"] = parts[..] else { return None };
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().position(|m| *m == mon)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, se] = t[..] else { return None };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if month <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + h * 3600 + mi * 60 + se).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates() {
        assert_eq!(super::http_date("Thu, 03 Dec 2026 17:19:48 GMT"), Some(1796318388));
        assert_eq!(super::http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(super::http_date("Sun, 29 Feb 2004 12:00:01 GMT"), Some(1078056001));
        assert_eq!(super::http_date("yesterday"), None);
    }
}
