//! The requests the core makes of its host and the host's replies (`session.resume(reply)`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Action, ModelStage, RunResult};
use crate::plan::JsonSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileState {
    Present { text: String },
    Absent,
    /// `reason`: the words the hosts use; the core only tells `outside_workspace` from the rest.
    Unreadable {
        #[ts(type = "'binary' | 'not_utf8' | 'directory' | 'too_large' | 'outside_workspace' | 'io'")]
        reason: String,
        message: String,
    },
}

/// A directory the task names, as the host listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DirState {
    /// The files under it, workspace paths, recursively (the Node host skips what `.gitignore`
    /// ignores, `node_modules/`, `.git/` and the tool's own files). `truncated`: the host's cap cut the list.
    Listed {
        paths: Vec<String>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        truncated: bool,
    },
    /// Nothing there, or a file: not a directory.
    Absent,
    /// `reason` as in `FileState::Unreadable` (`outside_workspace` for one that leaves the workspace).
    Unreadable { reason: String, message: String },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(rename = "Usage")]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Of `prompt_tokens`, those the provider served from its prompt cache (OpenAI's
    /// `usage.prompt_tokens_details.cached_tokens`, DeepSeek's `prompt_cache_hit_tokens`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompletionRequest {
    pub id: u32,
    /// `stage`, `path` and `action` repeat the machine-readable line of the prompt.
    pub stage: ModelStage,
    pub path: Option<String>,
    pub action: Option<Action>,
    /// 0 for the first call of a unit (or of the plan); 1, 2, ... for its fresh retries.
    pub attempt: u32,
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    /// L1: the JSON schema the plan answer must match, for a server that can hold its output to one
    /// (OpenAI's `response_format` `json_schema`); a host whose server refuses it sends the request
    /// without it. The prompt says the same in words, and the answer is parsed the same strict way
    /// either way: the schema is a constraint, not a substitute. None for every other call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub response_format: Option<ResponseFormat>,
}

/// A JSON schema for one answer: `name` (letters, digits, `_`) and the schema itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ResponseFormat {
    pub name: String,
    /// A JSON Schema object (draft 2020-12 keywords; see `plan::plan_schema`). Sent with each
    /// `properties` map in a fixed order, the required names first (see `plan::OrderedSchema`).
    #[ts(type = "Record<string, unknown>")]
    pub schema: JsonSchema,
}

/// What a file must be just before the run writes or deletes it (compare-and-swap): the text the
/// run read there or last wrote itself, or no file at all. The whole text rather than a hash: every
/// host can compare it exactly, the browser's too, without a digest library, and files are capped
/// in size. A host that finds anything else refuses the change with the error code `conflict`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(rename = "ExpectedFile")]
pub enum Expected {
    Present { text: String },
    Absent,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Request {
    /// The files in scope, plus package.json and the root's toolchain configs (Babel, tsconfig,
    /// bundlers): those are read only to learn which module syntax the project runs, and may be absent.
    /// `dirs`: paths the task names that may be directories: the host lists each (`Reply::Files`
    /// `dirs`) and reads the files it lists into `files` too; they join as read-only outlines.
    Read {
        paths: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[ts(as = "Option<_>", optional)]
        dirs: Vec<String>,
    },
    Complete { request: CompletionRequest },
    /// `rollback`: restoring the content from before the run (the host lets these through
    /// even after the user interrupted the run, so the workspace ends as it was). `expect`: what
    /// the file must be right before the change; anything else is refused with code `conflict`.
    Write { path: String, text: String, rollback: bool, expect: Expected },
    Delete { path: String, rollback: bool, expect: Expected },
    /// Run the user's check in the workspace and report how it ended.
    Verify { command: String, timeout_ms: u64, attempt: u32 },
    Done { result: Box<RunResult> },
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
// A missing Option field reads as None, so the host may leave it out.
#[ts(optional_fields = nullable)]
pub enum Reply {
    /// `dirs`: how each directory of the request's `dirs` was listed (a host that lists none may
    /// leave it out); `files` then holds the listed files too.
    Files {
        files: BTreeMap<String, FileState>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        dirs: BTreeMap<String, DirState>,
    },
    /// `response_format`: how the host asked, when the request carried a schema: `json_schema`
    /// (the server took it) or `prompt` (it refused it, so the request went without).
    Completion {
        text: String,
        usage: Option<TokenUsage>,
        duration_ms: Option<u64>,
        #[serde(default)]
        #[ts(optional = nullable, type = "'json_schema' | 'prompt'")]
        response_format: Option<String>,
    },
    CompletionError { code: String, message: String },
    Written,
    /// `code` "interrupted": the host refused because the user stopped the run; "conflict": the
    /// file was not what the request's `expect` said (changed by someone else), and was left alone.
    WriteError {
        message: String,
        #[serde(default)]
        code: Option<String>,
    },
    Deleted,
    DeleteError {
        message: String,
        #[serde(default)]
        code: Option<String>,
    },
    /// The check ran: exit code (None when killed by a signal), whether the host's timeout
    /// killed it, and its output (the host may send only the end of it).
    Verified {
        exit_code: Option<i32>,
        #[serde(default)]
        signal: Option<String>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        timed_out: bool,
        #[serde(default)]
        duration_ms: Option<u64>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        output: String,
    },
    /// The check could not be run at all (`code` "interrupted" when the user stopped the run).
    VerifyError { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChatMessage {
    /// The OpenAI chat roles; the core itself sends `system` and `user`.
    #[ts(type = "'system' | 'user' | 'assistant'")]
    pub role: String,
    pub content: String,
}
