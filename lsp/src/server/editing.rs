//! Editing requests: completion, signature help, formatting (whole document
//! and range), code actions and code lenses, with the conversion of text
//! edits and completion kinds.

use super::*;

impl<C: Client> Server<C> {
    pub(super) async fn completion_request(
        &self,
        params: CompletionParams,
    ) -> Result<Option<CompletionResponse>> {
        self.query(move |a, paths| {
            let Some((key, offset, text)) = at(a, paths, &params.text_document_position)? else {
                return Ok(None);
            };
            let index = LineIndex::new(&text);
            let items: Vec<CompletionItem> = a
                .completions(&key, offset)?
                .into_iter()
                .enumerate()
                .map(|(i, c)| CompletionItem {
                    label: c.label.clone(),
                    kind: Some(completion_kind(c.kind)),
                    detail: c.detail,
                    documentation: c.documentation.map(|d| {
                        Documentation::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: d,
                        })
                    }),
                    sort_text: Some(format!("{i:04}")),
                    filter_text: Some(c.label),
                    insert_text_format: Some(if c.snippet {
                        InsertTextFormat::SNIPPET
                    } else {
                        InsertTextFormat::PLAIN_TEXT
                    }),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range: index.range(c.replace),
                        new_text: c.insert,
                    })),
                    ..Default::default()
                })
                .collect();
            Ok(Some(CompletionResponse::Array(items)))
        })
        .await
    }

    pub(super) async fn formatting_request(
        &self,
        params: DocumentFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            Ok(a.format(key)?.map(|edits| edits_to_lsp(text, &edits)))
        })
        .await
    }

    pub(super) async fn range_formatting_request(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let span = LineIndex::new(text).span(params.range);
            Ok(a.format_range(key, span)?
                .map(|edits| edits_to_lsp(text, &edits)))
        })
        .await
    }

    pub(super) async fn signature_help_request(
        &self,
        params: SignatureHelpParams,
    ) -> Result<Option<SignatureHelp>> {
        self.query(move |a, paths| {
            let Some((key, offset, _)) = at(a, paths, &params.text_document_position_params)?
            else {
                return Ok(None);
            };
            Ok(a.signature_help(&key, offset)?.map(|h| {
                let utf16 = |byte: usize| h.label[..byte].encode_utf16().count() as u32;
                SignatureHelp {
                    signatures: vec![SignatureInformation {
                        label: h.label.clone(),
                        documentation: h.documentation.map(|d| {
                            Documentation::MarkupContent(MarkupContent {
                                kind: MarkupKind::Markdown,
                                value: d,
                            })
                        }),
                        parameters: Some(
                            h.parameters
                                .iter()
                                .map(|&(start, end)| ParameterInformation {
                                    label: ParameterLabel::LabelOffsets([utf16(start), utf16(end)]),
                                    documentation: None,
                                })
                                .collect(),
                        ),
                        active_parameter: h.active.map(|i| i as u32),
                    }],
                    active_signature: Some(0),
                    active_parameter: h.active.map(|i| i as u32),
                }
            }))
        })
        .await
    }

    pub(super) async fn code_action_request(
        &self,
        params: CodeActionParams,
    ) -> Result<Option<CodeActionResponse>> {
        self.query_document(params.text_document.uri, move |a, paths, key, text| {
            let index = LineIndex::new(text);
            let span = index.span(params.range);
            let mut out = Vec::new();
            for action in a.code_actions(key, span)? {
                let mut changes = HashMap::new();
                for (path, edits) in &action.edits {
                    if let (Some(t), Some(uri)) = (a.file_text(path)?, paths.uri(path)) {
                        changes.insert(uri, edits_to_lsp(&t, edits));
                    }
                }
                let diagnostic = to_lsp_diagnostic(&action.diagnostic, &index, paths, a);
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: action.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(action.preferred),
                    ..Default::default()
                }));
            }
            Ok(Some(out))
        })
        .await
    }

    pub(super) async fn code_lens_request(
        &self,
        params: CodeLensParams,
    ) -> Result<Option<Vec<CodeLens>>> {
        self.query_document(params.text_document.uri, move |a, _, key, text| {
            let index = LineIndex::new(text);
            Ok(Some(
                a.code_lenses(key)?
                    .into_iter()
                    .map(|l| CodeLens {
                        range: index.range(l.span),
                        command: Some(Command {
                            title: l.title,
                            command: String::new(),
                            arguments: None,
                        }),
                        data: None,
                    })
                    .collect(),
            ))
        })
        .await
    }
}

pub(super) fn edits_to_lsp(text: &str, edits: &[writ_ide::TextEdit]) -> Vec<TextEdit> {
    let index = LineIndex::new(text);
    edits
        .iter()
        .map(|e| TextEdit {
            range: index.range(e.span),
            new_text: e.text.clone(),
        })
        .collect()
}

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Snippet => CompletionItemKind::SNIPPET,
        CompletionKind::Rule => CompletionItemKind::FUNCTION,
        CompletionKind::Chain => CompletionItemKind::INTERFACE,
        CompletionKind::Emergency => CompletionItemKind::EVENT,
        CompletionKind::Let => CompletionItemKind::VARIABLE,
        CompletionKind::Module => CompletionItemKind::MODULE,
        CompletionKind::Variable => CompletionItemKind::VARIABLE,
        CompletionKind::NodeKind => CompletionItemKind::CLASS,
        CompletionKind::Node => CompletionItemKind::CONSTANT,
        CompletionKind::Team => CompletionItemKind::STRUCT,
        CompletionKind::Person => CompletionItemKind::REFERENCE,
        CompletionKind::Check => CompletionItemKind::METHOD,
        CompletionKind::Tag => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::EdgeKind => CompletionItemKind::ENUM,
        CompletionKind::Value => CompletionItemKind::VALUE,
    }
}
