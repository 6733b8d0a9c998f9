//! Which court an imported entry belongs to, from the names it carries (its issuer, its label).
//!
//! The names are data: each authenticator is known by its id, its `title`, its systems' ids and
//! `short` names, the hosts of its application and login prefixes (all from the registry) and the
//! `aliases` of `core/registry.json` (names other apps use: "eproc - TJRS", "Justiça Federal do
//! Paraná"...). Texts are compared as words (lower case, accents folded, punctuation a
//! separator, letters and digits split: "TRF4", "TRF-4" and "trf 4" are the same), and a name
//! matches when its words appear in a row. A name inside a longer name of another court does not
//! count; two courts named side by side are `ambiguous`, never guessed.

use crate::registry::{LoginStyle, Prefix, Registry, TwoFactor, BUILTIN_ALIASES};

/// One name an authenticator is known by.
#[derive(Debug, Clone, PartialEq)]
struct Alias {
    words: Vec<String>,
    authenticator: String,
    /// The system the name is specific to, when it is one (`jfpr`, `eproc.jfpr.jus.br`).
    system: Option<String>,
}

/// A court an entry may belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub authenticator: String,
    /// The system to show (the one the name pointed at, else the authenticator's first).
    pub system: String,
}

/// What the names of an entry say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    One(Candidate),
    /// The name fits several courts equally well.
    Several(Vec<Candidate>),
    /// It says "eproc" (or has no issuer at all) but names no court: every court is a candidate.
    NoCourt(Vec<Candidate>),
    /// Another service.
    None,
}

/// The names of every authenticator of a registry (built-in aliases included).
pub struct Matcher<'a> {
    registry: &'a Registry,
    aliases: Vec<Alias>,
}

/// Words of a text: lower case, accents folded, split at anything that is not a letter or a
/// digit and between letters and digits.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for ch in text.chars() {
        let c = fold(ch);
        let Some(c) = c else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        };
        if c == '\0' {
            continue; // ordinal marks: "1º" is "1"
        }
        let digit = c.is_ascii_digit();
        if !cur.is_empty() && digit != cur_digit {
            out.push(std::mem::take(&mut cur));
        }
        cur_digit = digit;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A character as compared: lower-case ASCII letter or digit, `'\0'` for characters dropped,
/// `None` for separators.
fn fold(ch: char) -> Option<char> {
    let c = match ch {
        'a'..='z' | '0'..='9' => ch,
        'A'..='Z' => ch.to_ascii_lowercase(),
        'á' | 'à' | 'â' | 'ã' | 'ä' | 'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        'º' | 'ª' | '°' => '\0',
        c if c.is_alphanumeric() => return Some(c.to_lowercase().next().unwrap_or(c)),
        _ => return None,
    };
    Some(c)
}

/// True when `needle` appears in `hay` as consecutive words.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

impl<'a> Matcher<'a> {
    pub fn new(registry: &'a Registry) -> Matcher<'a> {
        let mut aliases = Vec::new();
        let mut push = |text: &str, authenticator: &str, system: Option<&str>| {
            let w = words(text);
            if !w.is_empty() {
                aliases.push(Alias { words: w, authenticator: authenticator.to_owned(), system: system.map(str::to_owned) });
            }
        };
        for (system, app, login) in registry.indexed() {
            let a = system.authenticator.as_str();
            push(a, a, None);
            push(&crate::display::title(registry, a), a, None);
            push(&system.id, a, Some(&system.id));
            push(&crate::display::short(system), a, Some(&system.id));
            for p in std::iter::once(app).chain(login.iter()) {
                push(&host_of(p), a, if login.contains(p) { None } else { Some(&system.id) });
            }
        }
        for (authenticator, names) in BUILTIN_ALIASES {
            if registry.has_authenticator(authenticator) {
                for n in names.iter() {
                    push(n, authenticator, None);
                }
            }
        }
        Matcher { registry, aliases }
    }

    /// The authenticators named in a text. A name found inside a longer name of another
    /// authenticator does not count ("TJTO" inside "TJTO 1º grau"); names side by side do
    /// ("TJRS TRF4": both).
    fn hits(&self, text: &str) -> Vec<Candidate> {
        let hay = words(text);
        // (alias, start, end) of every occurrence.
        let mut found: Vec<(&Alias, usize, usize)> = Vec::new();
        for a in &self.aliases {
            let n = a.words.len();
            if n == 0 || n > hay.len() {
                continue;
            }
            for s in 0..=hay.len() - n {
                if hay[s..s + n] == a.words[..] {
                    found.push((a, s, s + n));
                }
            }
        }
        let inside_other = |auth: &str, s: usize, e: usize| {
            found.iter().any(|(b, bs, be)| b.authenticator != auth && *bs <= s && e <= *be && (be - bs) > (e - s))
        };
        let mut out: Vec<Candidate> = Vec::new();
        let mut best_len: Vec<usize> = Vec::new();
        for (a, s, e) in &found {
            if found.iter().filter(|(b, ..)| b.authenticator == a.authenticator).all(|(_, bs, be)| inside_other(&a.authenticator, *bs, *be)) {
                continue;
            }
            let len = e - s;
            match out.iter().position(|c| c.authenticator == a.authenticator) {
                Some(i) => {
                    if let Some(sys) = &a.system {
                        if len > best_len[i] || out[i].system == self.first_system(&a.authenticator) {
                            out[i].system = sys.clone();
                            best_len[i] = best_len[i].max(len);
                        }
                    }
                }
                None => {
                    out.push(Candidate {
                        authenticator: a.authenticator.clone(),
                        system: a.system.clone().unwrap_or_else(|| self.first_system(&a.authenticator)),
                    });
                    best_len.push(if a.system.is_some() { len } else { 0 });
                }
            }
        }
        out
    }

    fn first_system(&self, authenticator: &str) -> String {
        self.registry.systems_of(authenticator).first().map(|s| s.id.clone()).unwrap_or_default()
    }

    /// Every authenticator a code of ours could be for: courts with TOTP (not those whose A2F is
    /// unavailable, nor the Jus.br SSO, which has its own second factor).
    pub fn all_candidates(&self) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = Vec::new();
        for s in self.registry.systems() {
            if s.two_factor == TwoFactor::Indisponivel || s.login_style == LoginStyle::Jusbr {
                continue;
            }
            if !out.iter().any(|c| c.authenticator == s.authenticator) {
                out.push(Candidate { authenticator: s.authenticator.clone(), system: s.id.clone() });
            }
        }
        out
    }

    /// The candidate for an explicit choice of a system or authenticator id.
    pub fn chosen(&self, id: &str) -> Option<Candidate> {
        let id = id.trim().to_ascii_lowercase();
        if let Some(s) = self.registry.system(&id) {
            return Some(Candidate { authenticator: s.authenticator.clone(), system: s.id.clone() });
        }
        self.registry.has_authenticator(&id).then(|| Candidate { authenticator: id.clone(), system: self.first_system(&id) })
    }

    /// Matches an entry by its issuer and label.
    pub fn find(&self, issuer: Option<&str>, label: &str) -> Match {
        let issuer = issuer.map(str::trim).filter(|i| !i.is_empty());
        // eproc-a2f's own export names the authenticator exactly.
        if let Some(id) = issuer.and_then(|i| i.strip_prefix("eproc-a2f ")) {
            if let Some(c) = self.chosen(id) {
                return Match::One(c);
            }
        }
        if let Some(i) = issuer {
            let hits = self.hits(i);
            if !hits.is_empty() {
                return one_or_several(hits);
            }
            // An issuer that is another service: the label is that service's account name
            // ("maria@trf4.jus.br" at Google is not a TRF4 key).
            if !is_generic(i) {
                return Match::None;
            }
        }
        // No issuer, or only "eproc": a court's name or host may be in the label.
        let hits = self.hits(label);
        if !hits.is_empty() {
            return one_or_several(hits);
        }
        Match::NoCourt(self.all_candidates())
    }
}

fn one_or_several(mut hits: Vec<Candidate>) -> Match {
    if hits.len() == 1 {
        Match::One(hits.remove(0))
    } else {
        Match::Several(hits)
    }
}

/// An issuer that says "eproc" (or "A2F", a court's single sign-on) without naming the court.
fn is_generic(issuer: &str) -> bool {
    let w = words(issuer);
    w.iter().any(|x| x == "eproc" || x == "a2f" || x == "keycloak") || contains_run(&w, &words("jus br"))
}

fn host_of(prefix: &Prefix) -> String {
    prefix.origin.host.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(issuer: Option<&str>, label: &str) -> Match {
        Matcher::new(&Registry::builtin()).find(issuer, label)
    }

    fn one(issuer: Option<&str>, label: &str) -> (String, String) {
        match find(issuer, label) {
            Match::One(c) => (c.authenticator, c.system),
            other => panic!("{issuer:?} {label:?}: {other:?}"),
        }
    }

    #[test]
    fn words_fold_case_accents_and_digits() {
        assert_eq!(words("eproc - TRF4"), ["eproc", "trf", "4"]);
        assert_eq!(words("TRF-4ª Região"), ["trf", "4", "regiao"]);
        assert_eq!(words("Justiça Federal do Paraná"), ["justica", "federal", "do", "parana"]);
        assert_eq!(words("eproc.jfpr.jus.br"), ["eproc", "jfpr", "jus", "br"]);
        assert_eq!(words("TJRS 1º grau"), ["tjrs", "1", "grau"]);
    }

    #[test]
    fn names_other_apps_use_find_the_court() {
        assert_eq!(one(Some("eproc TRF4"), "RS1"), ("trf4".into(), "trf4".into()));
        assert_eq!(one(Some("TRF4"), "RS1").0, "trf4");
        assert_eq!(one(Some("TRF 4"), "RS1").0, "trf4");
        assert_eq!(one(Some("eproc.jfpr.jus.br"), "PR1"), ("trf4".into(), "jfpr".into()));
        assert_eq!(one(Some("eproc - TJRS"), "RS1").0, "tjrs");
        assert_eq!(one(Some("Justiça Federal do Paraná"), "PR1").0, "trf4");
        assert_eq!(one(Some("eproc-a2f tjto-1g"), "x"), ("tjto-1g".into(), "tjto-1g".into()));
        assert_eq!(one(Some("TJRS 2º grau"), "x"), ("tjrs".into(), "tjrs-2g".into()));
        assert_eq!(one(Some("sso.tjsc.jus.br"), "x").0, "tjsc");
        // The court's host in the label, with a generic issuer or none.
        assert_eq!(one(Some("eproc"), "eproc.jfrs.jus.br:RS1"), ("trf4".into(), "jfrs".into()));
        assert_eq!(one(None, "https://eproc.trf2.jus.br/eproc/ RS1").0, "trf2");
        assert_eq!(one(Some("Keycloak"), "eproc-sso.trf4.jus.br").0, "trf4");
    }

    #[test]
    fn ambiguous_and_foreign_names_are_never_guessed() {
        assert!(matches!(find(Some("TJTO"), "x"), Match::Several(c) if c.len() == 2));
        assert!(matches!(find(Some("TJRS TRF4"), "x"), Match::Several(c) if c.len() == 2));
        assert!(matches!(find(Some("eproc"), "RS1"), Match::NoCourt(c) if c.iter().any(|x| x.authenticator == "trf4") && !c.iter().any(|x| x.authenticator == "tjto-1g")));
        assert!(matches!(find(None, "RS1"), Match::NoCourt(_)));
        assert_eq!(find(Some("GitHub"), "maria"), Match::None);
        assert_eq!(find(Some("Google"), "maria@trf4.jus.br"), Match::None);
        // "TJM-RS" is not "TJ-RS" and not TJRS.
        assert_eq!(one(Some("TJM-RS 1º grau"), "x").0, "tjmrs-1g");
    }

    #[test]
    fn explicit_choices() {
        let reg = Registry::builtin();
        let m = Matcher::new(&reg);
        assert_eq!(m.chosen("jfpr"), Some(Candidate { authenticator: "trf4".into(), system: "jfpr".into() }));
        assert_eq!(m.chosen("tjrs"), Some(Candidate { authenticator: "tjrs".into(), system: "tjrs-1g".into() }));
        assert_eq!(m.chosen("nope"), None);
    }

    /// Every built-in authenticator is found, alone, by the issuer the Google Authenticator export
    /// writes for it (`export::issuer_for`), so an export re-imports without questions.
    #[test]
    fn exported_issuers_match_their_own_authenticator() {
        let reg = Registry::builtin();
        let m = Matcher::new(&reg);
        for s in reg.systems() {
            let issuer = super::super::plan::issuer_for(&reg, &s.authenticator);
            match m.find(Some(&issuer), "RS1") {
                Match::One(c) => assert_eq!(c.authenticator, s.authenticator, "{issuer}"),
                other => panic!("{issuer}: {other:?}"),
            }
        }
    }
}
