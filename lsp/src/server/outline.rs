//! Reading requests: hover, inlay hints (how many nodes each selector
//! matches), document and workspace symbols and folding ranges, with the
//! conversion of symbol kinds.

use super::*;

impl<C: Client> Server<C> {
    pub(super) async fn hover_request(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.query(move |a, paths| {
            let Some((key, offset, text)) = at(a, paths, &params.text_document_position_params)?
            else {
                return Ok(None);
            };
            Ok(a.hover(&key, offset)?.map(|h| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: h.markdown,
                }),
                range: Some(LineIndex::new(&text).range(h.span)),
            }))
        })
        .await
    }

    pub(super) async fn inlay_hint_request(
        &self,
        params: InlayHintParams,
    ) -> Result<Option<Vec<InlayHint>>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let index = LineIndex::new(text);
            let range = index.span(params.range);
            Ok(Some(
                a.inlay_hints(key, range)?
                    .into_iter()
                    .map(|h| InlayHint {
                        position: index.position(h.offset),
                        label: InlayHintLabel::String(h.label),
                        kind: None,
                        text_edits: None,
                        tooltip: None,
                        padding_left: Some(true),
                        padding_right: None,
                        data: None,
                    })
                    .collect(),
            ))
        })
        .await
    }

    pub(super) async fn document_symbol_request(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let index = LineIndex::new(text);
            #[allow(deprecated)]
            fn convert(s: writ_ide::Symbol, index: &LineIndex<'_>) -> DocumentSymbol {
                DocumentSymbol {
                    name: if s.name.is_empty() {
                        "(unnamed)".into()
                    } else {
                        s.name
                    },
                    detail: None,
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    range: index.range(s.span),
                    selection_range: index.range(s.name_span),
                    children: Some(s.children.into_iter().map(|c| convert(c, index)).collect()),
                }
            }
            let symbols = a.document_symbols(key)?;
            Ok(Some(DocumentSymbolResponse::Nested(
                symbols.into_iter().map(|s| convert(s, &index)).collect(),
            )))
        })
        .await
    }

    pub(super) async fn symbol_request(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.query(move |a, paths| {
            let mut out = Vec::new();
            for s in a.workspace_symbols(&params.query, 256)? {
                if let Some(loc) = location(a, paths, &s.location())? {
                    out.push(WorkspaceSymbol {
                        name: s.name.clone(),
                        kind: symbol_kind(s.kind),
                        tags: None,
                        container_name: Some(s.container.clone()),
                        location: OneOf::Left(loc),
                        data: None,
                    });
                }
            }
            Ok(Some(WorkspaceSymbolResponse::Nested(out)))
        })
        .await
    }

    pub(super) async fn folding_range_request(
        &self,
        params: FoldingRangeParams,
    ) -> Result<Option<Vec<FoldingRange>>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let index = LineIndex::new(text);
            Ok(Some(
                a.folding_ranges(key)?
                    .into_iter()
                    .map(|f| {
                        let r = index.range(f.span);
                        FoldingRange {
                            start_line: r.start.line,
                            start_character: None,
                            end_line: r.end.line,
                            end_character: None,
                            kind: Some(match f.kind {
                                FoldKind::Comment => FoldingRangeKind::Comment,
                                FoldKind::Imports => FoldingRangeKind::Imports,
                                FoldKind::Region => FoldingRangeKind::Region,
                            }),
                            collapsed_text: None,
                        }
                    })
                    .collect(),
            ))
        })
        .await
    }
}

fn symbol_kind(kind: Sk) -> SymbolKind {
    match kind {
        Sk::Rule => SymbolKind::FUNCTION,
        Sk::Approval => SymbolKind::INTERFACE,
        Sk::Forbid => SymbolKind::FUNCTION,
        Sk::Emergency => SymbolKind::EVENT,
        Sk::Let => SymbolKind::VARIABLE,
        Sk::Test => SymbolKind::METHOD,
        Sk::Assert => SymbolKind::PROPERTY,
        Sk::Use => SymbolKind::MODULE,
        Sk::Variable => SymbolKind::VARIABLE,
    }
}
