//! Rollback: the run's changes restored, newest first, and what follows.

use super::*;

/// The restores still to request, how those requested went, and what follows them.
pub(super) struct RollbackState {
    /// Restores to request, newest change first: (path, content before the run; None = the run
    /// created it).
    pub(super) pending: Vec<(String, Option<String>)>,
    /// Restores the host refused because the file had changed since the run wrote it.
    pub(super) conflicts: Vec<String>,
    pub(super) failures: Vec<String>,
    pub(super) after: AfterRollback,
}

impl Default for RollbackState {
    fn default() -> RollbackState {
        RollbackState { pending: Vec::new(), conflicts: Vec::new(), failures: Vec::new(), after: AfterRollback::Finish }
    }
}

impl Session {
    /// Ask the host to restore every applied change, newest first.
    pub(super) fn begin_rollback(&mut self) -> Request {
        self.rollback.pending = self
            .effects
            .applied
            .iter()
            .rev()
            .map(|&i| {
                let path = self.effects.staged[i].path.clone();
                let before = self.files.texts.get(&path).cloned().flatten();
                (path, before)
            })
            .collect();
        self.effects.applied.clear();
        self.next_rollback(0)
    }

    fn next_rollback(&mut self, done: usize) -> Request {
        let Some((path, before)) = self.rollback.pending.get(done).cloned() else {
            return self.after_rolled_back();
        };
        self.phase = Phase::AwaitRollback { index: done };
        // Over what the run wrote, and nothing else: a file changed since is the user's now.
        let expect = self.expected(&path);
        match before {
            Some(text) => Request::Write { path, text, rollback: true, expect },
            None => Request::Delete { path, rollback: true, expect },
        }
    }

    pub(super) fn on_rollback(&mut self, done: usize, reply: Reply) -> Request {
        let (path, before) = self.rollback.pending[done].clone();
        match reply {
            Reply::Written | Reply::Deleted => {
                self.emit(EventBody::Rollback { path: path.clone() });
                self.effects.disk.insert(path.clone(), before);
                if let Some(o) = self
                    .outcomes
                    .iter_mut()
                    .find(|o| o.path == path && matches!(o.outcome, Outcome::Written | Outcome::Deleted))
                {
                    o.outcome = Outcome::RolledBack;
                }
            }
            Reply::WriteError { message, code: Some(code) } | Reply::DeleteError { message, code: Some(code) }
                if code == "conflict" =>
            {
                // Changed since the run wrote it (by the check, or by hand): the user's now. Both
                // versions survive: that one on disk, the original in the host's backup.
                self.emit(EventBody::RollbackError { path: path.clone(), message: message.clone() });
                if let Some(o) = self
                    .outcomes
                    .iter_mut()
                    .find(|o| o.path == path && matches!(o.outcome, Outcome::Written | Outcome::Deleted))
                {
                    o.outcome = Outcome::Failed;
                    o.error = Some(format!("changed on disk after the run wrote it; left as it is ({message})"));
                }
                self.rollback.conflicts.push(format!("{path} ({message})"));
            }
            Reply::WriteError { message, .. } | Reply::DeleteError { message, .. } => {
                // Keep going: every other file is still restored; the backup covers this one.
                self.emit(EventBody::RollbackError { path: path.clone(), message: message.clone() });
                self.rollback.failures.push(format!("{path}: {message}"));
            }
            other => return self.fail(ErrorCode::HostProtocol, format!("unexpected reply {other:?} to a rollback")),
        }
        self.next_rollback(done + 1)
    }

    fn after_rolled_back(&mut self) -> Request {
        self.rollback.pending.clear();
        if let Some(report) = self.verify.as_mut() {
            report.rolled_back = true;
        }
        if !self.rollback.conflicts.is_empty() {
            let also = if self.rollback.failures.is_empty() {
                String::new()
            } else {
                format!("; could not restore {} either", self.rollback.failures.join("; "))
            };
            let message = format!(
                "changed on disk after the run wrote it, so not restored (left as they are now): {}{also}; every other change was taken back",
                self.rollback.conflicts.join("; ")
            );
            // A write refused the same way keeps its message first.
            let message = match self.error.take() {
                Some(e) if e.code == "conflict" => format!("{}; also {message}", e.message),
                _ => message,
            };
            return self.fail(ErrorCode::Conflict, message);
        }
        if !self.rollback.failures.is_empty() {
            let message = format!(
                "could not restore {} ({} restores from the run's backup)",
                self.rollback.failures.join("; "),
                self.word("undo")
            );
            return self.fail(ErrorCode::RollbackFailed, message);
        }
        match std::mem::replace(&mut self.rollback.after, AfterRollback::Finish) {
            AfterRollback::Finish => self.finish(),
            AfterRollback::Retry(feedback) => self.retry_after_verify(feedback),
        }
    }
}
