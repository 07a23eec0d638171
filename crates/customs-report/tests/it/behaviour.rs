//! The model's triage helpers and what each renderer must (not) show.

use std::collections::BTreeSet;

use customs_model::Severity;
use customs_report::{render_json, Format, ScanReport, Scanner};
use serde_json::Value;

use crate::{fixture, render_to_vec};

fn text(format: Format, r: &ScanReport, color: bool) -> String {
    String::from_utf8(render_to_vec(format, r, color)).unwrap()
}

fn json(format: Format, r: &ScanReport) -> Value {
    serde_json::from_slice(&render_to_vec(format, r, false)).unwrap()
}

#[test]
fn counts_separate_suppressed_findings() {
    let r = fixture::report();
    let c = r.counts();
    assert_eq!(
        (
            c.vulnerabilities.critical,
            c.vulnerabilities.high,
            c.vulnerabilities.medium
        ),
        (0, 3, 3)
    );
    assert_eq!((c.suppressed.critical, c.suppressed.unknown), (1, 1));
    assert_eq!(c.suppressed.total(), 2);
    assert_eq!((c.secrets.critical, c.secrets.high), (2, 1));
    assert_eq!(c.misconfigurations.total(), r.misconfigurations.len());
    assert!(
        c.misconfigurations.total() >= 4,
        "{:?}",
        r.misconfigurations
    );
    assert_eq!(c.active().total(), 6 + 3 + r.misconfigurations.len());
    assert_eq!(
        r.scanners,
        vec![Scanner::Vuln, Scanner::Secret, Scanner::Misconfig]
    );
}

#[test]
fn max_severity_ignores_suppressed_unless_asked() {
    let mut r = fixture::report();
    r.secrets.clear();
    r.misconfigurations.clear();
    // The only CRITICAL vulnerability (minimist) is suppressed by VEX.
    assert_eq!(r.max_severity(false), Some(Severity::High));
    assert_eq!(r.max_severity(true), Some(Severity::Critical));
    r.vulnerabilities.clear();
    assert_eq!(r.max_severity(true), None);
    // Secrets and misconfigurations count too.
    let full = fixture::report();
    assert_eq!(full.max_severity(false), Some(Severity::Critical));
}

#[test]
fn filter_by_severity_and_fix() {
    let mut r = fixture::report();
    r.filter_min_severity(Severity::High, false);
    let ids: BTreeSet<&str> = r.vulnerabilities.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "CVE-2018-18074",
            "CVE-2020-8203",
            "CVE-2021-23337",
            "CVE-2021-44906"
        ])
    );
    assert!(r.secrets.iter().all(|s| s.severity >= Severity::High));
    assert!(r
        .misconfigurations
        .iter()
        .all(|m| m.severity >= Severity::High));

    // A set of severities, as `--severity MEDIUM,CRITICAL` gives it.
    let mut r = fixture::report();
    r.filter(&[Severity::Medium, Severity::Critical], false);
    let ids: BTreeSet<&str> = r.vulnerabilities.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "CVE-2019-11236",
            "CVE-2019-11324",
            "CVE-2020-28168",
            "CVE-2021-44906"
        ])
    );
    assert_eq!(r.secrets.len(), 2);

    let mut r = fixture::report();
    r.filter(&[], true);
    assert_eq!(r.vulnerabilities.len(), 7);
    assert!(!r.vulnerabilities.iter().any(|f| f.id == "CVE-2019-1010022"));
    assert_eq!(r.secrets.len(), 3);
}

#[test]
fn json_round_trips_in_canonical_order() {
    let r = fixture::report();
    let mut bytes = Vec::new();
    render_json(&r, &mut bytes).unwrap();
    let back: ScanReport = serde_json::from_slice(&bytes).unwrap();
    let mut sorted = r.clone();
    sorted.sort();
    assert_eq!(back, sorted);
    // Severity descending, then ID.
    let sev: Vec<Severity> = back.vulnerabilities.iter().map(|f| f.severity).collect();
    let mut want = sev.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, want);
    assert_eq!(back.vulnerabilities[0].id, "CVE-2021-44906");
    // Documented top-level fields.
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    for key in [
        "schema_version",
        "tool",
        "created",
        "subject",
        "scanners",
        "package_count",
        "packages",
        "vulnerabilities",
        "unmatched",
        "secrets",
        "misconfigurations",
        "warnings",
        "database",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["schema_version"], 1);
    assert_eq!(
        v["scanners"],
        serde_json::json!(["vuln", "secret", "misconfig"])
    );
    assert_eq!(v["subject"]["kind"], "image");
}

#[test]
fn suppressed_findings_are_shown_not_dropped() {
    let r = fixture::report();
    let table = text(Format::Table, &r, false);
    assert!(table.contains("Suppressed (2):"), "{table}");
    let line = table
        .lines()
        .find(|l| l.contains("CVE-2021-44906"))
        .unwrap();
    assert!(
        line.contains("not_affected (vulnerable_code_not_in_execute_path)"),
        "{line}"
    );
    assert!(
        line.contains("VEX https://example.invalid/vex/polyglot-app.json"),
        "{line}"
    );
    assert!(table.contains("ignored: disputed upstream"));
    assert!(table.contains("suppressed: 2"));

    let sarif = json(Format::Sarif, &r);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|x| x.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 2);
    for s in &suppressed {
        assert_eq!(s["suppressions"][0]["kind"], "external");
        assert!(!s["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .is_empty());
    }

    let cdx = json(Format::CycloneDx, &r);
    let vulns = cdx["vulnerabilities"].as_array().unwrap();
    let by_id = |id: &str| vulns.iter().find(|v| v["id"] == id).unwrap();
    let m = by_id("CVE-2021-44906");
    assert_eq!(m["analysis"]["state"], "not_affected");
    assert_eq!(m["analysis"]["justification"], "code_not_reachable");
    let g = by_id("CVE-2019-1010022");
    assert_eq!(g["analysis"]["state"], "exploitable");
    assert_eq!(
        g["analysis"]["response"],
        serde_json::json!(["will_not_fix"])
    );
    assert!(by_id("CVE-2018-18074").get("analysis").is_none());

    let html = text(Format::Html, &r, false);
    assert!(html.contains("<h2 id=\"suppressed\">Suppressed (2)</h2>"));
    assert!(html.contains("minimist is only used by the build scripts"));
}

#[test]
fn sarif_is_shaped_for_code_scanning() {
    let sarif = json(Format::Sarif, &fixture::report());
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        8 + 3 + fixture::report().misconfigurations.len()
    );
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !rule[key]["text"].as_str().unwrap().is_empty(),
                "{key} of {}",
                rule["id"]
            );
        }
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
        assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
    }
    for res in results {
        let i = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[i]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/'), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert_eq!(
            res["partialFingerprints"]["customsFindingHash/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    // CVSS 3.1 7.5 for requests; the rule carries it as a string.
    let req = rules.iter().find(|r| r["id"] == "CVE-2018-18074").unwrap();
    assert_eq!(req["properties"]["security-severity"], "7.5");
    assert_eq!(req["defaultConfiguration"]["level"], "error");
    // A secret with its line; the deleted key says so.
    let key = results
        .iter()
        .find(|r| r["ruleId"] == "private-key")
        .unwrap();
    assert_eq!(
        key["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/config/deploy-key.pem"
    );
    assert!(key["message"]["text"]
        .as_str()
        .unwrap()
        .contains("deleted in layer 8"));
    // PSS metadata from customs-misconfig's rule table.
    assert!(
        rules
            .iter()
            .any(|r| r["properties"]["pssControl"] == "Privileged Containers"),
        "{rules:#?}"
    );
}

#[test]
fn cyclonedx_vdr_links_every_vulnerability_to_a_component() {
    let r = fixture::report();
    let cdx = json(Format::CycloneDx, &r);
    let refs: BTreeSet<&str> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), r.packages.len());
    let vulns = cdx["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 8);
    for v in vulns {
        for a in v["affects"].as_array().unwrap() {
            assert!(refs.contains(a["ref"].as_str().unwrap()), "{a}");
            assert_eq!(a["versions"][0]["status"], "affected");
        }
    }
    let req = vulns.iter().find(|v| v["id"] == "CVE-2018-18074").unwrap();
    assert_eq!(req["ratings"][0]["method"], "CVSSv31");
    assert_eq!(req["ratings"][0]["score"], 7.5);
    assert_eq!(req["ratings"][0]["severity"], "high");
    assert_eq!(
        req["ratings"][0]["vector"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    );
    assert!(req["recommendation"].as_str().unwrap().contains("2.20.0"));
    assert_eq!(req["source"]["name"], "NVD");
    assert_eq!(req["references"][0]["id"], "GHSA-x84v-xcm2-53pg");
    // No CVSS: the distro's rating, method "other".
    let g = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2019-1010022")
        .unwrap();
    assert_eq!(g["ratings"][0]["method"], "other");
    assert_eq!(g["ratings"][0]["severity"], "unknown");

    // Without a package list, components come from the findings.
    let mut bare = r;
    bare.packages.clear();
    let cdx = json(Format::CycloneDx, &bare);
    let names: BTreeSet<&str> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["axios", "libc6", "lodash", "minimist", "requests", "urllib3"])
    );
    crate::schema::assert_valid(
        Format::CycloneDx,
        &render_to_vec(Format::CycloneDx, &bare, false),
        "bom without packages",
    );
}

/// A report whose every string a hostile image or advisory controls tries to
/// inject markup.
fn hostile() -> ScanReport {
    let mut r = fixture::report();
    let evil = "<script>alert(1)</script>";
    r.subject.name = format!("img{evil}");
    r.subject.layers[0].created_by = Some(format!("RUN echo '{evil}'"));
    let f = &mut r.vulnerabilities[0];
    f.package_name = format!("pkg{evil}");
    f.title = "\"><img src=x onerror=alert(1)>".into();
    f.references = vec!["javascript:alert(1)".into()];
    f.fixed_versions = vec![format!("1.0{evil}")];
    r.secrets[0].path = format!("/app/{evil}");
    r.misconfigurations[0].message = format!("bad {evil}");
    r.warnings
        .push(customs_model::Warning::new("x", evil, evil));
    r.packages[0].name = format!("p{evil}");
    r.vulnerabilities[1].cwe_ids = vec![evil.into(), "CWE-79".into()];
    r
}

#[test]
fn cwe_ids_reach_every_format() {
    let r = fixture::report();
    // JSON: the field, only on findings that have CWE ids.
    let report = json(Format::Json, &r);
    let vulns = report["vulnerabilities"].as_array().unwrap();
    let by_id = |list: &[Value], id: &str| list.iter().find(|v| v["id"] == id).unwrap().clone();
    assert_eq!(
        by_id(vulns, "CVE-2020-8203")["cwe_ids"],
        serde_json::json!(["CWE-770", "CWE-1321"])
    );
    assert!(by_id(vulns, "CVE-2018-18074").get("cwe_ids").is_none());
    // SARIF: GitHub's `external/cwe/cwe-<n>` tags after the existing ones.
    let sarif = json(Format::Sarif, &r);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        by_id(&rules, "CVE-2020-8203")["properties"]["tags"],
        serde_json::json!([
            "vulnerability",
            "security",
            "HIGH",
            "external/cwe/cwe-770",
            "external/cwe/cwe-1321"
        ])
    );
    assert_eq!(
        by_id(&rules, "CVE-2018-18074")["properties"]["tags"],
        serde_json::json!(["vulnerability", "security", "HIGH"])
    );
    // CycloneDX: integers.
    let cdx = json(Format::CycloneDx, &r);
    let cvulns = cdx["vulnerabilities"].as_array().unwrap().clone();
    assert_eq!(
        by_id(&cvulns, "CVE-2020-8203")["cwes"],
        serde_json::json!([770, 1321])
    );
    assert_eq!(
        by_id(&cvulns, "CVE-2020-28168")["cwes"],
        serde_json::json!([918])
    );
    assert!(by_id(&cvulns, "CVE-2018-18074").get("cwes").is_none());
    // HTML: shown with the finding, linked to MITRE.
    let html = text(Format::Html, &r, false);
    assert!(html.contains(">CWE-918</a>"), "axios CWE");
    assert!(html.contains("https://cwe.mitre.org/data/definitions/1321.html"));

    // Text that is not a CWE id is escaped in HTML and left out where a
    // number is required.
    let h = hostile();
    let sarif = json(Format::Sarif, &h);
    let cdx = json(Format::CycloneDx, &h);
    let id = h.vulnerabilities[1].id.as_str();
    let rule = by_id(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap(),
        id,
    );
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"external/cwe/cwe-79"), "{tags:?}");
    assert!(!tags.iter().any(|t| t.contains('<')), "{tags:?}");
    let v = by_id(cdx["vulnerabilities"].as_array().unwrap(), id);
    assert!(v["cwes"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(79)));
    crate::schema::assert_valid(
        Format::CycloneDx,
        &render_to_vec(Format::CycloneDx, &h, false),
        "hostile bom",
    );
    crate::schema::assert_valid(
        Format::Sarif,
        &render_to_vec(Format::Sarif, &h, false),
        "hostile sarif",
    );
}

#[test]
fn html_is_self_contained_and_escapes_everything() {
    let html = text(Format::Html, &hostile(), false);
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "unescaped script tag");
    assert!(!lower.contains("<img"), "unescaped img tag");
    assert!(!lower.contains("href=\"javascript:"), "javascript link");
    assert!(html.contains("pkg&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // Nothing from the network: no external references of any kind.
    for needle in [
        "<link",
        "src=\"http",
        "url(",
        "@import",
        "<iframe",
        "<object",
    ] {
        assert!(!lower.contains(needle), "{needle}");
    }
    assert!(html.contains("Content-Security-Policy"));
    // The charts are there: severity bars and one row per layer.
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("Findings by severity"));
    assert!(html.contains("#8 RUN rm /app/config/deploy-key.pem"));
    assert!(html.contains("no layer (image config, history)"));
}

#[test]
fn other_formats_escape_too() {
    let r = hostile();
    // SARIF, CycloneDX and JSON are JSON: parse them; strings survive intact.
    for format in [Format::Json, Format::Sarif, Format::CycloneDx] {
        let v = json(format, &r);
        assert!(v.to_string().contains("<script>alert(1)</script>"));
        crate::schema::assert_valid(format, &render_to_vec(format, &r, false), "hostile report");
    }
    // The table drops control characters, so text cannot drive the terminal.
    let mut r = fixture::report();
    r.vulnerabilities[0].package_name = "evil\u{1b}[2J\u{7}".into();
    let table = text(Format::Table, &r, false);
    assert!(!table.contains('\u{1b}'));
    assert!(table.contains("evil?[2J?"));
}

#[test]
fn table_colours_only_when_asked() {
    let r = fixture::report();
    let plain = text(Format::Table, &r, false);
    let color = text(Format::Table, &r, true);
    assert!(!plain.contains('\u{1b}'));
    assert!(color.contains("\u{1b}[31mHIGH\u{1b}[0m"));
    // Grouped by package: lodash's two findings under one name.
    let lodash_rows = plain.lines().filter(|l| l.starts_with("lodash")).count();
    assert_eq!(lodash_rows, 1);
    assert!(plain.contains("CVE-2021-23337"));
    let summary = plain.lines().last().unwrap();
    assert!(summary.starts_with("Total: "), "{summary}");
    assert!(summary.contains("HIGH: "));
    // Secrets: layer, removed-in and the redacted match.
    let key = plain
        .lines()
        .find(|l| l.starts_with("private-key"))
        .unwrap();
    assert!(key.contains("/app/config/deploy-key.pem"));
    assert!(key.contains("-----BEGIN RSA PRIVATE KEY-----****"));
    // Unmatched packages with the reason.
    assert!(
        plain.contains("rake 13.0.6 (gem): the vulnerability database has no data for RubyGems")
    );
}

#[test]
fn formats_parse() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
    }
    assert_eq!("CDX".parse::<Format>().unwrap(), Format::CycloneDx);
    assert!("xml".parse::<Format>().is_err());
}
