//! KeePassXC's exports: XML (`KeePassFile/Root/Group/Entry/String`) and CSV (a `TOTP` column).
//! The OTP is the `otp` attribute (an otpauth URI or KeeOtp's `key=...&size=...&step=...`), or the
//! legacy `TOTP Seed` with `TOTP Settings` (`step;digits`, `step;S` for Steam). A `.kdbx` itself is
//! opened by the command line through `keepassxc-cli export`, which gives this XML.

use super::uri::otp_field;
use super::{key_from_text, totp_from, Entry, Format, ImportError, Read, Unusable};

pub fn read(text: &str) -> Result<Read, ImportError> {
    let entries = if text.trim_start().starts_with('<') { read_xml(text)? } else { read_csv(text)? };
    Ok(Read { format: Format::Keepassxc, encrypted: false, entries, batch: None })
}

fn read_xml(text: &str) -> Result<Vec<Entry>, ImportError> {
    let opts = roxmltree::ParsingOptions { allow_dtd: false, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| ImportError::invalid("bad_xml", e.to_string()))?;
    if doc.root_element().tag_name().name() != "KeePassFile" {
        return Err(ImportError::invalid("bad_xml", "not a KeePass XML export (no KeePassFile element)"));
    }
    let mut out = Vec::new();
    // Entries inside <History> are old versions of an entry: skipped.
    for entry in doc.descendants().filter(|n| n.has_tag_name("Entry") && !n.ancestors().any(|a| a.has_tag_name("History"))) {
        let mut fields: Vec<(String, String)> = Vec::new();
        for s in entry.children().filter(|n| n.has_tag_name("String")) {
            let key = s.children().find(|n| n.has_tag_name("Key")).and_then(|n| n.text()).unwrap_or("").to_owned();
            let value = s.children().find(|n| n.has_tag_name("Value")).and_then(|n| n.text()).unwrap_or("").to_owned();
            fields.push((key, value));
        }
        let get = |k: &str| fields.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        if let Some(e) = entry_of(get("Title").unwrap_or(""), get("UserName").unwrap_or(""), get("otp"), get("TOTP Seed"), get("TOTP Settings")) {
            out.push(e);
        }
    }
    Ok(out)
}

fn read_csv(text: &str) -> Result<Vec<Entry>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| ImportError::invalid("bad_csv", e.to_string()))?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
    let otp = col(&["TOTP", "otp"]).ok_or_else(|| ImportError::invalid("bad_csv", "no TOTP column in the CSV header"))?;
    let (title, user) = (col(&["Title"]), col(&["Username", "UserName", "Login"]));
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        // The record's text is never quoted: it holds passwords.
        let rec = rec.map_err(|e| ImportError::invalid("bad_csv", format!("row {}: {}", n + 2, csv_error_words(&e))))?;
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
        if let Some(e) = entry_of(field(title), field(user), Some(field(Some(otp))), None, None) {
            out.push(e);
        }
    }
    Ok(out)
}

fn csv_error_words(e: &csv::Error) -> &'static str {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8",
        csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields",
        _ => "unreadable",
    }
}

fn entry_of(title: &str, user: &str, otp: Option<&str>, seed: Option<&str>, settings: Option<&str>) -> Option<Entry> {
    if let Some(v) = otp.filter(|v| !v.trim().is_empty()) {
        return Some(otp_field(v, Some(title), user));
    }
    let seed = seed.filter(|s| !s.trim().is_empty())?;
    let (step, digits) = settings.unwrap_or("30;6").split_once(';').unwrap_or(("30", "6"));
    let otp = if digits.trim().eq_ignore_ascii_case("S") {
        Err(Unusable::Unsupported("Steam codes are not eproc codes".to_owned()))
    } else {
        totp_from(key_from_text(seed), "SHA1", digits.trim().parse().unwrap_or(-1), step.trim().parse().unwrap_or(-1))
    };
    Some(Entry::new(Some(title), user, otp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Params;

    const K: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";

    #[test]
    fn xml_export_reads_otp_keeotp_and_legacy_fields_and_skips_history() {
        let xml = format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile><Meta><Generator>KeePassXC</Generator></Meta><Root><Group><Name>Root</Name>
 <Entry><String><Key>Title</Key><Value>eproc TRF4</Value></String><String><Key>UserName</Key><Value>RS1</Value></String>
  <String><Key>Password</Key><Value ProtectInMemory="True">pw</Value></String>
  <String><Key>otp</Key><Value>otpauth://totp/eproc%20TRF4:RS1?secret={K}&amp;period=30&amp;digits=6&amp;issuer=eproc%20TRF4</Value></String>
  <History><Entry><String><Key>Title</Key><Value>old</Value></String><String><Key>otp</Key><Value>key={K}</Value></String></Entry></History>
 </Entry>
 <Group><Name>Sub</Name>
  <Entry><String><Key>Title</Key><Value>TJRS</Value></String><String><Key>UserName</Key><Value>RS2</Value></String>
   <String><Key>otp</Key><Value>key={K}&amp;size=8&amp;step=30</Value></String></Entry>
  <Entry><String><Key>Title</Key><Value>JFPR</Value></String><String><Key>UserName</Key><Value>PR3</Value></String>
   <String><Key>TOTP Seed</Key><Value>{K}</Value></String><String><Key>TOTP Settings</Key><Value>30;6</Value></String></Entry>
  <Entry><String><Key>Title</Key><Value>no otp</Value></String></Entry>
 </Group></Group></Root></KeePassFile>"#);
        let r = read(&xml).unwrap();
        assert_eq!(r.entries.len(), 3);
        assert_eq!((r.entries[0].issuer.as_deref(), r.entries[0].account.as_str()), (Some("eproc TRF4"), "RS1"));
        assert_eq!(r.entries[1].otp.as_ref().unwrap().params, Params { digits: 8, ..Params::default() });
        assert_eq!((r.entries[2].issuer.as_deref(), r.entries[2].account.as_str()), (Some("JFPR"), "PR3"));
        assert!(matches!(read("<x/>").unwrap_err(), ImportError::Invalid { reason: "bad_xml", .. }));
        assert!(matches!(read("<KeePassFile><Root>").unwrap_err(), ImportError::Invalid { reason: "bad_xml", .. }));
    }

    #[test]
    fn csv_export_reads_the_totp_column() {
        let csv = format!("\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
            \"Root\",\"eproc JFSC\",\"SC9\",\"p,w\",\"https://eproc.jfsc.jus.br/\",\"\",\"otpauth://totp/eproc%20JFSC:SC9?secret={K}&period=30&digits=6&issuer=eproc%20JFSC\",\"0\",\"\",\"\"\n\
            \"Root\",\"mail\",\"m\",\"x\",\"\",\"\",\"\",\"0\",\"\",\"\"\n");
        let r = read(&csv).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].account, "SC9");
        assert!(matches!(read("a,b\n1,2\n").unwrap_err(), ImportError::Invalid { reason: "bad_csv", .. }));
    }
}
