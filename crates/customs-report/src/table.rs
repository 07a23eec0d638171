//! The text table for people: one section per scanner, vulnerabilities
//! grouped by package, suppressed findings apart with their reason, and a
//! summary line of counts per severity.

use std::collections::BTreeMap;
use std::io::Write;

use customs_model::Severity;
use customs_vuln::Finding;

use crate::util::{finding_layer, suppression_text, SEVERITIES_DESC};
use crate::{Error, ScanReport, Scanner};

/// Unmatched packages listed at most (the rest are counted; JSON has them all).
const MAX_UNMATCHED: usize = 20;

/// Text from images and advisories with control characters (ANSI escapes
/// among them) replaced, so a package name cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn paint(s: Severity, text: &str, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    let code = match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "34",
        Severity::Unknown => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A cell: text, and the severity to colour it by.
struct Cell {
    text: String,
    severity: Option<Severity>,
}

fn cell(s: impl AsRef<str>) -> Cell {
    Cell {
        text: clean(s.as_ref()),
        severity: None,
    }
}

fn sev_cell(s: Severity) -> Cell {
    Cell {
        text: s.as_str().to_owned(),
        severity: Some(s),
    }
}

fn write_table(
    out: &mut dyn Write,
    headers: &[&str],
    rows: &[Vec<Cell>],
    color: bool,
) -> Result<(), Error> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.text.chars().count());
        }
    }
    let last = headers.len().saturating_sub(1);
    let mut line = String::new();
    for (i, (h, &w)) in headers.iter().zip(&widths).enumerate() {
        if i == last {
            line.push_str(h);
        } else {
            line.push_str(&format!("{h:<w$}  "));
        }
    }
    writeln!(out, "{}", line.trim_end())?;
    for row in rows {
        let mut line = String::new();
        for (i, (c, &w)) in row.iter().zip(&widths).enumerate() {
            let padded = if i == last {
                c.text.clone()
            } else {
                format!("{:<w$}  ", c.text)
            };
            match c.severity {
                // Pad first, then colour, so escapes do not skew columns.
                Some(s) => {
                    let (t, pad) = padded.split_at(c.text.len());
                    line.push_str(&paint(s, t, color));
                    line.push_str(pad);
                }
                None => line.push_str(&padded),
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn summary(counts: &crate::SeverityCounts, color: bool) -> String {
    SEVERITIES_DESC
        .iter()
        .map(|s| format!("{}: {}", paint(*s, s.as_str(), color), counts.get(*s)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn heading(out: &mut dyn Write, title: &str) -> Result<(), Error> {
    writeln!(out)?;
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.chars().count()))?;
    Ok(())
}

fn layer_text(i: Option<usize>) -> String {
    i.map_or_else(|| "-".to_owned(), |i| i.to_string())
}

fn vulnerabilities(out: &mut dyn Write, report: &ScanReport, color: bool) -> Result<(), Error> {
    let active: Vec<&Finding> = report
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let suppressed: Vec<&Finding> = report
        .vulnerabilities
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    heading(
        out,
        &format!(
            "Vulnerabilities ({}{})",
            active.len(),
            if suppressed.is_empty() {
                String::new()
            } else {
                format!(", {} suppressed", suppressed.len())
            }
        ),
    )?;
    if active.is_empty() {
        writeln!(out, "No vulnerabilities found.")?;
    } else {
        // Grouped by package (name, version, id), most severe first inside.
        let mut groups: BTreeMap<(&str, &str, &str), Vec<&Finding>> = BTreeMap::new();
        for f in &active {
            groups
                .entry((
                    f.package_name.as_str(),
                    f.installed_version.as_str(),
                    f.package_id.as_str(),
                ))
                .or_default()
                .push(f);
        }
        let mut rows = Vec::new();
        for ((name, version, _), mut list) in groups {
            list.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
            for (i, f) in list.iter().enumerate() {
                let fixed = if f.fixed_versions.is_empty() {
                    "-".to_owned()
                } else {
                    f.fixed_versions.join(", ")
                };
                let (n, v) = if i == 0 { (name, version) } else { ("", "") };
                rows.push(vec![
                    cell(n),
                    cell(v),
                    cell(&f.id),
                    sev_cell(f.severity),
                    cell(fixed),
                    cell(layer_text(finding_layer(f))),
                    cell(&f.title),
                ]);
            }
        }
        write_table(
            out,
            &[
                "PACKAGE",
                "INSTALLED",
                "ID",
                "SEVERITY",
                "FIXED",
                "LAYER",
                "TITLE",
            ],
            &rows,
            color,
        )?;
    }
    if !suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "Suppressed ({}):", suppressed.len())?;
        let rows: Vec<Vec<Cell>> = suppressed
            .iter()
            .map(|f| {
                vec![
                    cell(format!("{} {}", f.package_name, f.installed_version)),
                    cell(&f.id),
                    sev_cell(f.severity),
                    cell(
                        f.suppressed
                            .as_ref()
                            .map(suppression_text)
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect();
        write_table(out, &["PACKAGE", "ID", "SEVERITY", "REASON"], &rows, color)?;
    }
    if !report.unmatched.is_empty() {
        let max = MAX_UNMATCHED;
        writeln!(out)?;
        writeln!(out, "Not matched ({} packages):", report.unmatched.len())?;
        for u in report.unmatched.iter().take(max) {
            writeln!(
                out,
                "  {} {} ({}): {}",
                clean(&u.package_name),
                clean(&u.version),
                u.package_type,
                clean(&u.reason.to_string())
            )?;
        }
        if report.unmatched.len() > max {
            writeln!(out, "  … and {} more", report.unmatched.len() - max)?;
        }
    }
    Ok(())
}

fn secrets(out: &mut dyn Write, report: &ScanReport, color: bool) -> Result<(), Error> {
    heading(out, &format!("Secrets ({})", report.secrets.len()))?;
    if report.secrets.is_empty() {
        writeln!(out, "No secrets found.")?;
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = report
        .secrets
        .iter()
        .map(|s| {
            vec![
                cell(&s.rule_id),
                sev_cell(s.severity),
                cell(&s.path),
                cell(layer_text(s.layer_index)),
                cell(layer_text(s.removed_in_layer)),
                cell(s.line.map_or_else(|| "-".to_owned(), |l| l.to_string())),
                cell(&s.redacted),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "RULE",
            "SEVERITY",
            "PATH",
            "LAYER",
            "REMOVED IN",
            "LINE",
            "MATCH",
        ],
        &rows,
        color,
    )
}

fn misconfigurations(out: &mut dyn Write, report: &ScanReport, color: bool) -> Result<(), Error> {
    heading(
        out,
        &format!("Misconfigurations ({})", report.misconfigurations.len()),
    )?;
    if report.misconfigurations.is_empty() {
        writeln!(out, "No misconfigurations found.")?;
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = report
        .misconfigurations
        .iter()
        .map(|m| {
            let place = match m.line {
                Some(l) => format!("{}:{l}", m.file),
                None => m.file.clone(),
            };
            vec![
                cell(&m.rule_id),
                sev_cell(m.severity),
                cell(place),
                cell(&m.message),
            ]
        })
        .collect();
    write_table(
        out,
        &["RULE", "SEVERITY", "LOCATION", "MESSAGE"],
        &rows,
        color,
    )
}

/// Writes the report as text tables. `color` colours severities with ANSI
/// escapes; ask for it only when the output is a terminal and `NO_COLOR` is
/// not set (the caller knows, the library does not).
pub fn render_table(report: &ScanReport, color: bool, out: &mut dyn Write) -> Result<(), Error> {
    let mut sorted = report.clone();
    sorted.sort();
    let report = &sorted;
    let s = &report.subject;
    let mut title = clean(&s.name);
    if let Some(d) = &s.image_id {
        title.push_str(&format!(" (image {})", d.short()));
    }
    if let Some(p) = &s.platform {
        title.push_str(&format!(" {}", clean(p)));
    }
    writeln!(out, "{title}")?;
    if let Some(os) = &s.os {
        let name = os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", os.id, os.version_id.clone().unwrap_or_default()));
        writeln!(out, "OS: {}", clean(name.trim()))?;
    }
    let scanners: Vec<&str> = report.scanners.iter().map(|s| s.as_str()).collect();
    writeln!(
        out,
        "Scanners: {} · {} packages",
        if scanners.is_empty() {
            "none".to_owned()
        } else {
            scanners.join(", ")
        },
        report.package_count
    )?;
    if let Some(db) = &report.database {
        writeln!(out, "Vulnerability database built {}", clean(&db.built))?;
    }

    let ran = |sc: Scanner| report.scanners.contains(&sc);
    if ran(Scanner::Vuln) || !report.vulnerabilities.is_empty() {
        vulnerabilities(out, report, color)?;
    }
    if ran(Scanner::Secret) || !report.secrets.is_empty() {
        secrets(out, report, color)?;
    }
    if ran(Scanner::Misconfig) || !report.misconfigurations.is_empty() {
        misconfigurations(out, report, color)?;
    }
    if !report.warnings.is_empty() {
        heading(out, &format!("Warnings ({})", report.warnings.len()))?;
        for w in &report.warnings {
            writeln!(out, "  {}", clean(&w.to_string()))?;
        }
    }

    let counts = report.counts();
    let active = counts.active();
    writeln!(out)?;
    let mut line = format!("Total: {} ({})", active.total(), summary(&active, color));
    if counts.suppressed.total() > 0 {
        line.push_str(&format!("; suppressed: {}", counts.suppressed.total()));
    }
    writeln!(out, "{line}")?;
    Ok(())
}
