//! Rule `new_capability`: an answer adds no capability (process spawning, network access, dynamic
//! code, file-system access) the file did not already use, unless the task asks for it
//! ([`capabilities_asked`]) or the user allows it (`options.allow`). A CREATE has nothing already used.
//! A `package.json` script added or changed is process spawning too: npm runs it. Static analysis
//! sees what the file says, not what it computes: see SECURITY.md for what it cannot see.

use std::collections::{BTreeMap, BTreeSet};

use super::super::Proposal;
use super::{Check, Facts, Rule};
use crate::analysis::{Analysis, CapabilityUse, Language};
use crate::protocol::{Action, Capability, Violation, Words};

pub(crate) const SUMMARY: &str =
    "no process, network, dynamic-code or fs use the file did not have, unless the task asks or the run allows it";

pub(crate) const CHECK: Check = Check::Facts(check);

/// Only what a model wrote: EXTRACT moves code the project already had. An old text that does
/// not parse still gives what oxc recovered of it.
fn check(facts: &Facts<'_>) -> Option<Violation> {
    let proposal = facts.proposal;
    if !matches!(proposal.action, Action::Create | Action::Modify) {
        return None;
    }
    match Language::of(proposal.path) {
        language if language.is_script() => added(proposal, facts.old, facts.new, facts.words),
        Language::Json => {
            let uses = package_scripts_added(proposal.path, proposal.old, proposal.new.unwrap_or_default());
            added(proposal, None, &Analysis { capabilities: uses, ..Analysis::default() }, facts.words)
        }
        _ => None,
    }
}

/// Words of a task that ask for each capability. The rule: the task names the module or the
/// thing itself, as a whole word (any case): "spawn a child process", "add an HTTP server",
/// "fetch the price", "read the config file". A mere mention of a file path is not `fs`.
const CAPABILITY_WORDS: [(Capability, &[&str]); 4] = [
    (
        Capability::Process,
        &["child_process", "child process", "spawn", "spawnsync", "exec", "execsync", "execfile", "execfilesync", "fork",
          "subprocess", "subprocesses", "shell", "cluster", "bun.spawn", "deno.command", "process.binding",
          "npm script", "npm scripts", "package.json script", "package.json scripts"],
    ),
    (
        Capability::Network,
        &["http", "https", "http2", "net", "dgram", "udp", "tcp", "tls", "dns", "fetch", "websocket", "websockets",
          "socket", "sockets", "network", "download", "upload", "webhook", "axios", "undici", "node-fetch"],
    ),
    (Capability::DynamicCode, &["eval", "new function", "vm", "dynamic code", "dynamic import", "dynamic require", "plugin", "plugins"]),
    (
        Capability::Fs,
        &["fs", "fs/promises", "file system", "filesystem", "readfile", "readfilesync", "writefile", "writefilesync",
          "disk", "directory", "directories", "folder", "folders", "read the file", "read a file", "write a file",
          "write the file", "to a file", "from a file", "to file", "from file", "file contents"],
    ),
];

/// The capabilities a task asks for, by [`CAPABILITY_WORDS`].
pub(crate) fn capabilities_asked(task: &str) -> Vec<Capability> {
    // Words of letters, digits and `_ . / -`, then matched as whole words or runs of whole words.
    let lower = task.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '/' | '-')))
        .filter(|w| !w.is_empty())
        .collect();
    // `child_process.execFile` names both; `node:fs` was already cut at the colon.
    let parts: Vec<&str> = words.iter().flat_map(|w| w.split(['.', '/'])).filter(|w| !w.is_empty()).collect();
    let joined = format!(" {} ", words.join(" "));
    // A single word also in its plain inflections: "spawns", "spawned", "spawning", "fetches".
    let inflected = |w: &str, n: &str| {
        w == n || ["s", "es", "ed", "ing"].iter().any(|suffix| w.strip_suffix(suffix) == Some(n))
    };
    let asks = |n: &str| {
        if n.contains(' ') { joined.contains(&format!(" {n} ")) } else { words.iter().chain(&parts).any(|w| inflected(w, n)) }
    };
    CAPABILITY_WORDS.iter().filter(|(_, needles)| needles.iter().any(|n| asks(n))).map(|(c, _)| *c).collect()
}

/// The violation of an answer that uses no capability the old text did not, unless allowed.
fn added(proposal: &Proposal<'_>, old: Option<&Analysis>, new: &Analysis, words: &Words) -> Option<Violation> {
    let had: BTreeSet<Capability> = old.map(|a| a.capabilities.iter().map(|u| u.capability).collect()).unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    for capability in Capability::ALL {
        if had.contains(&capability) || proposal.allowed.contains(&capability) {
            continue;
        }
        let uses: Vec<String> = new
            .capabilities
            .iter()
            .filter(|u| u.capability == capability)
            .map(|u| format!("{} (line {})", u.what, u.line))
            .collect();
        if uses.is_empty() {
            continue;
        }
        let more = if uses.len() > 3 { format!(", +{} more", uses.len() - 3) } else { String::new() };
        let allow = words.word("allow", Some(capability.name()));
        parts.push(format!("{} [{allow}]: {}{more}", capability.describe(), uses[..uses.len().min(3)].join(", ")));
    }
    (!parts.is_empty()).then(|| {
        let before = if proposal.action == Action::Create { "a new file" } else { "the file did not use it before" };
        Violation::new(
            Rule::NewCapability,
            format!("{}: adds {} ({before}, and the task does not ask for it)", proposal.path, parts.join("; ")),
        )
    })
}

/// The `scripts` of a package.json a CREATE or MODIFY adds or changes: npm runs them (`npm test`
/// as a run's check, `postinstall` on install), so each is process spawning the file did not have.
fn package_scripts_added(path: &str, old: Option<&str>, new: &str) -> Vec<CapabilityUse> {
    if path.rsplit('/').next() != Some("package.json") {
        return Vec::new();
    }
    let scripts = |text: &str| -> BTreeMap<String, String> {
        let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let Some(map) = value.get("scripts").and_then(|s| s.as_object()) else { return BTreeMap::new() };
        map.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect()
    };
    let before = old.map(scripts).unwrap_or_default();
    let start = new.find("\"scripts\"").unwrap_or(0);
    scripts(new)
        .into_iter()
        .filter(|(name, command)| before.get(name) != Some(command))
        .map(|(name, command)| {
            let at = new[start..].find(&format!("\"{name}\"")).map_or(start, |i| start + i);
            let shown: String = command.chars().take(60).map(|c| if c.is_control() { '?' } else { c }).collect();
            CapabilityUse {
                capability: Capability::Process,
                what: format!("package.json script `{name}`: {shown}"),
                line: crate::analysis::line_col(new, at).0,
            }
        })
        .collect()
}

/// The capabilities a message names, from its `[allow-word]` tags (each tag is the host's word
/// for allowing one capability).
pub(crate) fn advice(path: &str, message: &str, words: &Words) -> String {
    let allow: Vec<&str> = Capability::ALL
        .into_iter()
        .filter(|c| message.contains(&format!("[{}]", words.word("allow", Some(c.name())))))
        .map(Capability::name)
        .collect();
    format!(
        "`{path}`: the answer adds code that can {} that the file did not have; review it. If the task \
         needs it, say so in the task or pass `{}`; otherwise run again.",
        "spawn processes, reach the network, run generated code or touch files",
        words.word("allow", Some(&allow.join(",")))
    )
}

#[cfg(test)]
#[path = "new_capability.tests.rs"]
mod tests;
