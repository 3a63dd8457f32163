//! Joining in the line mode: invite code, username, code of conduct, as plain prompts,
//! with the same service calls as the full-screen onboarding (a device link code typed
//! instead of an invite logs the key in). Also the re-acceptance of a changed code of
//! conduct. Every refusal is said in a line and the same question is asked again.

use crate::Camp;
use crate::camp::KeyInfo;
use crate::model::{Account, Id};
use crate::text::{sanitize, sanitize_line};

/// Where a stranger (or a camper facing a new code of conduct) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Onboarding {
    /// Asking for the invite code.
    Invite,
    /// Asking for a username; the code was good.
    Name {
        /// The accepted invite code.
        code: String,
    },
    /// Asking to accept the code of conduct.
    Coc {
        /// The accepted invite code.
        code: String,
        /// The accepted username.
        name: String,
    },
    /// A member must accept a changed code of conduct before going on.
    Update {
        /// The member.
        me: Id,
    },
}

/// What one answer led to.
#[derive(Debug, Default)]
pub struct Step {
    /// Lines to print.
    pub say: Vec<String>,
    /// The key now has an account: the member part starts.
    pub joined: Option<Account>,
    /// The person is leaving.
    pub quit: bool,
}

fn is_quit(line: &str) -> bool {
    matches!(line.to_lowercase().as_str(), "quit" | "exit" | "q")
}

fn coc_lines(camp: &Camp) -> Vec<String> {
    let text = camp
        .code_of_conduct()
        .map(|c| c.text)
        .unwrap_or_else(|_| camp.config().camp.code_of_conduct.clone());
    sanitize(&text)
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

impl Onboarding {
    /// The greeting for a key without an account.
    pub fn intro(camp: &Camp) -> Vec<String> {
        let info = camp.info();
        let mut say = vec![format!("Welcome to {}.", sanitize_line(&info.name))];
        let about = sanitize_line(&info.description);
        if !about.is_empty() {
            say.push(about);
        }
        say.push(
            "To join, type the invite code you were given. A link code from a device that \
             is already logged in works too. Type quit to leave."
                .into(),
        );
        say
    }

    /// The greeting for a member whose accepted code of conduct is outdated.
    pub fn update_intro(camp: &Camp) -> Vec<String> {
        let mut say = vec!["The code of conduct has changed. Please read it:".to_string()];
        say.extend(coc_lines(camp));
        say.push("Type yes to accept it and go on, or no to leave.".into());
        say
    }

    /// The question being asked.
    pub fn prompt(&self) -> &'static str {
        match self {
            Onboarding::Invite => "Invite code: ",
            Onboarding::Name { .. } => "Username: ",
            Onboarding::Coc { .. } | Onboarding::Update { .. } => "Accept, yes or no: ",
        }
    }

    /// One answer. Blocking (the service reads and writes the store).
    pub fn answer(&mut self, camp: &Camp, key: &KeyInfo, line: &str) -> Step {
        let line = line.trim();
        let mut step = Step::default();
        if line.is_empty() {
            return step;
        }
        if is_quit(line) {
            step.quit = true;
            step.say.push("Goodbye.".into());
            return step;
        }
        match self.clone() {
            Onboarding::Invite => match camp.check_invite(line) {
                Ok(_) => {
                    *self = Onboarding::Name {
                        code: line.to_lowercase(),
                    };
                    step.say.push(
                        "That invite works. Choose a username: letters, digits and underscores."
                            .into(),
                    );
                }
                Err(e) if camp.is_link_code(line) => {
                    match camp.redeem_link_code(key, line, "linked in the line mode") {
                        Ok(account) => {
                            step.say
                                .push(format!("This key now logs in as @{}.", account.username));
                            step.joined = Some(account);
                        }
                        Err(_) => step.say.push(format!("{}.", sanitize_line(&e.to_string()))),
                    }
                }
                Err(e) => step.say.push(format!("{}.", sanitize_line(&e.to_string()))),
            },
            Onboarding::Name { code } => match camp.check_username(line) {
                Ok(name) => {
                    step.say.push(format!(
                        "Code of conduct of {}:",
                        sanitize_line(&camp.info().name)
                    ));
                    step.say.extend(coc_lines(camp));
                    step.say.push(format!(
                        "Type yes to accept it and join as @{name}, or no to leave."
                    ));
                    *self = Onboarding::Coc { code, name };
                }
                Err(e) => step.say.push(format!("{}.", sanitize_line(&e.to_string()))),
            },
            Onboarding::Coc { code, name } => match line.to_lowercase().as_str() {
                "yes" | "y" => match camp.join(key, &code, &name, true) {
                    Ok(account) => {
                        step.say.push(format!(
                            "Welcome to {}, @{}!",
                            sanitize_line(&camp.info().name),
                            account.username
                        ));
                        step.joined = Some(account);
                    }
                    Err(e) => {
                        // Back to the question that can fix it (a name taken meanwhile,
                        // an invite used up meanwhile).
                        let e = sanitize_line(&e.to_string());
                        if e.contains("invite") {
                            *self = Onboarding::Invite;
                        } else if e.contains("name") {
                            *self = Onboarding::Name { code };
                        }
                        step.say.push(format!("{e}."));
                    }
                },
                "no" | "n" => {
                    step.quit = true;
                    step.say.push("You did not join. Goodbye.".into());
                }
                _ => step.say.push("Type yes or no.".into()),
            },
            Onboarding::Update { me } => match line.to_lowercase().as_str() {
                "yes" | "y" => match camp.accept_code_of_conduct(me) {
                    Ok(account) => {
                        step.say.push("Thank you.".into());
                        step.joined = Some(account);
                    }
                    Err(e) => step.say.push(format!("{}.", sanitize_line(&e.to_string()))),
                },
                "no" | "n" => {
                    step.quit = true;
                    step.say.push("Goodbye.".into());
                }
                _ => step.say.push("Type yes or no.".into()),
            },
        }
        step
    }
}
