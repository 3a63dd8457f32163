//! Domain-block CSV import: any bytes are read without panicking, and every domain
//! it accepts is already in normal form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = camp::camp::parse_blocklist(text) {
        for (domain, _) in &parsed.rows {
            assert_eq!(camp::camp::normalize_domain(domain).as_deref().ok(), Some(domain.as_str()));
        }
        assert!(parsed.malformed.len() <= parsed.malformed_count);
    }
});
