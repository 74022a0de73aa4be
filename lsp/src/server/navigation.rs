//! Navigation requests: go to definition, references, rename (and its
//! preparation), with the conversion of analysis locations.

use super::*;

impl<C: Client> Server<C> {
    pub(super) async fn goto_definition_request(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.query(move |a, paths| {
            let Some((key, offset, _)) = at(a, paths, &params.text_document_position_params)?
            else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for loc in a.goto_definition(&key, offset)? {
                out.extend(location(a, paths, &loc)?);
            }
            Ok((!out.is_empty()).then_some(GotoDefinitionResponse::Array(out)))
        })
        .await
    }

    pub(super) async fn references_request(
        &self,
        params: ReferenceParams,
    ) -> Result<Option<Vec<Location>>> {
        self.query(move |a, paths| {
            let Some((key, offset, _)) = at(a, paths, &params.text_document_position)? else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for loc in a.references(&key, offset, params.context.include_declaration)? {
                out.extend(location(a, paths, &loc)?);
            }
            Ok(Some(out))
        })
        .await
    }

    pub(super) async fn prepare_rename_request(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.query(move |a, paths| {
            let Some((key, offset, text)) = at(a, paths, &params)? else {
                return Ok(None);
            };
            Ok(a.prepare_rename(&key, offset)?
                .ok()
                .map(|span| PrepareRenameResponse::Range(LineIndex::new(&text).range(span))))
        })
        .await
    }

    pub(super) async fn rename_request(
        &self,
        params: RenameParams,
    ) -> Result<Option<WorkspaceEdit>> {
        let result = self
            .query(move |a, paths| {
                let Some((key, offset, _)) = at(a, paths, &params.text_document_position)? else {
                    return Ok(Ok(None));
                };
                let change = match a.rename(&key, offset, &params.new_name)? {
                    Ok(change) => change,
                    Err(message) => return Ok(Err(message)),
                };
                let mut ops = Vec::new();
                for (path, edits) in &change.edits {
                    let (Some(text), Some(uri)) = (a.file_text(path)?, paths.uri(path)) else {
                        continue;
                    };
                    ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri,
                            version: None,
                        },
                        edits: edits_to_lsp(&text, edits)
                            .into_iter()
                            .map(OneOf::Left)
                            .collect(),
                    }));
                }
                for r in &change.renames {
                    if let (Some(old_uri), Some(new_uri)) = (paths.uri(&r.from), paths.uri(&r.to)) {
                        ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                            RenameFile {
                                old_uri,
                                new_uri,
                                options: None,
                                annotation_id: None,
                            },
                        )));
                    }
                }
                Ok(Ok(Some(WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Operations(ops)),
                    ..Default::default()
                })))
            })
            .await?;
        result.map_err(Error::invalid_params)
    }
}

/// Converts a location of the analysis.
pub(super) fn location(
    analysis: &Analysis,
    paths: &Paths,
    loc: &writ_ide::Location,
) -> Cancellable<Option<Location>> {
    let Some(text) = analysis.file_text(&loc.path)? else {
        return Ok(None);
    };
    Ok(paths.uri(&loc.path).map(|uri| Location {
        uri,
        range: LineIndex::new(&text).range(loc.span),
    }))
}

/// The key and byte offset of a request's position, from the snapshot's text.
pub(super) fn at(
    analysis: &Analysis,
    paths: &Paths,
    doc: &TextDocumentPositionParams,
) -> Cancellable<Option<(String, usize, String)>> {
    let Some(key) = paths.key(&doc.text_document.uri) else {
        return Ok(None);
    };
    let Some(text) = analysis.file_text(&key)? else {
        return Ok(None);
    };
    let offset = LineIndex::new(&text).offset(doc.position);
    Ok(Some((key, offset, text)))
}
