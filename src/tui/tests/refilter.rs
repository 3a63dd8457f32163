//! A live edit re-checked against the reader's filters: the camp timeline folds or
//! hides by its own verdict, and an edit no filter matches unfolds.

use super::*;
use crate::camp::filters::live_edit::{Match, Refiltered};

#[test]
fn an_edit_folds_hides_or_unfolds_a_post_on_screen() {
    let mut m = member_model();
    let warn = Some(Match {
        hide: false,
        phrase: "crag".into(),
    });
    let mut edited = view(40, "cy", "", "crag talk, edited", 20_000);
    edited.post.edited_ms = Some(NOW);
    let r = Refiltered {
        home: None,
        camp: warn.clone(),
        threads: warn,
    };
    update(
        &mut m,
        Msg::PostRefiltered(Arc::new(edited.clone()), Arc::new(r)),
    );
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Filtered: crag"), "{s}");
    assert!(!s.contains("crag talk, edited"), "{s}");
    update(
        &mut m,
        Msg::PostRefiltered(Arc::new(edited.clone()), Arc::new(Refiltered::default())),
    );
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("crag talk, edited") && !s.contains("Filtered:"),
        "{s}"
    );
    let hide = Some(Match {
        hide: true,
        phrase: "crag".into(),
    });
    let r = Refiltered {
        camp: hide,
        ..Refiltered::default()
    };
    update(&mut m, Msg::PostRefiltered(Arc::new(edited), Arc::new(r)));
    let s = screen(&mut m, 80, 24);
    assert!(!s.contains("crag talk") && !s.contains("Filtered:"), "{s}");
    assert!(
        s.contains("The butler") || s.contains("book spoilers"),
        "{s}"
    );
}
