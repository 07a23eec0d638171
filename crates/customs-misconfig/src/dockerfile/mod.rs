//! A lossless Dockerfile parser.
//!
//! The parser splits the text into [`Item`]s (blank lines, comments, parser
//! directives and instructions). Each item keeps the exact bytes it was made
//! from ([`Item::raw`]), so [`Dockerfile::to_text`] gives back the input byte
//! for byte; on top of that, instructions are decoded: keyword, `--flags`,
//! JSON (exec) or shell form, heredoc bodies, and `ONBUILD` triggers.
//!
//! Syntax covered, as BuildKit's Dockerfile frontend reads it: parser
//! directives (`syntax`, `escape`, `check`) before anything else; the escape
//! character (`\` or `` ` ``) for line continuations; comment and empty lines
//! inside continuations; heredocs (`<<EOF`, `<<-EOF`, quoted names, several
//! per instruction) for RUN, COPY and ADD; and variable expansion for ARG and
//! ENV ([`expand`]). Problems (an unterminated heredoc, a continuation at end
//! of file) are reported as [`ParseIssue`]s and parsing goes on.

mod rules;
mod shell;

pub(crate) use rules::check;

use std::collections::BTreeMap;

use crate::Limits;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Every part of the file, in order.
    pub items: Vec<Item>,
    /// The escape character in force (`\` unless a directive says `` ` ``).
    pub escape: char,
}

/// One part of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Line (1-based) where it starts.
    pub line: usize,
    /// Line where it ends (heredoc bodies and continuations included).
    pub end_line: usize,
    /// The exact text, line endings included.
    pub raw: String,
    /// What it is.
    pub kind: ItemKind,
}

/// What an [`Item`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// An empty or whitespace-only line.
    Blank,
    /// A comment line (text after `#`).
    Comment(String),
    /// A parser directive such as `# escape=\``.
    Directive {
        /// Lower-cased name.
        name: String,
        /// Value.
        value: String,
    },
    /// An instruction.
    Instruction(Instruction),
}

/// A decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`RUN`, `FROM`, ...).
    pub keyword: String,
    /// `--name=value` flags before the arguments, in order.
    pub flags: Vec<Flag>,
    /// The arguments after the flags.
    pub args: Args,
    /// The logical line after the keyword (continuations joined, comment lines dropped).
    pub text: String,
    /// Heredoc bodies, in order.
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`, the trigger instruction.
    pub onbuild: Option<Box<Instruction>>,
}

/// A `--name[=value]` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the dashes.
    pub name: String,
    /// Value, if given.
    pub value: Option<String>,
}

/// Arguments in exec (JSON) or shell form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// `["executable", "arg"]`.
    Exec(Vec<String>),
    /// Anything else, as written (continuations joined).
    Shell(String),
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word.
    pub name: String,
    /// The body, line endings included, delimiter line excluded.
    pub body: String,
    /// `<<-`: leading tabs are stripped.
    pub strip_tabs: bool,
    /// The delimiter was quoted (no expansion in the body).
    pub quoted: bool,
    /// Line where the body starts.
    pub line: usize,
}

/// A problem found while parsing; the parse goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    /// Line (1-based) the problem is about.
    pub line: usize,
    /// What is wrong, lower-case.
    pub message: String,
}

const DIRECTIVES: &[&str] = &["syntax", "escape", "check"];
const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

impl Dockerfile {
    /// Parses a Dockerfile. Never fails: problems come back as issues.
    pub fn parse(text: &str) -> (Self, Vec<ParseIssue>) {
        parse(text, &Limits::default())
    }

    /// The original text, exactly.
    pub fn to_text(&self) -> String {
        self.items.iter().map(|i| i.raw.as_str()).collect()
    }

    /// Instructions with their start lines.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &Instruction)> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Instruction(ins) => Some((i.line, ins)),
            _ => None,
        })
    }
}

/// Parses with explicit limits.
pub(crate) fn parse(text: &str, limits: &Limits) -> (Dockerfile, Vec<ParseIssue>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut items = Vec::new();
    let mut issues = Vec::new();
    let mut escape = '\\';
    let mut directives_allowed = true;
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        let content = strip_eol(line);
        let n = i + 1;
        if directives_allowed {
            if let Some((name, value)) = directive(content) {
                if name == "escape" {
                    match value.as_str() {
                        "`" => escape = '`',
                        "\\" => escape = '\\',
                        _ => issues.push(ParseIssue {
                            line: n,
                            message: format!(
                                "invalid escape directive {value:?} (expected \\ or `)"
                            ),
                        }),
                    }
                }
                items.push(Item {
                    line: n,
                    end_line: n,
                    raw: line.to_owned(),
                    kind: ItemKind::Directive { name, value },
                });
                i += 1;
                continue;
            }
            directives_allowed = false;
        }
        let trimmed = content.trim();
        if trimmed.is_empty() {
            items.push(Item {
                line: n,
                end_line: n,
                raw: line.to_owned(),
                kind: ItemKind::Blank,
            });
            i += 1;
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            items.push(Item {
                line: n,
                end_line: n,
                raw: line.to_owned(),
                kind: ItemKind::Comment(c.trim().to_owned()),
            });
            i += 1;
            continue;
        }
        // An instruction: join continuation lines.
        let start = i;
        let mut logical = String::new();
        let mut continued;
        let mut cur = content;
        loop {
            let t = cur.trim_end();
            continued = t.ends_with(escape);
            if continued {
                logical.push_str(t.get(..t.len() - escape.len_utf8()).unwrap_or_default());
            } else {
                logical.push_str(cur);
            }
            i += 1;
            if !continued {
                break;
            }
            // Comment and empty lines inside a continuation are skipped.
            while let Some(next) = lines.get(i) {
                let c = strip_eol(next);
                let ct = c.trim_start();
                if ct.starts_with('#') || ct.trim().is_empty() {
                    i += 1;
                } else {
                    break;
                }
            }
            match lines.get(i) {
                Some(next) => cur = strip_eol(next),
                None => {
                    issues.push(ParseIssue {
                        line: start + 1,
                        message: "line continuation at end of file: the instruction is incomplete"
                            .to_owned(),
                    });
                    break;
                }
            }
        }
        let mut ins = decode(&logical);
        // Heredoc bodies follow the logical line.
        let markers = if HEREDOC_KEYWORDS.contains(&ins.keyword.as_str())
            && !matches!(ins.args, Args::Exec(_))
        {
            heredoc_markers(&ins.text)
        } else {
            Vec::new()
        };
        if markers.len() > limits.max_heredocs {
            issues.push(ParseIssue {
                line: start + 1,
                message: format!(
                    "more than {} heredocs in one instruction; the rest are read as plain lines (raise Limits::max_heredocs)",
                    limits.max_heredocs
                ),
            });
        }
        for (name, strip_tabs, quoted) in markers.into_iter().take(limits.max_heredocs) {
            let body_line = i + 1;
            let mut body = String::new();
            let mut closed = false;
            while let Some(l) = lines.get(i) {
                i += 1;
                let c = strip_eol(l);
                let c = if strip_tabs {
                    c.trim_start_matches('\t')
                } else {
                    c
                };
                if c == name {
                    closed = true;
                    break;
                }
                body.push_str(l);
            }
            if !closed {
                issues.push(ParseIssue {
                    line: start + 1,
                    message: format!(
                        "unterminated heredoc <<{name} (body from line {body_line} runs to end of file)"
                    ),
                });
            }
            ins.heredocs.push(Heredoc {
                name,
                body,
                strip_tabs,
                quoted,
                line: body_line,
            });
        }
        let raw: String = lines.get(start..i).unwrap_or_default().concat();
        items.push(Item {
            line: start + 1,
            end_line: i.max(start + 1),
            raw,
            kind: ItemKind::Instruction(ins),
        });
    }
    (Dockerfile { items, escape }, issues)
}

fn strip_eol(line: &str) -> &str {
    let l = line.strip_suffix('\n').unwrap_or(line);
    l.strip_suffix('\r').unwrap_or(l)
}

/// `# name = value` with a known directive name.
fn directive(content: &str) -> Option<(String, String)> {
    let rest = content.trim_start().strip_prefix('#')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim().to_ascii_lowercase();
    if !DIRECTIVES.contains(&name.as_str()) {
        return None;
    }
    Some((name, value.trim().to_owned()))
}

/// Decodes a logical line into an instruction.
fn decode(logical: &str) -> Instruction {
    let t = logical.trim_start();
    let (kw, rest) = match t.find(char::is_whitespace) {
        Some(p) => (
            t.get(..p).unwrap_or(t),
            t.get(p..).unwrap_or("").trim_start(),
        ),
        None => (t, ""),
    };
    let keyword = kw.to_ascii_uppercase();
    let mut flags = Vec::new();
    let mut rest = rest;
    if matches!(
        keyword.as_str(),
        "FROM" | "RUN" | "COPY" | "ADD" | "HEALTHCHECK"
    ) {
        while let Some(f) = rest.strip_prefix("--") {
            let end = f.find(char::is_whitespace).unwrap_or(f.len());
            let tok = f.get(..end).unwrap_or(f);
            let (name, value) = match tok.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (tok.to_owned(), None),
            };
            flags.push(Flag { name, value });
            rest = f.get(end..).unwrap_or("").trim_start();
        }
    }
    let onbuild = (keyword == "ONBUILD").then(|| Box::new(decode(rest)));
    let json_ok = matches!(
        keyword.as_str(),
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "COPY" | "ADD" | "VOLUME" | "HEALTHCHECK"
    );
    let args = match (json_ok, rest.trim_end().starts_with('[')) {
        (true, true) => match serde_json::from_str::<Vec<String>>(rest.trim_end()) {
            Ok(v) => Args::Exec(v),
            Err(_) => Args::Shell(rest.to_owned()),
        },
        _ => Args::Shell(rest.to_owned()),
    };
    Instruction {
        keyword,
        flags,
        args,
        text: rest.to_owned(),
        heredocs: Vec::new(),
        onbuild,
    }
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`) in order.
fn heredoc_markers(text: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(p) = text.get(i..).and_then(|s| s.find("<<")) else {
            break;
        };
        let mut j = i + p + 2;
        i = j;
        if b.get(j) == Some(&b'<') {
            // `<<<` is a here-string, not a heredoc.
            i = j + 1;
            continue;
        }
        let strip = b.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = match b.get(j) {
            Some(q @ (b'"' | b'\'')) => {
                j += 1;
                Some(*q)
            }
            _ => None,
        };
        let start = j;
        while b
            .get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            j += 1;
        }
        if j == start {
            continue;
        }
        if let Some(q) = quote {
            if b.get(j) != Some(&q) {
                continue;
            }
        }
        let Some(name) = text.get(start..j) else {
            continue;
        };
        out.push((name.to_owned(), strip, quote.is_some()));
        i = j;
    }
    out
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}` and `${VAR+alt}` as the Dockerfile frontend does. Returns
/// the result and whether every variable referenced was defined.
pub fn expand(s: &str, vars: &BTreeMap<String, String>, escape: char) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut complete = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(&n) = chars.peek() {
                if n == '$' {
                    out.push('$');
                    chars.next();
                    continue;
                }
            }
            out.push(c);
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('{') => {
                chars.next();
                let mut inner = String::new();
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let name = inner.get(..name_end).unwrap_or_default();
                let op = inner.get(name_end..).unwrap_or_default();
                let val = vars.get(name);
                let (value, ok) = if let Some(w) = op.strip_prefix(":-") {
                    match val.filter(|v| !v.is_empty()) {
                        Some(v) => (v.clone(), true),
                        None => expand(w, vars, escape),
                    }
                } else if let Some(w) = op.strip_prefix('-') {
                    match val {
                        Some(v) => (v.clone(), true),
                        None => expand(w, vars, escape),
                    }
                } else if let Some(w) = op.strip_prefix(":+") {
                    match val.filter(|v| !v.is_empty()) {
                        Some(_) => expand(w, vars, escape),
                        None => (String::new(), true),
                    }
                } else if let Some(w) = op.strip_prefix('+') {
                    match val {
                        Some(_) => expand(w, vars, escape),
                        None => (String::new(), true),
                    }
                } else {
                    match val {
                        Some(v) => (v.clone(), true),
                        None => (String::new(), false),
                    }
                };
                complete &= ok;
                out.push_str(&value);
            }
            Some(&n) if n.is_ascii_alphabetic() || n == '_' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match vars.get(&name) {
                    Some(v) => out.push_str(v),
                    None => complete = false,
                }
            }
            _ => out.push('$'),
        }
    }
    (out, complete)
}

/// Splits on whitespace, honouring quotes and the escape character, and
/// removing them (as ENV, ARG and LABEL arguments are read).
pub(crate) fn words(s: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == escape => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `ENV`/`ARG`/`LABEL` pairs: `k=v k2="v 2"`, or the legacy `ENV k v w`.
pub(crate) fn pairs(text: &str, escape: char, legacy: bool) -> Vec<(String, Option<String>)> {
    let t = text.trim();
    let first = t.split_whitespace().next().unwrap_or_default();
    if legacy && !first.contains('=') {
        let rest = t.get(first.len()..).unwrap_or_default().trim();
        let value = words(rest, escape).join(" ");
        return vec![(first.to_owned(), (!rest.is_empty()).then_some(value))];
    }
    words(t, escape)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (w, None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Instruction {
        let (df, issues) = Dockerfile::parse(text);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(df.to_text(), text);
        let first = df.instructions().next().unwrap().1.clone();
        first
    }

    #[test]
    fn continuation_comments_and_flags() {
        let text = "RUN --mount=type=cache,target=/x apt-get update \\\n# comment\n\n  && apt-get install -y curl\n";
        let ins = one(text);
        assert_eq!(ins.keyword, "RUN");
        assert_eq!(ins.flags[0].name, "mount");
        assert_eq!(ins.flags[0].value.as_deref(), Some("type=cache,target=/x"));
        assert!(matches!(&ins.args, Args::Shell(s) if s.contains("&& apt-get install")));
    }

    #[test]
    fn escape_directive_and_json() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\ `\n  && echo hi\nCMD [\"cmd\", \"/c\", \"echo\"]\n";
        let (df, issues) = Dockerfile::parse(text);
        assert!(issues.is_empty());
        assert_eq!(df.escape, '`');
        assert_eq!(df.to_text(), text);
        let ins: Vec<_> = df.instructions().collect();
        assert_eq!(ins.len(), 3);
        assert!(matches!(&ins[1].1.args, Args::Shell(s) if s.contains("c:\\   && echo")));
        assert_eq!(
            ins[2].1.args,
            Args::Exec(vec!["cmd".into(), "/c".into(), "echo".into()])
        );
    }

    #[test]
    fn heredocs() {
        let text = "RUN <<EOF bash && cat <<-'END'\nset -e\necho $HOME\nEOF\n\tbody\n\tEND\nCOPY <<conf /etc/x\nk=v\nconf\n";
        let (df, issues) = Dockerfile::parse(text);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(df.to_text(), text);
        let ins: Vec<_> = df.instructions().collect();
        assert_eq!(ins.len(), 2);
        assert_eq!(ins[0].1.heredocs.len(), 2);
        assert_eq!(ins[0].1.heredocs[0].body, "set -e\necho $HOME\n");
        assert!(ins[0].1.heredocs[1].quoted && ins[0].1.heredocs[1].strip_tabs);
        assert_eq!(ins[1].0, 7);
    }

    #[test]
    fn bad_input_is_reported() {
        let (df, issues) = Dockerfile::parse("FROM a\nRUN <<EOF\necho\n");
        assert_eq!(df.to_text(), "FROM a\nRUN <<EOF\necho\n");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, 2);
        assert!(issues[0].message.contains("unterminated heredoc"));
        let (df, issues) = Dockerfile::parse("FROM a\nRUN echo \\\n");
        assert_eq!(df.to_text(), "FROM a\nRUN echo \\\n");
        assert!(issues[0].message.contains("continuation at end of file"));
        assert_eq!(issues[0].line, 2);
    }

    #[test]
    fn expansion() {
        let vars: BTreeMap<String, String> = [
            ("A".to_owned(), "1".to_owned()),
            ("E".to_owned(), String::new()),
        ]
        .into();
        assert_eq!(expand("x$A-${A}", &vars, '\\'), ("x1-1".to_owned(), true));
        assert_eq!(
            expand("${B:-d}${E:-e}${A:+y}", &vars, '\\'),
            ("dey".to_owned(), true)
        );
        assert_eq!(expand("${B}", &vars, '\\'), (String::new(), false));
        assert_eq!(expand("\\$A", &vars, '\\'), ("$A".to_owned(), true));
    }

    #[test]
    fn env_pairs() {
        assert_eq!(
            pairs("A=1 B=\"two words\" C", '\\', true),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), None)
            ]
        );
        assert_eq!(
            pairs("KEY some value", '\\', true),
            vec![("KEY".into(), Some("some value".into()))]
        );
    }

    #[test]
    fn onbuild() {
        let ins = one("onbuild run echo hi\n");
        assert_eq!(ins.keyword, "ONBUILD");
        assert_eq!(ins.onbuild.unwrap().keyword, "RUN");
    }
}
