//! A stranger's first visit: invite code, then a name, then the code of conduct.
//! Every refusal is explained on the same screen and the connection stays up.

use crate::tui::editor::Editor;
use crate::tui::input::{Input, Key};
use crate::tui::{Effect, Model, Screen};

/// Where the stranger is in joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// Typing the invite code.
    #[default]
    Invite,
    /// Choosing a username.
    Username,
    /// Reading the code of conduct.
    Coc,
}

/// Onboarding state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    /// Current step.
    pub step: Step,
    /// Invite code field.
    pub code: Editor,
    /// Username field.
    pub name: Editor,
    /// The accepted code (after checking).
    pub checked_code: String,
    /// The accepted username (after checking).
    pub checked_name: String,
    /// Why the last attempt was refused.
    pub error: Option<String>,
    /// Waiting for the server.
    pub busy: bool,
    /// Scroll position in the code of conduct.
    pub coc_scroll: u16,
    /// The code an invite link entered ([`enter_code`]): while the field still holds
    /// it, it is checked as an invite only, never redeemed as a device link code.
    pub prefilled: Option<String>,
}

impl Default for Onboarding {
    fn default() -> Self {
        Onboarding {
            step: Step::Invite,
            code: Editor::new(false, 64),
            name: Editor::new(false, 64),
            checked_code: String::new(),
            checked_name: String::new(),
            error: None,
            busy: false,
            coc_scroll: 0,
            prefilled: None,
        }
    }
}

fn state(model: &mut Model) -> Option<&mut Onboarding> {
    match &mut model.screen {
        Screen::Onboarding(o) => Some(o),
        _ => None,
    }
}

/// Types `code` into the invite field (from an invite link's `join CODE` or the
/// browser's `?invite=`); the stranger reads it and presses Enter as if they had typed
/// it, except that it is only ever taken as an invite (see [`Onboarding::prefilled`]).
pub fn enter_code(model: &mut Model, code: &str) {
    if let Some(o) = state(model)
        && o.step == Step::Invite
    {
        o.code.insert_str(&crate::text::sanitize_line(code));
        o.prefilled = Some(o.code.text().trim().to_string());
    }
}

/// Keys during onboarding.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    let effects = on_key(model, input);
    // Once the field was changed the code is the person's own, even if they type the
    // prefilled one back in.
    if let Some(o) = state(model)
        && o.prefilled
            .as_deref()
            .is_some_and(|p| o.code.text().trim() != p)
    {
        o.prefilled = None;
    }
    effects
}

fn on_key(model: &mut Model, input: Input) -> Vec<Effect> {
    let Some(o) = state(model) else {
        return vec![];
    };
    if o.busy {
        return vec![];
    }
    let field = match o.step {
        Step::Invite => Some(&mut o.code),
        Step::Username => Some(&mut o.name),
        Step::Coc => None,
    };
    let k = match input {
        Input::Paste(text) => {
            if let Some(f) = field {
                f.insert_str(text.trim());
            }
            return vec![];
        }
        Input::Key(k) => k,
    };
    if let Some(f) = field {
        match k.key {
            Key::Enter => {
                let value = f.text().trim().to_string();
                o.busy = true;
                o.error = None;
                let prefilled = o.prefilled.as_deref() == Some(value.as_str());
                return vec![match o.step {
                    // A link could carry someone else's device link code: taken as
                    // typed, it would add this key to their account.
                    Step::Invite if prefilled => Effect::CheckPrefilledInvite(value),
                    Step::Invite => Effect::CheckInvite(value),
                    _ => Effect::CheckUsername(value),
                }];
            }
            Key::Esc => {
                if o.step == Step::Username {
                    o.step = Step::Invite;
                    o.error = None;
                } else {
                    model.quit = true;
                    return vec![Effect::Quit];
                }
            }
            Key::Char('w') if k.mods.ctrl => f.delete_word(),
            Key::Char('u') if k.mods.ctrl => f.clear(),
            Key::Char(c) if !k.mods.ctrl && !k.mods.alt => {
                f.insert_char(c);
            }
            Key::Backspace => f.backspace(),
            Key::Delete => f.delete(),
            Key::Left => f.left(),
            Key::Right => f.right(),
            Key::Home => f.home(),
            Key::End => f.end(),
            _ => {}
        }
        return vec![];
    }
    // Reading the code of conduct.
    match k.key {
        Key::Char('a') | Key::Char('y') => {
            o.busy = true;
            o.error = None;
            vec![Effect::Join {
                code: o.checked_code.clone(),
                username: o.checked_name.clone(),
            }]
        }
        Key::Char('j') | Key::Down => {
            o.coc_scroll = o.coc_scroll.saturating_add(1);
            vec![]
        }
        Key::Char('k') | Key::Up => {
            o.coc_scroll = o.coc_scroll.saturating_sub(1);
            vec![]
        }
        Key::PageDown | Key::Char(' ') => {
            o.coc_scroll = o.coc_scroll.saturating_add(10);
            vec![]
        }
        Key::PageUp => {
            o.coc_scroll = o.coc_scroll.saturating_sub(10);
            vec![]
        }
        Key::Esc => {
            o.step = Step::Username;
            vec![]
        }
        Key::Char('n') | Key::Char('q') => {
            model.quit = true;
            vec![Effect::Quit]
        }
        _ => vec![],
    }
}

/// The server's verdict on the invite code.
pub fn invite_checked(model: &mut Model, r: Result<(), String>) -> Vec<Effect> {
    if let Some(o) = state(model) {
        o.busy = false;
        match r {
            Ok(()) => {
                o.checked_code = o.code.text().trim().to_lowercase();
                o.step = Step::Username;
                o.error = None;
            }
            Err(e) => o.error = Some(e),
        }
    }
    vec![]
}

/// The server's verdict on the wanted name.
pub fn username_checked(model: &mut Model, r: Result<String, String>) -> Vec<Effect> {
    if let Some(o) = state(model) {
        o.busy = false;
        match r {
            Ok(name) => {
                o.checked_name = name;
                o.step = Step::Coc;
                o.coc_scroll = 0;
                o.error = None;
            }
            Err(e) => o.error = Some(e),
        }
    }
    vec![]
}

/// Joining failed at the last step (e.g. the name was taken meanwhile): go back to the
/// step that can fix it, with the reason.
pub fn join_failed(model: &mut Model, e: String) -> Vec<Effect> {
    if let Some(o) = state(model) {
        o.busy = false;
        o.step = if e.contains("invite") {
            Step::Invite
        } else if e.contains("name") {
            Step::Username
        } else {
            o.step
        };
        o.error = Some(e);
    }
    vec![]
}
