//! How people call an account's court: the authenticator's `title` ("TRF4") and each system's
//! `short` name ("JFPR", "TJRS 1º grau"), from `core/registry.json` (statics written by
//! `build.rs`). Kept apart from [`crate::registry::Registry`] so that the WASM login module, which
//! never names anything for people, does not carry these strings.

use crate::registry::{Registry, System, BUILTIN_SHORTS, BUILTIN_TITLES};

/// The court's name for an authenticator: the registry's `title`; for an administrator's extra
/// system, its `court`, else the start of its `name` ("TJXX - 1º grau" → "TJXX"), else the id.
pub fn title(registry: &Registry, authenticator: &str) -> String {
    if let Some((_, t)) = BUILTIN_TITLES.iter().find(|(id, _)| *id == authenticator) {
        return (*t).to_owned();
    }
    match registry.systems_of(authenticator).first() {
        Some(s) if !s.court.trim().is_empty() => s.court.trim().to_owned(),
        Some(s) => head_of_name(s),
        None => authenticator.to_uppercase(),
    }
}

/// A system's short name: the registry's `short`; for an extra system, the start of its `name`.
pub fn short(system: &System) -> String {
    if let Some((_, s)) = BUILTIN_SHORTS.iter().find(|(id, _)| *id == system.id) {
        return (*s).to_owned();
    }
    head_of_name(system)
}

/// The short names of every system an authenticator serves, in registry order.
pub fn systems_short(registry: &Registry, authenticator: &str) -> Vec<String> {
    registry.systems_of(authenticator).into_iter().map(short).collect()
}

fn head_of_name(system: &System) -> String {
    let head = system.name.split(" - ").next().unwrap_or("").trim();
    if head.is_empty() {
        system.id.to_uppercase()
    } else {
        head.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::BUILTIN_JSON;

    #[test]
    fn every_builtin_authenticator_has_a_title_and_every_system_a_short_name() {
        let reg = Registry::builtin();
        let json: serde_json::Value = serde_json::from_str(BUILTIN_JSON).unwrap();
        for s in reg.systems() {
            assert!(BUILTIN_TITLES.iter().any(|(id, _)| *id == s.authenticator), "no title for {}", s.authenticator);
            assert!(BUILTIN_SHORTS.iter().any(|(id, _)| *id == s.id), "no short for {}", s.id);
        }
        // No title for an authenticator the registry does not have (a typo in the data).
        for (id, _) in BUILTIN_TITLES {
            assert!(reg.has_authenticator(id), "title for unknown authenticator {id}");
        }
        assert_eq!(json["authenticators"].as_object().unwrap().len(), BUILTIN_TITLES.len());
    }

    #[test]
    fn courts_are_named_the_way_they_call_themselves() {
        let reg = Registry::builtin();
        assert_eq!(title(&reg, "trf4"), "TRF4");
        assert_eq!(systems_short(&reg, "trf4"), ["TRF4", "JFPR", "JFSC", "JFRS"]);
        assert_eq!(title(&reg, "tjrs"), "TJRS");
        assert_eq!(systems_short(&reg, "tjrs"), ["TJRS 1º grau", "TJRS 2º grau"]);
        assert_eq!(title(&reg, "jfes"), "JFES");
        assert_eq!(title(&reg, "nope"), "NOPE");
    }

    #[test]
    fn extra_systems_are_named_from_their_court_or_name() {
        let mut reg = Registry::builtin();
        reg.add_systems_json(
            r#"[{"id":"tjxx-1g","court":"","name":"TJXX - 1º grau","app":"https://eproc1g.tjxx.jus.br/eproc/",
                 "login_style":"eproc","two_factor":"opcional","authenticator":"tjxx"}]"#,
        )
        .unwrap();
        assert_eq!(title(&reg, "tjxx"), "TJXX");
        assert_eq!(systems_short(&reg, "tjxx"), ["TJXX"]);
    }
}
