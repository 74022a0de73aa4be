//! Go to definition, find references and rename.

use crate::index::{Occurrence, Target, occurrence_at, occurrences};
use crate::{Analysis, Cancellable, Ctx, Location, TextEdit, is_valid_name};
use std::collections::BTreeMap;
use writ_analysis::stdlib::is_std;
use writ_diagnostics::Span;
use writ_syntax::ast;

/// Edits to several files, and files to rename (a module rename).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceChange {
    /// Edits by file path, each list sorted and non-overlapping.
    pub edits: BTreeMap<String, Vec<TextEdit>>,
    /// Files to move, applied after the edits.
    pub renames: Vec<FileRename>,
}

/// Move a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRename {
    /// The current path.
    pub from: String,
    /// The new path.
    pub to: String,
}

impl Analysis {
    /// Where the name at `offset` is defined: an item, a module, a variable,
    /// or a node, team, person or check in the graph file.
    pub fn goto_definition(&self, path: &str, offset: usize) -> Cancellable<Vec<Location>> {
        self.with(|ctx| {
            let Some(file) = ctx.file(path) else {
                return Vec::new();
            };
            let occs = occurrences(ctx, file);
            let mut found = match occurrence_at(&occs, offset) {
                Some(occ) => definition(ctx, path, &occ.target),
                None => Vec::new(),
            };
            found.sort();
            found
        })
    }

    /// Every place the name at `offset` is used, across files; with
    /// `include_declaration`, its definition too.
    pub fn references(
        &self,
        path: &str,
        offset: usize,
        include_declaration: bool,
    ) -> Cancellable<Vec<Location>> {
        self.with(|ctx| {
            let Some(file) = ctx.file(path) else {
                return Vec::new();
            };
            let occs = occurrences(ctx, file);
            let Some(occ) = occurrence_at(&occs, offset) else {
                return Vec::new();
            };
            let mut out = references(ctx, path, &occ.target, include_declaration);
            if include_declaration {
                for def in definition(ctx, path, &occ.target) {
                    if !out.contains(&def) {
                        out.push(def);
                    }
                }
            }
            out.sort();
            out
        })
    }

    /// The span of the name at `offset` if it can be renamed, or why not.
    pub fn prepare_rename(&self, path: &str, offset: usize) -> Cancellable<Result<Span, String>> {
        self.with(|ctx| {
            let file = ctx.file(path).ok_or("not a policy file")?;
            let occs = occurrences(ctx, file);
            let occ = occurrence_at(&occs, offset).ok_or("nothing to rename here")?;
            renamable(&occ.target)?;
            Ok(occ.span)
        })
    }

    /// Renames the rule, chain, forbid, emergency path, `let`, variable or
    /// module at `offset` to `new_name`, everywhere it is used.
    pub fn rename(
        &self,
        path: &str,
        offset: usize,
        new_name: &str,
    ) -> Cancellable<Result<SourceChange, String>> {
        self.with(|ctx| rename(ctx, path, offset, new_name))
    }
}

fn renamable(target: &Target) -> Result<(), String> {
    match target {
        Target::Item(def) if is_std(&def.module) => {
            Err("items of the standard library cannot be renamed".into())
        }
        Target::Module(m) if is_std(m) => {
            Err("modules of the standard library cannot be renamed".into())
        }
        Target::Item(_) | Target::Module(_) | Target::Local { .. } => Ok(()),
        _ => Err("only rules, chains, forbids, emergency paths, `let`s, variables and modules can be renamed".into()),
    }
}

fn rename(
    ctx: &Ctx<'_>,
    path: &str,
    offset: usize,
    new_name: &str,
) -> Result<SourceChange, String> {
    let file = ctx.file(path).ok_or("not a policy file")?;
    let occs = occurrences(ctx, file);
    let occ = occurrence_at(&occs, offset).ok_or("nothing to rename here")?;
    renamable(&occ.target)?;
    let mut change = SourceChange::default();
    match &occ.target {
        Target::Module(module) => {
            // The last segment is renamed; the file moves within its folder.
            if !is_valid_name(new_name) {
                return Err(format!("`{new_name}` is not a valid module name"));
            }
            let target_file = ctx
                .module_file(module)
                .ok_or_else(|| format!("module `{module}` is not in the workspace"))?;
            let new_module = match module.rsplit_once("::") {
                Some((parent, _)) => format!("{parent}::{new_name}"),
                None => new_name.to_string(),
            };
            if ctx.module_file(&new_module).is_some() {
                return Err(format!("module `{new_module}` already exists"));
            }
            for loc in references(ctx, path, &occ.target, false) {
                change.edits.entry(loc.path).or_default().push(TextEdit {
                    span: loc.span,
                    text: new_module.clone(),
                });
            }
            let from = target_file.path(ctx.db).clone();
            let to = match from.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{new_name}.writ"),
                None => format!("{new_name}.writ"),
            };
            change.renames.push(FileRename { from, to });
        }
        target => {
            if !is_valid_name(new_name) {
                return Err(format!("`{new_name}` is not a valid name"));
            }
            if let Target::Item(def) = target {
                // A clash in the declaring module, or in a file that imports it.
                if let Some(f) = ctx.module_file(&def.module)
                    && writ_analysis::items::item_tree(ctx.db, f)
                        .get(new_name)
                        .is_some()
                {
                    return Err(format!(
                        "`{new_name}` is already defined in `{}`",
                        def.module
                    ));
                }
            }
            let mut locations = references(ctx, path, target, false);
            locations.extend(definition(ctx, path, target));
            locations.sort();
            locations.dedup();
            for loc in locations {
                change.edits.entry(loc.path).or_default().push(TextEdit {
                    span: loc.span,
                    text: new_name.to_string(),
                });
            }
        }
    }
    for edits in change.edits.values_mut() {
        edits.sort();
        edits.dedup();
    }
    Ok(change)
}

/// Where `target` (seen from the file `path`) is defined.
pub(crate) fn definition(ctx: &Ctx<'_>, path: &str, target: &Target) -> Vec<Location> {
    let graph_loc = |find: &dyn Fn(&writ_graph::Graph) -> Vec<Span>| -> Vec<Location> {
        let (Some(graph), Some(gpath)) = (ctx.graph(), ctx.graph_path()) else {
            return Vec::new();
        };
        find(&graph)
            .into_iter()
            .map(|span| Location {
                path: gpath.clone(),
                span,
            })
            .collect()
    };
    match target {
        Target::Item(def) => {
            let Some(file) = ctx.module_file(&def.module) else {
                return Vec::new();
            };
            let parsed = ctx.parse(file);
            parsed
                .file
                .items
                .iter()
                .filter_map(ast::Item::name)
                .find(|n| n.name == def.name)
                .map(|n| Location {
                    path: file.path(ctx.db).clone(),
                    span: n.span,
                })
                .into_iter()
                .collect()
        }
        Target::Module(module) => ctx
            .module_file(module)
            .map(|f| Location {
                path: f.path(ctx.db).clone(),
                span: Span::empty(0),
            })
            .into_iter()
            .collect(),
        Target::Local { decl, .. } => vec![Location {
            path: path.to_string(),
            span: *decl,
        }],
        Target::Node(id) => {
            graph_loc(&|g| g.node_by_id(id).map(|n| n.id.span).into_iter().collect())
        }
        Target::Team(id) => graph_loc(&|g| g.team(id).map(|t| t.id.span).into_iter().collect()),
        Target::Person(id) => graph_loc(&|g| g.person(id).map(|p| p.id.span).into_iter().collect()),
        Target::Check(name) => graph_loc(&|g| {
            g.nodes()
                .iter()
                .flat_map(|n| n.checks.iter())
                .filter(|c| c.name.value == *name)
                .map(|c| c.name.span)
                .collect()
        }),
        _ => Vec::new(),
    }
}

/// Every use of `target` (not its declaration) across the workspace.
pub(crate) fn references(
    ctx: &Ctx<'_>,
    path: &str,
    target: &Target,
    include_declaration: bool,
) -> Vec<Location> {
    let same = |o: &Occurrence| -> bool {
        if o.is_def && !include_declaration {
            return false;
        }
        match (&o.target, target) {
            (Target::Item(a), Target::Item(b)) => a.module == b.module && a.name == b.name,
            (a, b) => a == b,
        }
    };
    let files: Vec<_> = match target {
        Target::Local { .. } => ctx.file(path).into_iter().collect(),
        _ => ctx.workspace.files(ctx.db).clone(),
    };
    let mut out = Vec::new();
    for file in files {
        // A file cannot refer to an item of a module it does not mention.
        if let Target::Item(def) = target
            && *file.module(ctx.db) != def.module
            && !file.text(ctx.db).contains(def.name.as_str())
        {
            continue;
        }
        let fpath = file.path(ctx.db).clone();
        for o in occurrences(ctx, file) {
            if same(&o) {
                out.push(Location {
                    path: fpath.clone(),
                    span: o.span,
                });
            }
        }
    }
    out
}
