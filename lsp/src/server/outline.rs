//! Reading requests: hover, document and workspace symbols, folding
//! ranges and semantic tokens, with the conversion of symbol kinds.

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

    pub(super) async fn semantic_tokens_full_request(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let index = LineIndex::new(text);
            let mut data = Vec::new();
            let (mut line, mut col) = (0u32, 0u32);
            for t in a.semantic_tokens(key)? {
                let start = index.position(t.span.start as usize);
                let end = index.position(t.span.end as usize);
                if end.line != start.line || end.character <= start.character {
                    continue;
                }
                let delta_line = start.line - line;
                let delta_start = if delta_line == 0 {
                    start.character - col
                } else {
                    start.character
                };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: end.character - start.character,
                    token_type: t.kind as u32,
                    token_modifiers_bitset: t.modifiers,
                });
                line = start.line;
                col = start.character;
            }
            Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            })))
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
