//! Diagnostics: published once typing pauses (debounced by a generation
//! counter), for every file that has some, cleared for files that no longer
//! do; open documents always hear back.

use super::*;

impl<C: Client> Server<C> {
    /// Schedules publishing diagnostics once typing pauses.
    pub(super) fn schedule_diagnostics(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let counter = self.generation.clone();
        let state = self.state.clone();
        let client = self.client.clone();
        let debounce = self.options.debounce;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            if !debounce.is_zero() {
                tokio::time::sleep(debounce).await;
            }
            if counter.load(Ordering::SeqCst) != generation {
                return;
            }
            let (analysis, paths, versions, previously) = {
                let s = lock(&state);
                let versions: HashMap<String, i32> =
                    s.docs.iter().map(|(k, d)| (k.clone(), d.version)).collect();
                (
                    s.host.analysis(),
                    s.paths.clone(),
                    versions,
                    s.published.clone(),
                )
            };
            let computed = tokio::task::spawn_blocking(move || {
                let diagnostics = analysis.diagnostics()?;
                let mut out = BTreeMap::new();
                for (key, diags) in diagnostics {
                    let Some(text) = analysis.file_text(&key)? else {
                        continue;
                    };
                    let index = LineIndex::new(&text);
                    let converted: Vec<Diagnostic> = diags
                        .iter()
                        .map(|d| to_lsp_diagnostic(d, &index, &paths, &analysis))
                        .collect();
                    out.insert(key, converted);
                }
                Ok::<_, writ_ide::Cancelled>((out, paths))
            })
            .await;
            let (diagnostics, paths) = match computed {
                Ok(Ok(done)) => done,
                // Cancelled by a newer edit: that edit schedules its own run.
                Ok(Err(_)) => return,
                // A panic in the analysis stays on its blocking thread (the
                // server keeps serving); say so instead of going quiet.
                Err(e) => {
                    client
                        .log(MessageType::ERROR, format!("diagnostics failed: {e}"))
                        .await;
                    return;
                }
            };
            if counter.load(Ordering::SeqCst) != generation {
                return;
            }
            let now: HashSet<String> = diagnostics.keys().cloned().collect();
            // Open documents always hear back (an empty list for a clean
            // file), so the editor knows its version was checked.
            let clean = previously
                .difference(&now)
                .chain(versions.keys().filter(|k| !now.contains(*k)))
                .cloned()
                .collect::<std::collections::BTreeSet<String>>();
            for key in &clean {
                if let Some(uri) = paths.uri(key) {
                    client
                        .publish_diagnostics(uri, Vec::new(), versions.get(key).copied())
                        .await;
                }
            }
            for (key, diags) in diagnostics {
                if let Some(uri) = paths.uri(&key) {
                    client
                        .publish_diagnostics(uri, diags, versions.get(&key).copied())
                        .await;
                }
            }
            lock(&state).published = now;
        });
    }
}

pub(super) fn to_lsp_diagnostic(
    d: &writ_ide::FileDiagnostic,
    index: &LineIndex<'_>,
    paths: &Paths,
    analysis: &Analysis,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let text = analysis.file_text(&r.path).ok()??;
            let range = LineIndex::new(&text).range(r.span);
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: paths.uri(&r.path)?,
                    range,
                },
                message: r.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: index.range(d.span),
        severity: Some(match d.severity {
            writ_ide::Severity::Error => DiagnosticSeverity::ERROR,
            writ_ide::Severity::Warning => DiagnosticSeverity::WARNING,
            _ => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.clone())),
        source: Some("writ".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
