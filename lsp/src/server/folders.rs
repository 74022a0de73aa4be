//! Workspace folders added and removed while the server runs
//! (`workspace/didChangeWorkspaceFolders`): an added folder's policy files
//! are read (the same walk as at start), a removed folder's files leave the
//! analysis unless another folder holds them or the editor has them open.
//! A file's module is its path from the innermost folder holding it.

use super::*;

impl Paths {
    /// Adds a folder; false if it is one already.
    fn add_folder(&mut self, folder: PathBuf) -> bool {
        if self.folders().any(|f| *f == folder) {
            return false;
        }
        match self.root {
            None => self.root = Some(folder),
            Some(_) => self.extra.push(folder),
        }
        true
    }

    /// Removes a folder (the next one becomes the first if it was the first).
    fn remove_folder(&mut self, folder: &Path) {
        if self.root.as_deref() == Some(folder) {
            self.root = (!self.extra.is_empty()).then(|| self.extra.remove(0));
        } else {
            self.extra.retain(|f| f != folder);
        }
    }
}

impl<C: Client> Server<C> {
    pub(super) async fn workspace_folders_changed(&self, params: DidChangeWorkspaceFoldersParams) {
        let messages = {
            let mut state = lock(&self.state);
            for removed in &params.event.removed {
                let Some(folder) = removed.uri.to_file_path().map(|p| p.into_owned()) else {
                    continue;
                };
                state.paths.remove_folder(&folder);
                let files = state.host.analysis().files().unwrap_or_default();
                for key in files {
                    if Path::new(&key).starts_with(&folder)
                        && !state.paths.holds(&key)
                        && !state.docs.contains_key(&key)
                    {
                        state.host.remove_file(&key);
                    }
                }
            }
            let mut messages = Vec::new();
            for added in &params.event.added {
                let Some(folder) = added.uri.to_file_path().map(|p| p.into_owned()) else {
                    continue;
                };
                if state.paths.add_folder(folder.clone()) {
                    Self::load_folder(&mut state, &folder, &mut messages);
                }
            }
            messages
        };
        for m in messages {
            self.client.log(MessageType::WARNING, m).await;
        }
        self.schedule_diagnostics();
    }
}
