//! Names: the file's own definitions (duplicates), its `use` imports
//! (unknown modules and items, private items, unused imports), paths to
//! items of other modules, bare names in expressions (`for` variables,
//! built-in principal kinds, `let`s, items in scope, chain parameters) and
//! the expansion of `let`s, including those of other files (with cycle
//! detection).

use super::builtins::{self, field_type, node_field};
use super::{Checker, Context, FILTER_VAR, Resolved, Ty, Val, WithReplacementAt};
use crate::db::parse;
use crate::items::{self, Def, ItemKind, item_tree, module_map, scope};
use std::collections::{BTreeMap, BTreeSet};
use writ_diagnostics::{Span, codes, did_you_mean};
use writ_plan::ir;
use writ_syntax::ast;

impl Checker<'_> {
    pub(super) fn check_definitions(&mut self, file: &ast::SourceFile) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for item in &file.items {
            let Some(name) = item.name() else { continue };
            if let Some(first) = seen.get(name.name.as_str()) {
                let d = self
                    .error(
                        codes::E0302,
                        name.span,
                        format!("`{}` is defined twice in this module", name.name),
                    )
                    .with_label("second definition")
                    .with_secondary(self.file_id, *first, "first defined here")
                    .with_help("rename one of them");
                self.report(d);
            } else {
                seen.insert(&name.name, name.span);
            }
        }
    }

    pub(super) fn check_imports(&mut self, file: &ast::SourceFile) {
        let modules = module_map(self.db, self.workspace);
        let local: BTreeSet<String> = item_tree(self.db, self.file)
            .items
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        let mut imported: BTreeMap<String, (String, Span)> = BTreeMap::new();
        for item in &file.items {
            let ast::ItemKind::Use(u) = &item.kind else {
                continue;
            };
            let module = items::join(&u.module.segments);
            let Some(target) = modules.get(&module) else {
                let candidates: Vec<String> = modules.keys().cloned().collect();
                self.unknown(codes::E0303, u.module.span, "module", &module, candidates);
                continue;
            };
            let tree = item_tree(self.db, *target);
            let names: Vec<&ast::Ident> = match &u.tree {
                ast::UseTree::Single(name) => vec![name],
                ast::UseTree::Group(names) => names.iter().collect(),
                ast::UseTree::Glob(_) => Vec::new(),
            };
            for name in names {
                if let Some(kind) = tree.get(&name.name) {
                    let def = Def {
                        module: module.clone(),
                        name: name.name.clone(),
                        kind,
                    };
                    self.resolved(name.span, Resolved::Item(def));
                } else {
                    let candidates: Vec<String> =
                        tree.items.iter().map(|(n, _)| n.clone()).collect();
                    let mut d = self
                        .error(
                            codes::E0304,
                            name.span,
                            format!("module `{module}` has no item `{}`", name.name),
                        )
                        .with_label("not declared there");
                    if let Some(best) =
                        did_you_mean(&name.name, candidates.iter().map(String::as_str))
                    {
                        let best = best.to_string();
                        d = d.with_replacement_text(name.span, &best);
                    }
                    self.report(d);
                    continue;
                }
                if local.contains(&name.name) {
                    let d = self
                        .error(
                            codes::E0308,
                            name.span,
                            format!("`{}` is already defined in this module", name.name),
                        )
                        .with_label("imported here")
                        .with_help(format!(
                            "rename the local `{}` or refer to the import by its path",
                            name.name
                        ));
                    self.report(d);
                } else if let Some((other, first)) = imported.get(&name.name) {
                    if *other != module {
                        let d = self
                            .error(
                                codes::E0308,
                                name.span,
                                format!("`{}` is imported twice", name.name),
                            )
                            .with_label(format!("from `{module}`"))
                            .with_secondary(
                                self.file_id,
                                *first,
                                format!("already imported from `{other}`"),
                            )
                            .with_help("import one of them and refer to the other by its path");
                        self.report(d);
                    }
                } else {
                    imported.insert(name.name.clone(), (module.clone(), name.span));
                }
            }
        }
    }

    pub(super) fn unused_imports(&mut self, file: &ast::SourceFile) {
        for item in &file.items {
            let ast::ItemKind::Use(u) = &item.kind else {
                continue;
            };
            let names: Vec<&ast::Ident> = match &u.tree {
                ast::UseTree::Single(name) => vec![name],
                ast::UseTree::Group(names) => names.iter().collect(),
                ast::UseTree::Glob(_) => vec![],
            };
            for name in names {
                let resolves = scope(self.db, self.workspace, self.file)
                    .names
                    .contains_key(&name.name);
                if resolves && !self.used_names.contains(&name.name) {
                    let d = self
                        .error(
                            codes::W0301,
                            name.span,
                            format!("`{}` is imported but never used", name.name),
                        )
                        .with_label("unused")
                        .with_help("remove it from the `use`");
                    self.report(d);
                }
            }
        }
    }

    pub(super) fn resolve_path(&mut self, path: &ast::Path, expected: &str) -> Option<Def> {
        if path.segments.len() == 1 {
            self.used_names.insert(path.segments[0].name.clone());
        }
        match items::resolve(self.db, self.workspace, self.file, path) {
            Some(def) => {
                self.resolved(path.last().span, Resolved::Item(def.clone()));
                Some(def)
            }
            None => {
                // Suggest only items of the expected kinds.
                let candidates: Vec<String> = scope(self.db, self.workspace, self.file)
                    .names
                    .iter()
                    .filter(|(_, def)| {
                        expected.contains(def.kind.describe().trim_start_matches("`let` "))
                    })
                    .map(|(name, _)| name.clone())
                    .collect();
                self.unknown(
                    codes::E0301,
                    path.span,
                    expected,
                    &path.to_string(),
                    candidates,
                );
                None
            }
        }
    }

    pub(super) fn expect_kind(&mut self, def: &Def, span: Span, wanted: &str, ok: bool) -> bool {
        if !ok {
            let d = self
                .error(
                    codes::E0306,
                    span,
                    format!("`{}` is a {}, not {wanted}", def.name, def.kind.describe()),
                )
                .with_label(format!("expected {wanted}"));
            self.report(d);
        }
        ok
    }

    pub(super) fn name(&mut self, name: &ast::Ident, ctx: Context) -> Val {
        let n = name.name.as_str();
        if ctx == Context::Filter {
            if let Some(field) = node_field(n) {
                self.resolved(name.span, Resolved::Field(n.to_string()));
                return Val::new(
                    field_type(&field),
                    ir::Expr::NodeField {
                        var: FILTER_VAR,
                        field,
                    },
                );
            }
            if self.facts.is_none_or(|f| f.attributes.contains_key(n)) && self.let_def(n).is_none()
            {
                self.resolved(name.span, Resolved::Field(n.to_string()));
                return Val::new(
                    self.attr_type(n),
                    ir::Expr::NodeField {
                        var: FILTER_VAR,
                        field: ir::NodeField::Attr(n.to_string()),
                    },
                );
            }
        }
        if let Some(i) = self.locals.iter().position(|l| l == n) {
            self.resolved(name.span, Resolved::Local(n.to_string()));
            return Val::new(Ty::Node, ir::Expr::Nodes(ir::NodeSet::Var(i as u32)));
        }
        if builtins::is_principal_kind(n) {
            self.resolved(name.span, Resolved::PrincipalKind(n.to_string()));
            return Val::new(Ty::PrincipalKind, ir::Expr::Str(n.to_string()));
        }
        if let Some(def) = self.let_def(n) {
            self.used_names.insert(n.to_string());
            self.resolved(name.span, Resolved::Item(def.clone()));
            if let Some(v) = self.let_value(&def, name.span) {
                return v;
            }
            return Val::error();
        }
        if let Some(def) = scope(self.db, self.workspace, self.file)
            .names
            .get(n)
            .cloned()
        {
            self.used_names.insert(n.to_string());
            self.resolved(name.span, Resolved::Item(def.clone()));
            let d = self
                .error(
                    codes::E0306,
                    name.span,
                    format!("`{n}` is a {}, not a value", def.kind.describe()),
                )
                .with_label("not usable in an expression");
            self.report(d);
            return Val::error();
        }
        // A node kind.
        if n == "any" {
            self.resolved(name.span, Resolved::Kind(n.to_string()));
            let all = self.all_nodes();
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(all)));
        }
        match self.graph {
            Some(graph) => {
                if self.facts.is_some_and(|f| f.kinds.contains_key(n)) {
                    self.resolved(name.span, Resolved::Kind(n.to_string()));
                }
                if let Some(&set) = self.kind_cache.get(n) {
                    Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
                } else if let Some(members) = self.facts.and_then(|f| f.kinds.get(n)) {
                    let set = self.intern(members.clone());
                    self.kind_cache.insert(n.to_string(), set);
                    Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
                } else {
                    let mut candidates: Vec<String> = graph.node_kinds().to_vec();
                    candidates.extend(self.locals.iter().cloned());
                    candidates.extend(
                        scope(self.db, self.workspace, self.file)
                            .names
                            .keys()
                            .cloned(),
                    );
                    if ctx == Context::Filter {
                        candidates
                            .extend(self.facts.iter().flat_map(|f| f.attributes.keys().cloned()));
                    }
                    // Name the code after what the author most likely meant.
                    let best =
                        did_you_mean(n, candidates.iter().map(String::as_str)).map(str::to_string);
                    let meant_kind = best
                        .as_ref()
                        .is_some_and(|b| graph.node_kinds().contains(b));
                    let (code, what) = match ctx {
                        Context::Filter if !meant_kind => {
                            (codes::E0404, "field, attribute or name")
                        }
                        _ if meant_kind => (codes::E0402, "node kind"),
                        _ => (codes::E0301, "name"),
                    };
                    self.unknown(code, name.span, what, n, candidates);
                    Val::error()
                }
            }
            None => {
                self.resolved(name.span, Resolved::Kind(n.to_string()));
                // Without a graph kinds cannot be checked; the set is unknown.
                let empty = self.intern(Vec::new());
                Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(empty)))
            }
        }
    }

    pub(super) fn let_def(&self, name: &str) -> Option<Def> {
        scope(self.db, self.workspace, self.file)
            .names
            .get(name)
            .filter(|d| d.kind == ItemKind::Let)
            .cloned()
    }

    /// Expands a `let`, checking it in its own module.
    pub(super) fn let_value(&mut self, def: &Def, use_span: Span) -> Option<Val> {
        let id = def.id();
        if self.let_stack.contains(&id) {
            let cycle = self
                .let_stack
                .iter()
                .skip_while(|l| **l != id)
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            let d = self
                .error(
                    codes::E0305,
                    use_span,
                    format!("`{}` refers to itself", def.name),
                )
                .with_label("cycle")
                .with_note(format!("{cycle} → {id}"));
            self.report(d);
            return None;
        }
        let target = *module_map(self.db, self.workspace).get(&def.module)?;
        let parsed = parse(self.db, target);
        let value = parsed.file.items.iter().find_map(|item| match &item.kind {
            ast::ItemKind::Let(l) if l.name.name == def.name => Some(l.value.clone()),
            _ => None,
        })?;
        let foreign = target != self.file;
        let saved_file = self.file;
        let saved_locals = std::mem::take(&mut self.locals);
        if foreign {
            self.foreign += 1;
            self.file = target;
        }
        self.let_stack.push(id);
        let v = self.expr(&value, Context::Normal);
        self.let_stack.pop();
        if foreign {
            self.foreign -= 1;
            self.file = saved_file;
        }
        self.locals = saved_locals;
        Some(v)
    }
}
