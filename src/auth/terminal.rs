//! Where an action comes from, for the audit trail: the SSH client's address, else the tty.

use std::collections::BTreeMap;

/// `ssh:ADDR` from `SSH_CLIENT`/`SSH_CONNECTION`, else the tty of standard input, else `local`.
pub fn describe(env: &BTreeMap<String, String>) -> String {
    for var in ["SSH_CLIENT", "SSH_CONNECTION"] {
        if let Some(addr) = env.get(var).and_then(|v| v.split_whitespace().next()) {
            return format!("ssh:{}", clean(addr));
        }
    }
    match std::fs::read_link("/proc/self/fd/0") {
        Ok(p) if p.starts_with("/dev/") => clean(&p.to_string_lossy()),
        _ => "local".into(),
    }
}

/// The operating-system user and host, as the CLI is audited: `cli:USER@HOST`.
pub fn cli_actor(env: &BTreeMap<String, String>) -> String {
    let user = env
        .get("USER")
        .or_else(|| env.get("LOGNAME"))
        .cloned()
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| env.get("HOSTNAME").cloned())
        .unwrap_or_else(|| "localhost".into());
    format!("cli:{}@{}", clean(&user), clean(&host))
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}
