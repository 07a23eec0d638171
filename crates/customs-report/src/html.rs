//! One self-contained HTML file: inline CSS and inline SVG charts, no script,
//! nothing loaded from anywhere (a Content-Security-Policy of `default-src
//! 'none'` says so to the browser as well). Every string from the report is
//! escaped; links are written only for plain http(s) URLs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use customs_model::Severity;
use customs_vuln::Finding;

use crate::util::{finding_layer, is_web_url, severity_lower, suppression_text, SEVERITIES_DESC};
use crate::{Error, ScanReport, Scanner};

/// Escapes text for HTML element content and quoted attribute values;
/// control characters are dropped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#8b0000",
        Severity::High => "#d9480f",
        Severity::Medium => "#e6a700",
        Severity::Low => "#1c7ed6",
        Severity::Unknown => "#868e96",
    }
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#212529;background:#fff}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{margin-top:2rem;border-bottom:1px solid #dee2e6;padding-bottom:.25rem}
.meta{color:#495057;font-size:.9rem}.meta code{font-size:.85rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #dee2e6;border-radius:6px;padding:.5rem 1rem;min-width:7rem}
.card .n{font-size:1.6rem;font-weight:600}
.charts{display:flex;gap:2rem;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;font-size:.875rem;margin-top:.5rem}
th,td{border-bottom:1px solid #e9ecef;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f8f9fa}
.sev{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff;font-size:.75rem;font-weight:600}
.critical{background:#8b0000}.high{background:#d9480f}.medium{background:#e6a700}.low{background:#1c7ed6}.unknown{background:#868e96}
.muted{color:#868e96}.removed{color:#d9480f;font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
";

fn sev_badge(s: Severity) -> String {
    format!(
        "<span class=\"sev {}\">{}</span>",
        severity_lower(s),
        s.as_str()
    )
}

fn opt_num(n: Option<impl std::fmt::Display>) -> String {
    n.map_or_else(
        || "<span class=\"muted\">-</span>".to_owned(),
        |n| n.to_string(),
    )
}

/// A vertical bar chart of counts per severity.
fn severity_chart(counts: &crate::SeverityCounts) -> String {
    let max = SEVERITIES_DESC
        .iter()
        .map(|s| counts.get(*s))
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, bar, gap, top, bottom) = (360usize, 200usize, 48usize, 20usize, 20usize, 30usize);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Findings by severity\"><title>Findings by severity</title>"
    );
    let plot = h - top - bottom;
    for (i, s) in SEVERITIES_DESC.iter().enumerate() {
        let n = counts.get(*s);
        let bh = n * plot / max;
        let x = gap + i * (bar + gap);
        let y = top + plot - bh;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{bh}\" fill=\"{}\"><title>{}: {n}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            color(*s),
            s.as_str(),
            x + bar / 2,
            y.saturating_sub(4).max(12),
            x + bar / 2,
            h - bottom + 16,
            s.as_str()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal stacked bar per layer (index and `created_by`), findings
/// split by severity. Findings without a layer get their own row.
fn layer_chart(report: &ScanReport) -> String {
    let mut per_layer: BTreeMap<Option<usize>, crate::SeverityCounts> = BTreeMap::new();
    for l in &report.subject.layers {
        per_layer.entry(Some(l.index)).or_default();
    }
    for f in report
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_none())
    {
        per_layer
            .entry(finding_layer(f))
            .or_default()
            .add(f.severity);
    }
    for s in &report.secrets {
        per_layer.entry(s.layer_index).or_default().add(s.severity);
    }
    if per_layer.is_empty() {
        return "<p class=\"muted\">No layers.</p>".to_owned();
    }
    let max = per_layer
        .values()
        .map(|c| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, plot_w, row_h) = (420usize, 300usize, 26usize);
    let h = per_layer.len() * row_h + 10;
    let w = label_w + plot_w + 60;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Findings by layer\"><title>Findings by layer</title>"
    );
    for (row, (layer, counts)) in per_layer.iter().enumerate() {
        let y = 5 + row * row_h;
        let label = match layer {
            Some(i) => {
                let created = report
                    .layer(*i)
                    .and_then(|l| l.created_by.as_deref())
                    .unwrap_or("");
                format!("#{i} {}", cut(created.trim(), 60))
            }
            None => "no layer (image config, history)".to_owned(),
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text>",
            y + 16,
            esc(&label)
        );
        let mut x = label_w;
        for s in SEVERITIES_DESC {
            let n = counts.get(s);
            if n == 0 {
                continue;
            }
            let bw = (n * plot_w / max).max(2);
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{bw}\" height=\"{}\" fill=\"{}\"><title>layer {}: {n} {}</title></rect>",
                y + 3,
                row_h - 8,
                color(s),
                layer.map_or_else(|| "-".to_owned(), |i| i.to_string()),
                s.as_str()
            );
            x += bw;
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
            x + 6,
            y + 16,
            counts.total()
        );
    }
    svg.push_str("</svg>");
    svg
}

fn id_cell(f: &Finding) -> String {
    let mut s = match f.references.iter().find(|r| is_web_url(r)) {
        Some(url) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(url),
            esc(&f.id)
        ),
        None => esc(&f.id),
    };
    if !f.aliases.is_empty() {
        let _ = write!(
            s,
            "<br><span class=\"muted\">{}</span>",
            esc(&f.aliases.join(", "))
        );
    }
    s
}

/// The title, then the CWE ids (each linked to its MITRE page when it is
/// a plain `CWE-<n>`; any other text is only escaped).
fn title_cell(f: &Finding) -> String {
    let mut s = esc(&cut(&f.title, 200));
    if !f.cwe_ids.is_empty() {
        let cwes: Vec<String> = f
            .cwe_ids
            .iter()
            .take(16)
            .map(|c| match customs_vuln::cwe_number(c) {
                Some(n) => format!(
                    "<a href=\"https://cwe.mitre.org/data/definitions/{n}.html\" rel=\"noopener noreferrer\">CWE-{n}</a>"
                ),
                None => esc(&cut(c, 40)),
            })
            .collect();
        let _ = write!(s, "<br><span class=\"muted\">{}</span>", cwes.join(", "));
    }
    s
}

fn vuln_table(out: &mut String, list: &[&Finding]) {
    out.push_str("<table><thead><tr><th>Package</th><th>Installed</th><th>ID</th><th>Severity</th><th>Fixed in</th><th>Layer</th><th>Title</th></tr></thead><tbody>\n");
    for f in list {
        let fixed = if f.fixed_versions.is_empty() {
            "<span class=\"muted\">no fix</span>".to_owned()
        } else {
            esc(&f.fixed_versions.join(", "))
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.package_name),
            esc(&f.installed_version),
            id_cell(f),
            sev_badge(f.severity),
            fixed,
            opt_num(finding_layer(f)),
            title_cell(f)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Writes the report as one self-contained HTML page.
pub fn render_html(report: &ScanReport, out: &mut dyn Write) -> Result<(), Error> {
    let mut sorted = report.clone();
    sorted.sort();
    let report = &sorted;
    let counts = report.counts();
    let active = counts.active();
    let s = &report.subject;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>customs report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&s.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&s.name));
    h.push_str("<div class=\"meta\">");
    if let Some(d) = &s.image_id {
        let _ = write!(h, "Image ID <code>{}</code> · ", esc(&d.to_string()));
    }
    if let Some(d) = &s.manifest_digest {
        let _ = write!(h, "manifest <code>{}</code> · ", esc(&d.to_string()));
    }
    if let Some(p) = &s.platform {
        let _ = write!(h, "{} · ", esc(p));
    }
    if let Some(os) = &s.os {
        let name = os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", os.id, os.version_id.clone().unwrap_or_default()));
        let _ = write!(h, "{} · ", esc(name.trim()));
    }
    let _ = write!(
        h,
        "scanned {} by {} {}",
        esc(&report.created),
        esc(&report.tool.name),
        esc(&report.tool.version)
    );
    if let Some(db) = &report.database {
        let _ = write!(h, " · vulnerability database built {}", esc(&db.built));
    }
    h.push_str("</div>\n");

    // Summary cards.
    h.push_str("<div class=\"cards\">");
    for sev in SEVERITIES_DESC {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"n\" style=\"color:{}\">{}</div>{}</div>",
            color(sev),
            active.get(sev),
            sev.as_str()
        );
    }
    let _ = write!(
        h,
        "<div class=\"card\"><div class=\"n\">{}</div>suppressed</div><div class=\"card\"><div class=\"n\">{}</div>packages</div>",
        counts.suppressed.total(),
        report.package_count
    );
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p>{} vulnerabilities, {} secrets, {} misconfigurations (scanners: {}).</p>",
        counts.vulnerabilities.total(),
        counts.secrets.total(),
        counts.misconfigurations.total(),
        esc(&report
            .scanners
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "))
    );

    h.push_str("<div class=\"charts\"><figure><figcaption>Findings by severity</figcaption>");
    h.push_str(&severity_chart(&active));
    h.push_str(
        "</figure><figure><figcaption>Findings by layer (vulnerabilities and secrets)</figcaption>",
    );
    h.push_str(&layer_chart(report));
    h.push_str("</figure></div>\n");

    let ran = |sc: Scanner| report.scanners.contains(&sc);
    if ran(Scanner::Vuln) || !report.vulnerabilities.is_empty() {
        let active: Vec<&Finding> = report
            .vulnerabilities
            .iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        let _ = writeln!(
            h,
            "<h2 id=\"vulnerabilities\">Vulnerabilities ({})</h2>",
            active.len()
        );
        if active.is_empty() {
            h.push_str("<p>No vulnerabilities found.</p>\n");
        } else {
            let mut by_pkg = active.clone();
            by_pkg.sort_by(|a, b| {
                (
                    &a.package_name,
                    &a.installed_version,
                    std::cmp::Reverse(a.severity),
                    &a.id,
                )
                    .cmp(&(
                        &b.package_name,
                        &b.installed_version,
                        std::cmp::Reverse(b.severity),
                        &b.id,
                    ))
            });
            vuln_table(&mut h, &by_pkg);
        }
        let suppressed: Vec<&Finding> = report
            .vulnerabilities
            .iter()
            .filter(|f| f.suppressed.is_some())
            .collect();
        if !suppressed.is_empty() {
            let _ = writeln!(
                h,
                "<h2 id=\"suppressed\">Suppressed ({})</h2>",
                suppressed.len()
            );
            h.push_str("<table><thead><tr><th>Package</th><th>ID</th><th>Severity</th><th>Reason</th></tr></thead><tbody>\n");
            for f in suppressed {
                let _ = writeln!(
                    h,
                    "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.package_name),
                    esc(&f.installed_version),
                    id_cell(f),
                    sev_badge(f.severity),
                    esc(&f
                        .suppressed
                        .as_ref()
                        .map(suppression_text)
                        .unwrap_or_default())
                );
            }
            h.push_str("</tbody></table>\n");
        }
        if !report.unmatched.is_empty() {
            let _ = writeln!(
                h,
                "<h2 id=\"unmatched\">Not matched ({})</h2>",
                report.unmatched.len()
            );
            h.push_str("<table><thead><tr><th>Package</th><th>Version</th><th>Type</th><th>Why</th></tr></thead><tbody>\n");
            for u in &report.unmatched {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(&u.package_name),
                    esc(&u.version),
                    esc(u.package_type.purl_type()),
                    esc(&u.reason.to_string())
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
    if ran(Scanner::Secret) || !report.secrets.is_empty() {
        let _ = writeln!(
            h,
            "<h2 id=\"secrets\">Secrets ({})</h2>",
            report.secrets.len()
        );
        if report.secrets.is_empty() {
            h.push_str("<p>No secrets found.</p>\n");
        } else {
            h.push_str("<table><thead><tr><th>Rule</th><th>Severity</th><th>Path</th><th>Layer</th><th>Removed in</th><th>Line</th><th>Match</th></tr></thead><tbody>\n");
            for s in &report.secrets {
                let removed = match s.removed_in_layer {
                    Some(i) => format!("<span class=\"removed\">{i} (still in the image)</span>"),
                    None => "<span class=\"muted\">-</span>".to_owned(),
                };
                let _ = writeln!(
                    h,
                    "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                    esc(&s.rule_id),
                    esc(&s.title),
                    sev_badge(s.severity),
                    esc(&s.path),
                    opt_num(s.layer_index),
                    removed,
                    opt_num(s.line),
                    esc(&s.redacted)
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
    if ran(Scanner::Misconfig) || !report.misconfigurations.is_empty() {
        let _ = writeln!(
            h,
            "<h2 id=\"misconfigurations\">Misconfigurations ({})</h2>",
            report.misconfigurations.len()
        );
        if report.misconfigurations.is_empty() {
            h.push_str("<p>No misconfigurations found.</p>\n");
        } else {
            h.push_str("<table><thead><tr><th>Rule</th><th>Severity</th><th>Location</th><th>Message</th><th>How to fix</th></tr></thead><tbody>\n");
            for m in &report.misconfigurations {
                let place = match m.line {
                    Some(l) => format!("{}:{l}", m.file),
                    None => m.file.clone(),
                };
                let mut rule = esc(&m.rule_id);
                if let Some(p) = &m.pss {
                    let _ = write!(
                        rule,
                        "<br><span class=\"muted\">PSS {}: {}</span>",
                        esc(&p.level),
                        esc(&p.control)
                    );
                }
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    rule,
                    sev_badge(m.severity),
                    esc(&place),
                    esc(&m.message),
                    esc(&m.remediation)
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(
            h,
            "<h2 id=\"warnings\">Warnings ({})</h2>\n<ul>",
            report.warnings.len()
        );
        for w in &report.warnings {
            let _ = writeln!(h, "<li>{}</li>", esc(&w.to_string()));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    out.write_all(h.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<script>alert('x')&\"</script>\u{1b}[31m"),
            "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;[31m"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }

    #[test]
    fn cwe_ids_are_linked_or_escaped() {
        let f: Finding = serde_json::from_value(serde_json::json!({
            "id": "CVE-1", "aliases": [], "package_id": "p", "package_name": "p",
            "package_type": "npm", "installed_version": "1", "fixed_versions": [],
            "status": "unfixed", "severity": "HIGH", "severity_source": "s", "cvss": [],
            "title": "t<i>", "description": "", "references": [], "locations": [],
            "data_source": "osv:npm", "cwe_ids": ["CWE-79", "<script>x</script>"]
        }))
        .unwrap();
        let cell = title_cell(&f);
        assert_eq!(
            cell,
            "t&lt;i&gt;<br><span class=\"muted\"><a href=\"https://cwe.mitre.org/data/definitions/79.html\" rel=\"noopener noreferrer\">CWE-79</a>, &lt;script&gt;x&lt;/script&gt;</span>"
        );
    }
}
