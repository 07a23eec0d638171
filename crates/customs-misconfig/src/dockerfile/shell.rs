//! Just enough shell to find the commands a RUN executes.
//!
//! Splits a script into simple commands (words with quotes removed) and
//! records which commands are joined by a pipe. Not a shell parser: it does
//! not expand anything, and subshells and functions are read as plain words.

/// A simple command and whether its output is piped into the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) words: Vec<String>,
    pub(crate) piped_to_next: bool,
}

impl Command {
    /// The program, skipping `sudo`, `env VAR=x` and leading assignments.
    pub(crate) fn program(&self) -> Option<&str> {
        self.args_from_program().first().map(String::as_str)
    }

    /// Words from the program on.
    pub(crate) fn args_from_program(&self) -> &[String] {
        let mut i = 0;
        while let Some(w) = self.words.get(i) {
            let skip = matches!(w.as_str(), "sudo" | "env" | "exec" | "time" | "nohup")
                || (w.contains('=') && !w.starts_with('-') && !w.starts_with('='))
                || ((w == "-E" || w == "-u") && i > 0);
            if skip {
                i += 1;
            } else {
                break;
            }
        }
        self.words.get(i..).unwrap_or_default()
    }
}

/// Splits a script into commands.
pub(crate) fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let flush = |words: &mut Vec<String>, out: &mut Vec<Command>, piped: bool| {
        if !words.is_empty() {
            out.push(Command {
                words: std::mem::take(words),
                piped_to_next: piped,
            });
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => {
                    cur.push(n);
                    in_word = true;
                }
            },
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                flush(&mut words, &mut out, false);
            }
            '|' | '&' | ';' | '\n' | '(' | ')' | '{' | '}'
                if !(matches!(c, '{' | '}') && in_word) =>
            {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
                let double = chars.peek() == Some(&c);
                if double && (c == '|' || c == '&' || c == ';') {
                    chars.next();
                }
                let piped = c == '|' && !double;
                flush(&mut words, &mut out, piped);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    flush(&mut words, &mut out, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_pipes() {
        let c =
            commands("curl -fsSL 'https://x/y' | sudo bash -s -- && cd /tmp; echo \"a b\" || true");
        let progs: Vec<_> = c.iter().map(|c| c.program().unwrap()).collect();
        assert_eq!(progs, ["curl", "bash", "cd", "echo", "true"]);
        assert!(c[0].piped_to_next);
        assert!(!c[1].piped_to_next);
        assert_eq!(c[3].words[1], "a b");
        let c = commands("DEBIAN_FRONTEND=noninteractive apt-get install -y x # comment\nls");
        assert_eq!(c[0].program(), Some("apt-get"));
        assert_eq!(c.len(), 2);
    }
}
