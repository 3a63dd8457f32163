//! `ssh -t camp.example join CODE`, the command an invite link shows: with a PTY and an
//! unknown key it is not the script verb (which also wants a name and `--agree`) but
//! the terminal app's onboarding with the code already entered.

/// The invite code when `command` is exactly `join CODE` (the code bounded like the
/// onboarding field: 64 characters).
pub fn invite_of(command: &[u8]) -> Option<String> {
    let line = crate::text::from_utf8(command).ok()?;
    let argv = crate::commands::split::split(line).ok()?;
    match argv.as_slice() {
        [verb, code] if verb == "join" && !code.is_empty() && code.chars().count() <= 64 => {
            Some(code.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_join_with_one_code_opens_onboarding() {
        assert_eq!(
            invite_of(b"join abcd-efgh-jkmn").as_deref(),
            Some("abcd-efgh-jkmn")
        );
        assert_eq!(invite_of(b"  join  'abcd'  ").as_deref(), Some("abcd"));
        assert_eq!(invite_of(b"join abcd ana --agree"), None);
        assert_eq!(invite_of(b"join"), None);
        assert_eq!(invite_of(b"timeline camp"), None);
        assert_eq!(
            invite_of(format!("join {}", "a".repeat(65)).as_bytes()),
            None
        );
        assert_eq!(invite_of(b"join \xff"), None);
    }
}
