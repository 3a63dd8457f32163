//! A small argument reader for exec verbs: positional words and `--flag [value]` /
//! `--flag=value`, with unknown flags refused by name.

use crate::error::{Error, Result};

/// Parsed arguments of one verb.
#[derive(Debug, Default)]
pub struct Args {
    /// Words that are not flags, in order.
    pub positional: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// Splits `argv` using the verb's flag spec: `valued` flags take a value, `switches` don't.
    pub fn parse(argv: &[String], valued: &[&str], switches: &[&str]) -> Result<Args> {
        let mut args = Args::default();
        let mut it = argv.iter();
        let mut only_positional = false;
        while let Some(a) = it.next() {
            if only_positional || !a.starts_with("--") || a == "--" {
                if a == "--" && !only_positional {
                    only_positional = true;
                    continue;
                }
                args.positional.push(a.clone());
                continue;
            }
            let (name, inline) = match a[2..].split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (a[2..].to_string(), None),
            };
            if valued.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| Error::invalid(format!("--{name} needs a value")))?,
                };
                args.flags.push((name, Some(value)));
            } else if switches.contains(&name.as_str()) {
                if inline.is_some() {
                    return Err(Error::invalid(format!("--{name} takes no value")));
                }
                args.flags.push((name, None));
            } else {
                let shown = crate::text::sanitize_line(&name);
                return Err(Error::invalid(format!("unknown option --{shown}")));
            }
        }
        Ok(args)
    }

    /// The value of a valued flag (the last one wins).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// True when a switch was given.
    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    /// A numeric flag within bounds, or its default.
    pub fn number(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    Error::invalid(format!("--{name} must be a number from {min} to {max}"))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flags_and_positionals() {
        let a = Args::parse(
            &v(&["home", "--limit", "5", "--json"]),
            &["limit"],
            &["json"],
        )
        .unwrap();
        assert_eq!(a.positional, vec!["home"]);
        assert_eq!(a.number("limit", 20, 1, 200).unwrap(), 5);
        assert!(a.has("json"));
        let a = Args::parse(&v(&["--limit=0"]), &["limit"], &[]).unwrap();
        assert!(a.number("limit", 20, 1, 200).is_err());
        assert!(
            Args::parse(&v(&["--nope"]), &[], &[])
                .unwrap_err()
                .to_string()
                .contains("--nope")
        );
        assert!(Args::parse(&v(&["--limit"]), &["limit"], &[]).is_err());
        let a = Args::parse(&v(&["--", "--not-a-flag"]), &[], &[]).unwrap();
        assert_eq!(a.positional, vec!["--not-a-flag"]);
    }
}
