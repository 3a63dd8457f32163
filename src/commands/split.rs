//! Splits an exec command line into words with POSIX shell quoting (single quotes,
//! double quotes with backslash escapes, backslash outside quotes) but without shell
//! comments: `#` is an ordinary character, so `post Hello #camp` keeps its hashtag
//! instead of silently losing the rest of the post.

use std::fmt;

/// Why a command line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError(&'static str);

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for SplitError {}

/// The words of `line`.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(SplitError("a single quote (') is not closed")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            // Inside double quotes a backslash only escapes these.
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err(SplitError("a double quote (\") is not closed")),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err(SplitError("a double quote (\") is not closed")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(ch) => {
                    in_word = true;
                    word.push(ch);
                }
                None => return Err(SplitError("the command line ends with a lone backslash")),
            },
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<String> {
        split(s).unwrap()
    }

    #[test]
    fn quoting_like_a_posix_shell() {
        assert_eq!(ok("post hello world"), vec!["post", "hello", "world"]);
        assert_eq!(
            ok("post 'it''s' \"a \\\"b\\\"\" c\\ d"),
            vec!["post", "its", "a \"b\"", "c d"]
        );
        assert_eq!(ok("  a\t b  "), vec!["a", "b"]);
        assert_eq!(ok("x ''"), vec!["x", ""]);
        assert_eq!(ok("\"a\\nb\""), vec!["a\\nb"]);
        assert!(ok("").is_empty());
    }

    #[test]
    fn hashes_are_not_comments() {
        assert_eq!(
            ok("post Hello #camp @ana"),
            vec!["post", "Hello", "#camp", "@ana"]
        );
    }

    #[test]
    fn unclosed_quotes_are_explained() {
        assert!(
            split("post 'oops")
                .unwrap_err()
                .to_string()
                .contains("single quote")
        );
        assert!(
            split("post \"oops")
                .unwrap_err()
                .to_string()
                .contains("double quote")
        );
        assert!(split("post oops\\").is_err());
    }

    #[test]
    fn agrees_with_shell_words_on_quoted_input() {
        for words in [
            vec!["a b", "c'd", "e\"f", "#tag", "$x", ""],
            vec!["émoji 🎉", "\\"],
        ] {
            let joined = shell_words::join(&words);
            assert_eq!(ok(&joined), words, "{joined}");
        }
    }
}
