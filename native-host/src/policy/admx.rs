//! `eproc-a2f policy admx`: Group Policy administrative templates (ADMX + ADML in pt-BR and
//! en-US) for the same policies the `.reg` file writes: force-install, the native-messaging host
//! allowlist, system-level hosts only, and the extension's managed configuration (one policy per
//! key of `extension/schema.json`, from [`super::MANAGED_KEYS`], so the templates cannot drift from
//! the schema; a test parses them and checks that mapping).
//!
//! Layout as the Group Policy editor wants it: `eproc-a2f.admx` in `PolicyDefinitions\`, the
//! `.adml` files in `PolicyDefinitions\pt-BR\` and `PolicyDefinitions\en-US\` (or the same under
//! the domain's Central Store, `\\<domain>\SYSVOL\<domain>\Policies\PolicyDefinitions`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{xml_escape, KeyType, PolicyArgs, Vendor, MANAGED_KEYS};
use crate::config::HOST_NAME;

/// The namespace the templates declare (unique among ADMX files in a Central Store).
pub const NAMESPACE: &str = "IO.Github.EprocA2f.Policies";

/// One language's texts: (string id, text). Policy texts are looked up by key.
struct Texts {
    culture: &'static str,
    display: &'static str,
    description: &'static str,
    supported: &'static str,
    category: &'static str,
    /// (policy, title, explanation)
    browser: [(&'static str, &'static str, &'static str); 3],
    forcelist_label: &'static str,
    /// Managed keys: (key, title, explanation).
    managed: &'static [(&'static str, &'static str, &'static str)],
    /// `mode` choices: (value, text).
    modes: [(&'static str, &'static str); 3],
    minutes_label: &'static str,
    systems_label: &'static str,
    store_label: &'static str,
    mode_label: &'static str,
}

const PT_BR: Texts = Texts {
    culture: "pt-BR",
    display: "eproc-a2f",
    description: "Políticas do eproc-a2f (código A2F do eproc): instalação da extensão, host de native messaging e configuração gerenciada.",
    supported: "eproc-a2f 0.1 ou posterior, no Google Chrome, Microsoft Edge, Brave ou Chromium",
    category: "eproc-a2f",
    browser: [
        (
            "ExtensionInstallForcelist",
            "Instalar a extensão eproc-a2f à força",
            "Grava a entrada 1 da lista ExtensionInstallForcelist do navegador: \"ID;URL do updates.xml\". Se o modelo do próprio navegador já gerencia essa lista, acrescente a entrada lá em vez de usar esta política (as duas escreveriam o valor 1). Fora da Chrome Web Store, o Windows só aceita extensões forçadas em máquinas no domínio (AD ou Entra ID) ou inscritas no Chrome Enterprise Core.",
        ),
        (
            "NativeMessagingAllowlist",
            "Permitir o host de native messaging do eproc-a2f",
            "Grava a entrada 1 da lista NativeMessagingAllowlist com io.github.eproc_a2f, para que o host continue liberado quando NativeMessagingBlocklist bloqueia todos (*).",
        ),
        (
            "NativeMessagingUserLevelHosts",
            "Usar só hosts de native messaging instalados para o computador",
            "Habilitada: NativeMessagingUserLevelHosts = 0, o navegador ignora hosts registrados por usuário (HKCU) e usa só o instalado pelo MSI por máquina (HKLM). Desabilitada: aceita os dois.",
        ),
    ],
    forcelist_label: "ID da extensão;URL do updates.xml",
    managed: &[
        ("mode", "Fonte dos códigos", "De onde vêm os códigos: native (o programa eproc-a2f e o Gerenciador de Credenciais do Windows), browser (chaves cifradas no navegador) ou auto (native quando instalado, senão browser). Substitui a escolha do usuário."),
        ("allowBrowserStorage", "Permitir o modo navegador", "Desabilitada: proíbe guardar chaves no navegador (modo navegador); só o host nativo é usado."),
        ("autoSubmit", "Enviar o login automaticamente", "Envia o formulário de login depois de preencher o código. Substitui a opção do usuário."),
        ("disableExport", "Desativar o backup/exportação das chaves", "Habilitada: esconde o backup da chave (texto e QR) nas páginas de cadastro e a exportação no modo navegador."),
        ("lockAfterMinutes", "Bloquear as chaves do modo navegador após N minutos", "Modo navegador: esquece o cofre desbloqueado após tantos minutos sem uso (0 = nunca)."),
        ("extraSystems", "Sistemas eproc adicionais", "Sistemas acrescentados ao registro embutido, em JSON (lista no formato dos sistemas de core/registry.json; veja docs/admin.md, seção 9). O eproc-a2f policy valida esse JSON; aqui ele é gravado como está."),
        ("store", "Cofre das chaves do host nativo", "Onde o programa eproc-a2f guarda as chaves, em JSON: {\"backend\": \"openbao\", \"address\": \"https://...\", \"caCert\": \"...\", \"prefix\": \"NOME-\", \"auth\": {\"method\": \"userpass\"}} (veja docs/admin.md, seção 11). Vence a configuração do usuário e as variáveis de ambiente. Sem segredos: tokens e secret IDs ficam na máquina."),
    ],
    modes: [("native", "native: programa eproc-a2f"), ("browser", "browser: chaves no navegador"), ("auto", "auto: native se instalado")],
    minutes_label: "Minutos (0 = nunca)",
    systems_label: "JSON dos sistemas",
    store_label: "JSON do cofre",
    mode_label: "Fonte dos códigos",
};

const EN_US: Texts = Texts {
    culture: "en-US",
    display: "eproc-a2f",
    description: "eproc-a2f policies (eproc A2F codes): extension install, native-messaging host and managed configuration.",
    supported: "eproc-a2f 0.1 or later, on Google Chrome, Microsoft Edge, Brave or Chromium",
    category: "eproc-a2f",
    browser: [
        (
            "ExtensionInstallForcelist",
            "Force-install the eproc-a2f extension",
            "Writes entry 1 of the browser's ExtensionInstallForcelist list: \"ID;updates.xml URL\". If the browser's own template already manages that list, add the entry there instead of using this policy (both would write value 1). Outside the Chrome Web Store, Windows accepts force-installed extensions only on machines joined to a domain (AD or Entra ID) or enrolled in Chrome Enterprise Core.",
        ),
        (
            "NativeMessagingAllowlist",
            "Allow the eproc-a2f native-messaging host",
            "Writes entry 1 of the NativeMessagingAllowlist list with io.github.eproc_a2f, so that the host stays allowed when NativeMessagingBlocklist blocks every host (*).",
        ),
        (
            "NativeMessagingUserLevelHosts",
            "Use only native-messaging hosts installed for the computer",
            "Enabled: NativeMessagingUserLevelHosts = 0, the browser ignores hosts registered per user (HKCU) and uses only the one the per-machine MSI installs (HKLM). Disabled: both are accepted.",
        ),
    ],
    forcelist_label: "Extension ID;updates.xml URL",
    managed: &[
        ("mode", "Code source", "Where codes come from: native (the eproc-a2f program and Windows Credential Manager), browser (keys encrypted in the browser) or auto (native when installed, else browser). Overrides the user's choice."),
        ("allowBrowserStorage", "Allow browser mode", "Disabled: forbids keeping keys in the browser (browser mode), so only the native host is used."),
        ("autoSubmit", "Auto-submit the login", "Submits the login form after filling the code. Overrides the user's option."),
        ("disableExport", "Disable key backup/export", "Enabled: hides the key backup (key text and QR) offered on enrollment pages and any export in browser mode."),
        ("lockAfterMinutes", "Lock browser-mode keys after N minutes", "Browser mode: forgets the unlocked key store after this many idle minutes (0 = never)."),
        ("extraSystems", "Extra eproc systems", "Systems added to the built-in registry, as JSON (a list in the format of core/registry.json's systems; see docs/admin.md, section 9). eproc-a2f policy validates that JSON; here it is written as is."),
        ("store", "Key store of the native host", "Where the eproc-a2f program keeps keys, as JSON: {\"backend\": \"openbao\", \"address\": \"https://...\", \"caCert\": \"...\", \"prefix\": \"NAME-\", \"auth\": {\"method\": \"userpass\"}} (see docs/admin.md, section 11). Wins over the user's configuration and the environment. No secrets: tokens and secret IDs stay on the machine."),
    ],
    modes: [("native", "native: the eproc-a2f program"), ("browser", "browser: keys in the browser"), ("auto", "auto: native when installed")],
    minutes_label: "Minutes (0 = never)",
    systems_label: "Systems JSON",
    store_label: "Store JSON",
    mode_label: "Code source",
};

/// A policy's id prefix per browser (ADMX names: letters, digits, `_`).
fn vendor_id(v: Vendor) -> &'static str {
    match v {
        Vendor::Chrome => "Chrome",
        Vendor::Edge => "Edge",
        Vendor::Brave => "Brave",
        Vendor::Chromium => "Chromium",
    }
}

fn managed_text(t: &Texts, key: &str) -> (&'static str, &'static str) {
    t.managed
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, title, explain)| (*title, *explain))
        .unwrap_or_else(|| panic!("admx.rs has no {} text for managed key {key}: add it next to the others", t.culture))
}

/// The ADMX and both ADMLs: (relative path, contents).
pub fn generate(args: &PolicyArgs, update_url: Option<&str>) -> Vec<(PathBuf, String)> {
    let vendors = if args.browser.is_empty() { Vendor::ALL.to_vec() } else { args.browser.clone() };
    let forcelist_entry = match update_url {
        Some(u) => format!("{};{u}", args.extension_id),
        None => args.extension_id.clone(),
    };
    vec![
        (PathBuf::from("eproc-a2f.admx"), admx(&vendors, &args.extension_id)),
        (Path::new("pt-BR").join("eproc-a2f.adml"), adml(&PT_BR, &vendors, &forcelist_entry)),
        (Path::new("en-US").join("eproc-a2f.adml"), adml(&EN_US, &vendors, &forcelist_entry)),
    ]
}

fn admx(vendors: &[Vendor], extension_id: &str) -> String {
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    o.push_str("<!-- eproc-a2f: generated by `eproc-a2f policy admx`; do not edit by hand. -->\n");
    o.push_str("<policyDefinitions xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n");
    let _ = writeln!(o, "  <policyNamespaces>\n    <target prefix=\"eprocA2f\" namespace=\"{NAMESPACE}\"/>\n  </policyNamespaces>");
    o.push_str("  <resources minRequiredRevision=\"1.0\"/>\n");
    o.push_str("  <supportedOn>\n    <definitions>\n      <definition name=\"SUPPORTED_EprocA2f\" displayName=\"$(string.SUPPORTED_EprocA2f)\"/>\n    </definitions>\n  </supportedOn>\n");
    o.push_str("  <categories>\n    <category name=\"EprocA2f\" displayName=\"$(string.EprocA2f)\"/>\n");
    for &v in vendors {
        let _ = writeln!(o, "    <category name=\"EprocA2f_{0}\" displayName=\"$(string.EprocA2f_{0})\">\n      <parentCategory ref=\"EprocA2f\"/>\n    </category>", vendor_id(v));
    }
    o.push_str("  </categories>\n  <policies>\n");
    for &v in vendors {
        let vid = vendor_id(v);
        let base = format!(r"Software\Policies\{}", v.windows_policy_key());
        let head = |o: &mut String, name: &str, key: &str, value_name: Option<&str>, presentation: bool| {
            let _ = write!(
                o,
                "    <policy name=\"{vid}_{name}\" class=\"Both\" displayName=\"$(string.{vid}_{name})\" explainText=\"$(string.{vid}_{name}_Explain)\"{} key=\"{}\"{}>\n      <parentCategory ref=\"EprocA2f_{vid}\"/>\n      <supportedOn ref=\"SUPPORTED_EprocA2f\"/>\n",
                if presentation { format!(" presentation=\"$(presentation.{vid}_{name})\"") } else { String::new() },
                xml_escape(key),
                value_name.map(|n| format!(" valueName=\"{}\"", xml_escape(n))).unwrap_or_default(),
            );
        };
        // Browser policies.
        head(&mut o, "ExtensionInstallForcelist", &format!(r"{base}\ExtensionInstallForcelist"), None, true);
        o.push_str("      <elements>\n        <text id=\"Entry\" valueName=\"1\" required=\"true\"/>\n      </elements>\n    </policy>\n");
        head(&mut o, "NativeMessagingAllowlist", &format!(r"{base}\NativeMessagingAllowlist"), Some("1"), false);
        let _ = writeln!(o, "      <enabledValue>\n        <string>{HOST_NAME}</string>\n      </enabledValue>\n    </policy>");
        head(&mut o, "NativeMessagingUserLevelHosts", &base, Some("NativeMessagingUserLevelHosts"), false);
        o.push_str("      <enabledValue>\n        <decimal value=\"0\"/>\n      </enabledValue>\n      <disabledValue>\n        <decimal value=\"1\"/>\n      </disabledValue>\n    </policy>\n");
        // The extension's managed configuration (storage.managed_schema).
        let policy_key = format!(r"{base}\3rdparty\extensions\{extension_id}\policy");
        for (key, ty) in MANAGED_KEYS {
            match ty {
                KeyType::Bool => {
                    head(&mut o, key, &policy_key, Some(key), false);
                    o.push_str("      <enabledValue>\n        <decimal value=\"1\"/>\n      </enabledValue>\n      <disabledValue>\n        <decimal value=\"0\"/>\n      </disabledValue>\n    </policy>\n");
                }
                KeyType::Enum(values) => {
                    head(&mut o, key, &policy_key, None, true);
                    let _ = writeln!(o, "      <elements>\n        <enum id=\"{key}\" valueName=\"{key}\" required=\"true\">");
                    for value in *values {
                        let _ = writeln!(
                            o,
                            "          <item displayName=\"$(string.{vid}_{key}_{value})\">\n            <value>\n              <string>{}</string>\n            </value>\n          </item>",
                            xml_escape(value)
                        );
                    }
                    o.push_str("        </enum>\n      </elements>\n    </policy>\n");
                }
                KeyType::NonNegativeInt => {
                    head(&mut o, key, &policy_key, None, true);
                    let _ = writeln!(o, "      <elements>\n        <decimal id=\"{key}\" valueName=\"{key}\" minValue=\"0\" maxValue=\"4294967295\" required=\"true\"/>\n      </elements>\n    </policy>");
                }
                KeyType::Systems | KeyType::Store => {
                    // A REG_SZ holding JSON, as in the .reg file (Chrome parses JSON for list values).
                    head(&mut o, key, &policy_key, None, true);
                    let _ = writeln!(o, "      <elements>\n        <text id=\"{key}\" valueName=\"{key}\" maxLength=\"32767\" required=\"true\"/>\n      </elements>\n    </policy>");
                }
            }
        }
    }
    o.push_str("  </policies>\n</policyDefinitions>\n");
    o
}

fn adml(t: &Texts, vendors: &[Vendor], forcelist_entry: &str) -> String {
    let mut strings: Vec<(String, String)> = vec![
        ("SUPPORTED_EprocA2f".into(), t.supported.into()),
        ("EprocA2f".into(), t.category.into()),
    ];
    let mut presentations = String::new();
    for &v in vendors {
        let vid = vendor_id(v);
        strings.push((format!("EprocA2f_{vid}"), v.display().into()));
        for (name, title, explain) in t.browser {
            strings.push((format!("{vid}_{name}"), format!("{title} ({})", v.display())));
            strings.push((format!("{vid}_{name}_Explain"), explain.into()));
        }
        let _ = writeln!(
            presentations,
            "      <presentation id=\"{vid}_ExtensionInstallForcelist\">\n        <textBox refId=\"Entry\">\n          <label>{}</label>\n          <defaultValue>{}</defaultValue>\n        </textBox>\n      </presentation>",
            xml_escape(t.forcelist_label),
            xml_escape(forcelist_entry)
        );
        for (key, ty) in MANAGED_KEYS {
            let (title, explain) = managed_text(t, key);
            strings.push((format!("{vid}_{key}"), format!("{title} ({})", v.display())));
            strings.push((format!("{vid}_{key}_Explain"), format!("{explain}\n\n{key}")));
            match ty {
                KeyType::Bool => {}
                KeyType::Enum(values) => {
                    for value in *values {
                        let text = t.modes.iter().find(|(m, _)| m == value).map(|(_, s)| *s).unwrap_or(value);
                        strings.push((format!("{vid}_{key}_{value}"), text.into()));
                    }
                    let _ = writeln!(
                        presentations,
                        "      <presentation id=\"{vid}_{key}\">\n        <dropdownList refId=\"{key}\" noSort=\"true\" defaultItem=\"0\">{}</dropdownList>\n      </presentation>",
                        xml_escape(t.mode_label)
                    );
                }
                KeyType::NonNegativeInt => {
                    let _ = writeln!(
                        presentations,
                        "      <presentation id=\"{vid}_{key}\">\n        <decimalTextBox refId=\"{key}\" defaultValue=\"0\">{}</decimalTextBox>\n      </presentation>",
                        xml_escape(t.minutes_label)
                    );
                }
                KeyType::Systems | KeyType::Store => {
                    let label = if *ty == KeyType::Store { t.store_label } else { t.systems_label };
                    let _ = writeln!(
                        presentations,
                        "      <presentation id=\"{vid}_{key}\">\n        <textBox refId=\"{key}\">\n          <label>{}</label>\n        </textBox>\n      </presentation>",
                        xml_escape(label)
                    );
                }
            }
        }
    }
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(o, "<!-- eproc-a2f ({}): generated by `eproc-a2f policy admx`; do not edit by hand. -->", t.culture);
    o.push_str("<policyDefinitionResources xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n");
    let _ = writeln!(o, "  <displayName>{}</displayName>\n  <description>{}</description>", xml_escape(t.display), xml_escape(t.description));
    o.push_str("  <resources>\n    <stringTable>\n");
    for (id, text) in &strings {
        let _ = writeln!(o, "      <string id=\"{id}\">{}</string>", xml_escape(text));
    }
    o.push_str("    </stringTable>\n    <presentationTable>\n");
    o.push_str(&presentations);
    o.push_str("    </presentationTable>\n  </resources>\n</policyDefinitionResources>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Kind, PolicyArgs};
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};

    const NS: &str = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions";

    /// The Chromium policies (not extension settings) the templates set, by value or key name.
    const BROWSER_POLICIES: &[&str] = &["ExtensionInstallForcelist", "NativeMessagingAllowlist", "NativeMessagingUserLevelHosts"];

    fn files() -> Vec<(PathBuf, String)> {
        generate(&PolicyArgs::new(Kind::Admx), Some("https://intranet.example.com/eproc-a2f/updates.xml"))
    }

    fn schema() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../extension/schema.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("extension/schema.json")).unwrap()
    }

    /// `$(string.X)` / `$(presentation.X)` references in attribute values.
    fn refs(doc: &roxmltree::Document, kind: &str) -> BTreeSet<String> {
        let prefix = format!("$({kind}.");
        doc.descendants()
            .flat_map(|n| n.attributes().map(|a| a.value().to_owned()).collect::<Vec<_>>())
            .filter_map(|v| v.strip_prefix(&prefix).and_then(|r| r.strip_suffix(')')).map(str::to_owned))
            .collect()
    }

    /// One policy as the registry sees it: (key, value names it writes, element kinds).
    #[derive(Debug)]
    struct Policy {
        key: String,
        values: Vec<(String, String)>,
    }

    fn policies(doc: &roxmltree::Document) -> BTreeMap<String, Policy> {
        let mut out = BTreeMap::new();
        for p in doc.descendants().filter(|n| n.has_tag_name((NS, "policy"))) {
            let key = p.attribute("key").unwrap().to_owned();
            let mut values = Vec::new();
            if let Some(v) = p.attribute("valueName") {
                let kind = if p.descendants().any(|n| n.has_tag_name((NS, "decimal")) && n.parent().is_some_and(|x| x.has_tag_name((NS, "enabledValue")))) {
                    "decimal"
                } else {
                    "string"
                };
                values.push((v.to_owned(), kind.to_owned()));
            }
            for e in p.descendants().filter(|n| n.is_element() && n.parent().is_some_and(|x| x.has_tag_name((NS, "elements")))) {
                values.push((e.attribute("valueName").unwrap().to_owned(), e.tag_name().name().to_owned()));
            }
            out.insert(p.attribute("name").unwrap().to_owned(), Policy { key, values });
        }
        out
    }

    #[test]
    fn templates_parse_and_every_reference_resolves_in_both_languages() {
        let files = files();
        let names: Vec<_> = files.iter().map(|(p, _)| p.to_string_lossy().replace('\\', "/")).collect();
        assert_eq!(names, ["eproc-a2f.admx", "pt-BR/eproc-a2f.adml", "en-US/eproc-a2f.adml"]);
        let admx = roxmltree::Document::parse(&files[0].1).expect("ADMX parses as XML");
        assert!(admx.root_element().has_tag_name((NS, "policyDefinitions")));
        let wanted_strings = refs(&admx, "string");
        let wanted_presentations = refs(&admx, "presentation");
        assert!(!wanted_presentations.is_empty());
        let mut ids_per_language = Vec::new();
        for (path, text) in &files[1..] {
            let adml = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(adml.root_element().has_tag_name((NS, "policyDefinitionResources")));
            let strings: BTreeSet<String> =
                adml.descendants().filter(|n| n.has_tag_name((NS, "string"))).map(|n| n.attribute("id").unwrap().to_owned()).collect();
            let presentations: BTreeSet<String> =
                adml.descendants().filter(|n| n.has_tag_name((NS, "presentation"))).map(|n| n.attribute("id").unwrap().to_owned()).collect();
            assert_eq!(wanted_strings.difference(&strings).collect::<Vec<_>>(), Vec::<&String>::new(), "{}: strings missing", path.display());
            assert_eq!(presentations, wanted_presentations, "{}: presentations", path.display());
            // Each presentation control refers to an element of its policy.
            for pres in adml.descendants().filter(|n| n.has_tag_name((NS, "presentation"))) {
                let policy = admx
                    .descendants()
                    .find(|n| n.attribute("presentation") == Some(&format!("$(presentation.{})", pres.attribute("id").unwrap())))
                    .unwrap();
                for control in pres.children().filter(|n| n.attribute("refId").is_some()) {
                    let id = control.attribute("refId").unwrap();
                    assert!(policy.descendants().any(|n| n.attribute("id") == Some(id)), "{id} in {:?}", policy.attribute("name"));
                }
            }
            ids_per_language.push(strings);
        }
        assert_eq!(ids_per_language[0], ids_per_language[1], "pt-BR and en-US define the same strings");
        assert!(files[1].1.contains("Instalar a extensão eproc-a2f à força"));
        assert!(files[1].1.contains(&format!("{};https://intranet.example.com/eproc-a2f/updates.xml", crate::config::OWN_CHROME_ID)));
    }

    #[test]
    fn every_managed_policy_maps_to_a_schema_key_and_back() {
        let schema = schema();
        let props = schema["properties"].as_object().unwrap();
        let files = files();
        let admx = roxmltree::Document::parse(&files[0].1).unwrap();
        let policies = policies(&admx);
        for v in Vendor::ALL {
            let base = format!(r"Software\Policies\{}", v.windows_policy_key());
            let policy_key = format!(r"{base}\3rdparty\extensions\{}\policy", crate::config::OWN_CHROME_ID);
            let mut covered = BTreeSet::new();
            for (name, p) in policies.iter().filter(|(n, _)| n.starts_with(&format!("{}_", vendor_id(v)))) {
                assert!(p.key.starts_with(&base), "{name}: {}", p.key);
                if p.key == policy_key {
                    // Extension settings: one value per policy, named like a schema key, typed like it.
                    assert_eq!(p.values.len(), 1, "{name}");
                    let (value, kind) = &p.values[0];
                    let prop = props.get(value).unwrap_or_else(|| panic!("{name} writes {value}, which extension/schema.json does not define"));
                    let ty = prop["type"].as_str().unwrap();
                    let ok = match kind.as_str() {
                        "decimal" => ty == "boolean" || (ty == "integer" && prop["minimum"] == 0),
                        "enum" => {
                            let items: Vec<String> = admx
                                .descendants()
                                .filter(|n| n.has_tag_name((NS, "policy")) && n.attribute("name") == Some(name))
                                .flat_map(|n| n.descendants().filter(|x| x.has_tag_name((NS, "string"))).map(|x| x.text().unwrap_or("").to_owned()).collect::<Vec<_>>())
                                .collect();
                            ty == "string" && Value::from(items) == prop["enum"]
                        }
                        // Lists and objects: a REG_SZ holding JSON.
                        "text" => ty == "array" || ty == "string" || ty == "object",
                        _ => false,
                    };
                    assert!(ok, "{name}: ADMX {kind} for schema type {ty}");
                    assert!(covered.insert(value.clone()), "{value} defined twice for {v:?}");
                } else {
                    // Browser policies: known Chromium policy names only.
                    let last = p.key.rsplit('\\').next().unwrap();
                    let policy_name = if p.key == base { p.values[0].0.as_str() } else { last };
                    assert!(BROWSER_POLICIES.contains(&policy_name), "{name}: {}", p.key);
                }
            }
            let schema_keys: BTreeSet<String> = props.keys().cloned().collect();
            assert_eq!(covered, schema_keys, "{v:?}: every schema key has exactly one policy");
        }
    }

    #[test]
    fn one_browser_and_a_firm_id_change_the_keys() {
        let mut a = PolicyArgs::new(Kind::Admx);
        a.browser = vec![Vendor::Edge];
        a.extension_id = "abcdefghijklmnopabcdefghijklmnop".into();
        let files = generate(&a, None);
        roxmltree::Document::parse(&files[0].1).unwrap();
        assert!(!files[0].1.contains(r"Google\Chrome"));
        assert!(files[0].1.contains(r"Software\Policies\Microsoft\Edge\3rdparty\extensions\abcdefghijklmnopabcdefghijklmnop\policy"));
        assert!(files[2].1.contains("<defaultValue>abcdefghijklmnopabcdefghijklmnop</defaultValue>"));
    }
}
