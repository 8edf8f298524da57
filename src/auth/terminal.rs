//! Where an action comes from, for the audit trail: the SSH client's address, else the tty;
//! and who runs a command: the operating-system account of the process.

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
///
/// USER is the account the process runs as, from the password database (`getuid` →
/// `getpwuid_r`), else `uid<N>` when the uid has no entry (containers). `$USER`/`$LOGNAME`
/// are not used: they are unset under cron, systemd and some containers, kept from the
/// caller by `sudo`, and anyone can set them, while the uid is what holds the store's files.
pub fn cli_actor(env: &BTreeMap<String, String>) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| env.get("HOSTNAME").cloned())
        .unwrap_or_else(|| "localhost".into());
    format!("cli:{}@{}", clean(&os_user()), clean(&host))
}

/// The name of the account this process runs as, or `uid<N>` when it has none.
pub fn os_user() -> String {
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    passwd_name(uid).unwrap_or_else(|| format!("uid{uid}"))
}

/// The password database's name for `uid` (`getpwuid_r`, thread-safe).
fn passwd_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: `pwd` and `buf` outlive the call, and `buf.len()` is the buffer's size;
        // on success `result` points at `pwd`, whose strings point into `buf`.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: pw_name is a NUL-terminated string inside `buf`, alive here.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        let name = name.to_string_lossy().into_owned();
        return (!name.is_empty()).then_some(name);
    }
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}
