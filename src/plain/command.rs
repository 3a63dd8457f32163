//! One typed line of the line mode, read into a short form or an exec verb.
//!
//! Short forms act on the numbers printed beside items (`3`, `r 3 TEXT`, `f 3`, `b 3`),
//! move through listings (`more`, `new`, `home`, `camp`, `notifications`) or post
//! (`p TEXT`). Their text is taken as typed, so an apostrophe needs no quoting. Every
//! other line is an exec verb, split with the same POSIX quoting as `ssh camp VERB`.

/// A listing the line mode can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The Home timeline.
    Home,
    /// The Camp timeline.
    Camp,
    /// Notifications.
    Notifications,
}

impl Listing {
    /// The name a person reads in a header.
    pub fn title(self) -> &'static str {
        match self {
            Listing::Home => "Home",
            Listing::Camp => "Camp",
            Listing::Notifications => "Notifications",
        }
    }
}

/// What a line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An empty line: just a new prompt.
    Empty,
    /// `3`: read item 3 with its thread.
    Read(usize),
    /// `r 3 TEXT`: reply to item 3.
    Reply(usize, String),
    /// `f 3`: favourite item 3.
    Fav(usize),
    /// `b 3`: boost item 3.
    Boost(usize),
    /// `p TEXT`: a new post (camp visibility).
    Post(String),
    /// `more`: older items of the listing.
    More,
    /// `new`: the listing again from its newest item.
    New,
    /// `home`, `camp`, `notifications`: show that listing.
    Show(Listing),
    /// `help`.
    Help,
    /// `quit`, `exit`, `q`.
    Quit,
    /// Anything else: an exec verb and its words.
    Verb(Vec<String>),
}

/// Reads a number printed beside an item.
fn number(word: &str) -> Option<usize> {
    if word.is_empty() || word.len() > 6 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok().filter(|n| *n > 0)
}

/// Reads one line; `Err` says why it could not be read.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Command::Empty);
    }
    let (first, rest) = match line.split_once(char::is_whitespace) {
        Some((f, r)) => (f, r.trim_start()),
        None => (line, ""),
    };
    let lower = first.to_lowercase();
    if rest.is_empty()
        && let Some(n) = number(first)
    {
        return Ok(Command::Read(n));
    }
    let needs_number = |usage: &str| format!("usage: {usage} (the number printed beside a post)");
    match lower.as_str() {
        "r" => {
            let (n, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let n = number(n).ok_or_else(|| needs_number("r NUMBER TEXT"))?;
            let text = text.trim();
            if text.is_empty() {
                return Err("usage: r NUMBER TEXT (type the reply after the number)".into());
            }
            Ok(Command::Reply(n, text.to_string()))
        }
        "f" | "b" => {
            let n = number(rest).ok_or_else(|| needs_number(&format!("{lower} NUMBER")))?;
            Ok(if lower == "f" {
                Command::Fav(n)
            } else {
                Command::Boost(n)
            })
        }
        "p" => {
            if rest.is_empty() {
                return Err("usage: p TEXT (type the post after p)".into());
            }
            Ok(Command::Post(rest.to_string()))
        }
        _ if !rest.is_empty() => verb(line),
        "more" => Ok(Command::More),
        "new" => Ok(Command::New),
        "home" => Ok(Command::Show(Listing::Home)),
        "camp" => Ok(Command::Show(Listing::Camp)),
        "notifications" | "n" => Ok(Command::Show(Listing::Notifications)),
        "help" | "?" | "h" => Ok(Command::Help),
        "quit" | "exit" | "q" | "bye" => Ok(Command::Quit),
        _ => verb(line),
    }
}

fn verb(line: &str) -> Result<Command, String> {
    crate::commands::split::split(line)
        .map(Command::Verb)
        .map_err(|e| {
            format!(
                "could not read that line: {e}. Text after p or r NUMBER needs no quotes; \
                 elsewhere put text in double quotes"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        assert_eq!(parse("  3 "), Ok(Command::Read(3)));
        assert_eq!(
            parse("r 3 I'll bring   tea"),
            Ok(Command::Reply(3, "I'll bring   tea".into()))
        );
        assert_eq!(parse("F 12"), Ok(Command::Fav(12)));
        assert_eq!(parse("b 2"), Ok(Command::Boost(2)));
        assert_eq!(
            parse("p it's #camp time"),
            Ok(Command::Post("it's #camp time".into()))
        );
        assert_eq!(parse("more"), Ok(Command::More));
        assert_eq!(parse("NEW"), Ok(Command::New));
        assert_eq!(parse("camp"), Ok(Command::Show(Listing::Camp)));
        assert_eq!(
            parse("notifications"),
            Ok(Command::Show(Listing::Notifications))
        );
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("quit"), Ok(Command::Quit));
        assert_eq!(parse(""), Ok(Command::Empty));
    }

    #[test]
    fn short_forms_need_their_number() {
        assert!(parse("r x hello").unwrap_err().contains("r NUMBER TEXT"));
        assert!(parse("r 3").unwrap_err().contains("type the reply"));
        assert!(parse("f").unwrap_err().contains("f NUMBER"));
        assert!(parse("b 0").is_err());
        assert!(parse("f 99999999").is_err(), "numbers are short");
        assert!(parse("p").is_err());
    }

    #[test]
    fn other_lines_are_verbs_with_shell_quoting() {
        assert_eq!(
            parse("follow bob"),
            Ok(Command::Verb(vec!["follow".into(), "bob".into()]))
        );
        assert_eq!(
            parse("post --cw \"a warning\" hi #camp"),
            Ok(Command::Verb(
                ["post", "--cw", "a warning", "hi", "#camp"]
                    .map(String::from)
                    .to_vec()
            ))
        );
        assert_eq!(
            parse("notifications --limit 5"),
            Ok(Command::Verb(
                ["notifications", "--limit", "5"].map(String::from).to_vec()
            ))
        );
        assert!(
            parse("post I'll go")
                .unwrap_err()
                .contains("needs no quotes")
        );
        assert_eq!(parse("whoami"), Ok(Command::Verb(vec!["whoami".into()])));
    }
}
