//! The per-system guides of the landing page: how to make an SSH key, connect, and
//! trust this camp's host key, on each common system. Pure text built from the camp's
//! own `ssh` command and `known_hosts` line; every piece goes through
//! [`super::html::escape`].

use super::html::escape;

/// What every guide needs to know about the camp.
pub struct Target<'a> {
    /// The full command to type, e.g. `ssh -p 2222 camp.example` or, with an
    /// invite, `ssh -t -p 2222 camp.example join CODE`.
    pub command: &'a str,
    /// The host people connect to.
    pub host: &'a str,
    /// The SSH port.
    pub port: u16,
    /// The ready `known_hosts` line.
    pub known_hosts: &'a str,
}

fn code(text: &str) -> String {
    format!("<pre><code>{}</code></pre>", escape(text))
}

/// One `<details>` per system, Windows first (the most common for newcomers).
pub fn render(t: &Target) -> String {
    let unix_trust = format!(
        "mkdir -p ~/.ssh && echo '{}' >> ~/.ssh/known_hosts",
        t.known_hosts
    );
    let unix = |extra: &str| {
        format!(
            "{extra}<ol>\
             <li>Make a key (press Enter at each question; a passphrase is a good idea):{}</li>\
             <li>Tell your computer which server key to expect, so nobody can pretend to be \
             this camp:{}</li>\
             <li>Connect:{}</li></ol>",
            code("ssh-keygen -t ed25519"),
            code(&unix_trust),
            code(t.command),
        )
    };
    let windows = format!(
        "<p>Windows 10 and 11 come with SSH. Open <strong>PowerShell</strong> (Start menu, \
         type “PowerShell”).</p><ol>\
         <li>Make a key (press Enter at each question):{}</li>\
         <li>Tell Windows which server key to expect:{}</li>\
         <li>Connect:{}</li></ol>\
         <p>If <code>ssh</code> is not found: Settings → System → Optional features → add \
         “OpenSSH Client”.</p>",
        code("ssh-keygen -t ed25519"),
        code(&format!(
            "New-Item -ItemType Directory -Force \"$env:USERPROFILE\\.ssh\" | Out-Null; \
             Add-Content -Path \"$env:USERPROFILE\\.ssh\\known_hosts\" -Value '{}'",
            t.known_hosts
        )),
        code(t.command),
    );
    let macos = unix("<p>Open <strong>Terminal</strong> (Applications → Utilities).</p>");
    let linux = unix(
        "<p>Open a terminal. If <code>ssh</code> is missing, install the OpenSSH client \
         (for example <code>sudo apt install openssh-client</code>).</p>",
    );
    let chromeos = unix(
        "<p>Turn on Linux: Settings → About ChromeOS → Developers → Linux development \
         environment. Then open the <strong>Terminal</strong> app, choose \
         “penguin”, and type:</p>",
    );
    let android = unix(
        "<p>Install <strong>Termux</strong> (from F-Droid or Google Play), open it, and \
         install SSH first:</p><pre><code>pkg install openssh</code></pre>",
    );
    let ios = format!(
        "<p>Install an SSH app such as <strong>Termius</strong> from the App Store.</p><ol>\
         <li>In Termius, open <em>Keychain</em>, tap <em>+</em> → <em>Generate Key</em>, \
         and choose the type <em>ED25519</em>.</li>\
         <li>Add a host: address <code>{host}</code>, port <code>{port}</code>, any \
         username, and the key you just made.</li>\
         <li>Connect. When Termius shows the server's fingerprint, check that it is the \
         one above before you accept it.</li>{invite}</ol>",
        host = escape(t.host),
        port = t.port,
        invite = if t.command.contains(" join ") {
            "<li>On the first screen, type your invite code.</li>"
        } else {
            ""
        },
    );
    let systems = [
        ("Windows 10 or 11 (PowerShell)", windows),
        ("macOS", macos),
        ("Linux", linux),
        ("ChromeOS", chromeos),
        ("Android (Termux)", android),
        ("iPhone or iPad", ios),
    ];
    systems
        .iter()
        .map(|(name, body)| format!("<details><summary>{name}</summary>{body}</details>\n"))
        .collect()
}
