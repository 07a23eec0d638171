//! Dockerfile rules.

use std::collections::BTreeMap;

use super::shell::{self, Command};
use super::{expand, pairs, parse, words, Args, Instruction};
use crate::{secrets, Options, Report, Sink};

/// A build stage as the rules see it.
struct Stage<'a> {
    index: usize,
    name: Option<String>,
    /// The base as written after expansion; None when a variable was undefined.
    base: Option<String>,
    line: usize,
    instructions: Vec<(usize, &'a Instruction)>,
}

impl Stage<'_> {
    fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("stage {n}"),
            None => format!("stage {}", self.index),
        }
    }
}

/// Runs every Dockerfile rule.
pub(crate) fn check(name: &str, text: &str, opts: &Options) -> Report {
    let mut sink = Sink::with_ignores(opts, name, text);
    let (df, issues) = parse(text, &opts.limits);
    for issue in issues {
        sink.warn("dockerfile", Some(issue.line), issue.message);
    }
    let esc = df.escape;
    // Split into stages, expanding FROM with the global ARGs.
    let mut global: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<Stage<'_>> = Vec::new();
    for (line, ins) in df.instructions() {
        if ins.keyword == "FROM" {
            let w = words(&ins.text, esc);
            let (base, ok) = match w.first() {
                Some(b) => expand(b, &global, esc),
                None => (String::new(), false),
            };
            let name = match (w.get(1), w.get(2)) {
                (Some(a), Some(n)) if a.eq_ignore_ascii_case("as") => Some(n.to_ascii_lowercase()),
                _ => None,
            };
            stages.push(Stage {
                index: stages.len(),
                name,
                base: ok.then_some(base),
                line,
                instructions: Vec::new(),
            });
            continue;
        }
        match stages.last_mut() {
            Some(stage) => stage.instructions.push((line, ins)),
            None if ins.keyword == "ARG" => {
                for (k, v) in pairs(&ins.text, esc, false) {
                    global.insert(k, v.unwrap_or_default());
                }
            }
            None => {}
        }
    }
    if stages.is_empty() && df.instructions().next().is_some() {
        sink.warn(
            "dockerfile",
            None,
            "no FROM instruction: not a buildable Dockerfile",
        );
    }
    // Secret-looking global ARGs.
    for (line, ins) in df.instructions().take_while(|(_, i)| i.keyword != "FROM") {
        if ins.keyword == "ARG" {
            secret_args(&mut sink, line, ins, esc, None);
        }
    }
    for stage in &stages {
        check_from(&mut sink, stage, &stages);
        let label = stage.label();
        let mut vars = global.clone();
        for &(line, ins) in &stage.instructions {
            let res = Some(label.as_str());
            check_instruction(&mut sink, line, ins, esc, res, &mut vars);
            if let Some(trigger) = &ins.onbuild {
                check_instruction(&mut sink, line, trigger, esc, res, &mut vars.clone());
            }
        }
    }
    if let Some(last) = stages.last() {
        check_final_stage(&mut sink, last, &stages, &global, esc);
    }
    sink.finish()
}

fn check_from(sink: &mut Sink<'_>, stage: &Stage<'_>, stages: &[Stage<'_>]) {
    let Some(base) = &stage.base else { return };
    let lower = base.to_ascii_lowercase();
    if lower == "scratch"
        || stages
            .iter()
            .take(stage.index)
            .any(|s| s.name.as_deref() == Some(&lower))
    {
        return;
    }
    let (name, digest) = match base.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (base.as_str(), None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    let res = Some(stage.label());
    if digest.is_none() && matches!(tag, None | Some("latest")) {
        let what = if tag.is_none() {
            "has no tag"
        } else {
            "uses the latest tag"
        };
        sink.add(
            "df-latest-base-image",
            Some(stage.line),
            res.as_deref(),
            format!("base image {base} {what}"),
        );
    }
    if digest.is_none() {
        sink.add(
            "df-base-image-without-digest",
            Some(stage.line),
            res.as_deref(),
            format!("base image {base} is not pinned by digest"),
        );
    }
}

fn secret_args(sink: &mut Sink<'_>, line: usize, ins: &Instruction, esc: char, res: Option<&str>) {
    let legacy = ins.keyword == "ENV";
    for (k, v) in pairs(&ins.text, esc, legacy) {
        if !secrets::secret_name(&k) {
            continue;
        }
        match (ins.keyword.as_str(), v) {
            ("ENV", Some(v)) if secrets::literal_value(&v) => sink.add(
                "df-secret-in-env",
                Some(line),
                res,
                format!("ENV {k} sets a secret-looking variable; its value is stored in the image config"),
            ),
            ("ARG", _) => sink.add(
                "df-secret-in-env",
                Some(line),
                res,
                format!("ARG {k} looks like a secret; build-argument values are recorded in the image history"),
            ),
            _ => {}
        }
    }
}

/// The script a RUN executes (shell form, exec form through a shell, heredoc bodies).
fn run_script(ins: &Instruction) -> String {
    let mut s = match &ins.args {
        Args::Shell(s) => s.clone(),
        Args::Exec(v) => match v.as_slice() {
            [sh, c, script, ..] if c == "-c" && sh.ends_with("sh") => script.clone(),
            other => other.join(" "),
        },
    };
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.body);
    }
    s
}

fn check_instruction(
    sink: &mut Sink<'_>,
    line: usize,
    ins: &Instruction,
    esc: char,
    res: Option<&str>,
    vars: &mut BTreeMap<String, String>,
) {
    match ins.keyword.as_str() {
        "ARG" => {
            secret_args(sink, line, ins, esc, res);
            for (k, v) in pairs(&ins.text, esc, false) {
                vars.entry(k).or_insert_with(|| v.unwrap_or_default());
            }
        }
        "ENV" => {
            secret_args(sink, line, ins, esc, res);
            for (k, v) in pairs(&ins.text, esc, true) {
                let (value, _) = expand(&v.unwrap_or_default(), vars, esc);
                vars.insert(k, value);
            }
        }
        "ADD" => check_add(sink, line, ins, esc, res),
        "RUN" => check_run(sink, line, ins, res),
        _ => {}
    }
}

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
];

fn check_add(sink: &mut Sink<'_>, line: usize, ins: &Instruction, esc: char, res: Option<&str>) {
    let args = match &ins.args {
        Args::Exec(v) => v.clone(),
        Args::Shell(s) => words(s, esc),
    };
    let sources = match args.split_last() {
        Some((_, srcs)) if !srcs.is_empty() => srcs,
        _ => return,
    };
    let special = sources.iter().any(|s| {
        let l = s.to_ascii_lowercase();
        l.starts_with("http://")
            || l.starts_with("https://")
            || l.starts_with("git@")
            || ARCHIVES.iter().any(|a| l.ends_with(a))
    });
    if !special {
        sink.add(
            "df-add-instead-of-copy",
            Some(line),
            res,
            format!("ADD {} copies local files; COPY does the same without ADD's URL and archive handling", sources.join(" ")),
        );
    }
}

fn check_run(sink: &mut Sink<'_>, line: usize, ins: &Instruction, res: Option<&str>) {
    let script = run_script(ins);
    let cmds = shell::commands(&script);
    let apt_cache_mount = ins.flags.iter().any(|f| {
        f.name == "mount"
            && f.value
                .as_deref()
                .is_some_and(|v| v.contains("type=cache") && v.contains("/var/lib/apt"))
    });
    let mut apt_install = false;
    let mut lists_cleaned = false;
    for (i, cmd) in cmds.iter().enumerate() {
        let args = cmd.args_from_program();
        let prog = args.first().map(String::as_str).unwrap_or_default();
        let rest = args.get(1..).unwrap_or_default();
        match prog {
            "apt-get" | "apt" if rest.iter().any(|w| w == "install") => {
                apt_install = true;
                let recommends_off = rest.iter().any(|w| {
                    w == "--no-install-recommends"
                        || w.contains("Install-Recommends=false")
                        || w.contains("Install-Recommends=0")
                });
                if !recommends_off {
                    sink.add(
                        "df-apt-install-recommends",
                        Some(line),
                        res,
                        format!("`{}` installs recommended packages", short(cmd)),
                    );
                }
                let unpinned = packages_after(
                    rest,
                    "install",
                    &["-o", "--option", "-t", "--target-release"],
                )
                .filter(|p| !p.contains('=') && !p.ends_with(".deb") && !p.contains('/'))
                .collect::<Vec<_>>();
                report_unpinned(sink, line, res, "apt-get install", &unpinned);
            }
            "apk" if rest.iter().any(|w| w == "add") => {
                let unpinned = packages_after(
                    rest,
                    "add",
                    &["-t", "--virtual", "-X", "--repository", "--root", "-p"],
                )
                .filter(|p| !p.contains('=') && !p.contains('~') && !p.ends_with(".apk"))
                .collect::<Vec<_>>();
                report_unpinned(sink, line, res, "apk add", &unpinned);
            }
            p if is_pip(p, rest) => {
                let skip = &[
                    "-r",
                    "--requirement",
                    "-c",
                    "--constraint",
                    "-e",
                    "--editable",
                    "-i",
                    "--index-url",
                    "--extra-index-url",
                    "-f",
                    "--find-links",
                    "-t",
                    "--target",
                    "--prefix",
                    "--root",
                    "--platform",
                    "--python-version",
                    "--trusted-host",
                    "--cache-dir",
                    "--src",
                    "--upgrade-strategy",
                    "--progress-bar",
                    "--only-binary",
                    "--no-binary",
                ];
                let unpinned = packages_after(rest, "install", skip)
                    .filter(|p| {
                        !(p.contains("==")
                            || p.contains('@')
                            || p.starts_with('.')
                            || p.starts_with('/')
                            || p.ends_with(".whl")
                            || p.ends_with(".tar.gz")
                            || p.ends_with(".zip")
                            || p.contains("://")
                            || p.starts_with('$'))
                    })
                    .collect::<Vec<_>>();
                report_unpinned(sink, line, res, "pip install", &unpinned);
            }
            "cd" => sink.add(
                "df-cd-instead-of-workdir",
                Some(line),
                res,
                format!("`{}` changes directory inside RUN; use WORKDIR", short(cmd)),
            ),
            "chown" => sink.add(
                "df-chown-layer",
                Some(line),
                res,
                format!(
                    "`{}` changes ownership in a separate layer; use COPY --chown",
                    short(cmd)
                ),
            ),
            "rm" if rest.iter().any(|w| w.starts_with("/var/lib/apt/lists")) => {
                lists_cleaned = true
            }
            "curl" | "wget" if cmd.piped_to_next => {
                // Follow the pipeline to its end: a shell anywhere in it runs the download.
                let mut j = i + 1;
                let mut prev_piped = true;
                while prev_piped {
                    let Some(next) = cmds.get(j) else { break };
                    let p = next.program().unwrap_or_default();
                    let p = p.rsplit('/').next().unwrap_or(p);
                    if matches!(
                        p,
                        "sh" | "bash"
                            | "zsh"
                            | "ash"
                            | "dash"
                            | "ksh"
                            | "python"
                            | "python3"
                            | "perl"
                    ) {
                        sink.add(
                            "df-curl-pipe-shell",
                            Some(line),
                            res,
                            format!("`{}` pipes a download into `{p}`", short(cmd)),
                        );
                        break;
                    }
                    prev_piped = next.piped_to_next;
                    j += 1;
                }
            }
            _ => {}
        }
    }
    if apt_install && !lists_cleaned && !apt_cache_mount {
        sink.add(
            "df-apt-lists-not-cleaned",
            Some(line),
            res,
            "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN".to_owned(),
        );
    }
}

fn is_pip(prog: &str, rest: &[String]) -> bool {
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let direct = base == "pip" || base == "pip3" || base.starts_with("pip3.");
    let module = base.starts_with("python")
        && rest.first().is_some_and(|w| w == "-m")
        && rest.get(1).is_some_and(|w| w == "pip");
    (direct || module) && rest.iter().any(|w| w == "install")
}

/// Package arguments after `verb`, skipping options and the values of options
/// that take one.
fn packages_after<'a>(
    rest: &'a [String],
    verb: &'a str,
    with_value: &'a [&'a str],
) -> impl Iterator<Item = &'a str> + 'a {
    let start = rest
        .iter()
        .position(|w| w == verb)
        .map_or(rest.len(), |p| p + 1);
    let mut skip_next = false;
    rest.get(start..)
        .unwrap_or_default()
        .iter()
        .filter_map(move |w| {
            if skip_next {
                skip_next = false;
                return None;
            }
            if w.starts_with('-') {
                skip_next = with_value.contains(&w.as_str());
                return None;
            }
            Some(w.as_str())
        })
}

fn report_unpinned(sink: &mut Sink<'_>, line: usize, res: Option<&str>, what: &str, pkgs: &[&str]) {
    if pkgs.is_empty() {
        return;
    }
    sink.add(
        "df-unpinned-packages",
        Some(line),
        res,
        format!("{what} without version pins: {}", pkgs.join(", ")),
    );
}

fn short(cmd: &Command) -> String {
    let mut s = cmd.words.join(" ");
    if s.len() > 80 {
        let mut cut = 77;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

fn check_final_stage(
    sink: &mut Sink<'_>,
    last: &Stage<'_>,
    stages: &[Stage<'_>],
    global: &BTreeMap<String, String>,
    esc: char,
) {
    // Follow `FROM <earlier stage>` so that USER and HEALTHCHECK are inherited.
    let mut chain = vec![last];
    let mut cur = last;
    while let Some(base) = cur.base.as_deref().map(str::to_ascii_lowercase) {
        let Some(parent) = stages
            .iter()
            .take(cur.index)
            .rev()
            .find(|s| s.name.as_deref() == Some(&base))
        else {
            break;
        };
        chain.push(parent);
        cur = parent;
    }
    let label = last.label();
    let res = Some(label.as_str());
    let mut user: Option<(usize, String)> = None;
    let mut healthcheck = false;
    for stage in chain.iter().rev() {
        let mut vars = global.clone();
        for &(line, ins) in &stage.instructions {
            match ins.keyword.as_str() {
                "ARG" => {
                    for (k, v) in pairs(&ins.text, esc, false) {
                        vars.entry(k).or_insert_with(|| v.unwrap_or_default());
                    }
                }
                "ENV" => {
                    for (k, v) in pairs(&ins.text, esc, true) {
                        let (value, _) = expand(&v.unwrap_or_default(), &vars, esc);
                        vars.insert(k, value);
                    }
                }
                "USER" => {
                    let (u, _) = expand(ins.text.trim(), &vars, esc);
                    user = Some((line, u));
                }
                "HEALTHCHECK" => healthcheck = true,
                _ => {}
            }
        }
    }
    match user {
        None => sink.add(
            "df-root-user",
            Some(last.line),
            res,
            "the final stage sets no USER, so the container runs as root".to_owned(),
        ),
        Some((line, u)) => {
            let name = u.split(':').next().unwrap_or_default();
            if name == "root" || name == "0" {
                sink.add(
                    "df-root-user",
                    Some(line),
                    res,
                    format!("the last USER of the final stage is {u}"),
                );
            }
        }
    }
    if !healthcheck {
        sink.add(
            "df-missing-healthcheck",
            Some(last.line),
            res,
            "the final stage has no HEALTHCHECK".to_owned(),
        );
    }
}
