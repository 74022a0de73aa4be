//! Item trees, the module map and scopes: what each module declares and
//! which names each file can see. None of these carry spans, so they stay
//! equal while a file's bodies are edited.

use crate::db::{Db, SourceFile, Workspace, parse};
use std::collections::BTreeMap;
use writ_syntax::ast;

/// The kinds of named item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// `rule`
    Rule,
    /// `approval` with its number of parameters.
    Approval {
        /// Number of parameters.
        params: u32,
    },
    /// `forbid`
    Forbid,
    /// `emergency`
    Emergency,
    /// `let`
    Let,
}

impl ItemKind {
    /// How the kind is called in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ItemKind::Rule => "rule",
            ItemKind::Approval { .. } => "approval chain",
            ItemKind::Forbid => "forbid",
            ItemKind::Emergency => "emergency path",
            ItemKind::Let => "`let` definition",
        }
    }
}

/// What a file declares and imports, without positions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ItemTree {
    /// Named items in source order (duplicates kept; the checker reports them).
    pub items: Vec<(String, ItemKind)>,
    /// `use` declarations in source order.
    pub imports: Vec<Import>,
}

impl ItemTree {
    /// The first item called `name`.
    pub fn get(&self, name: &str) -> Option<ItemKind> {
        self.items.iter().find(|(n, _)| n == name).map(|(_, k)| *k)
    }
}

/// One `use`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    /// The module path, `::`-joined.
    pub module: String,
    /// Imported item names; `None` for a glob.
    pub names: Option<Vec<String>>,
}

/// The item tree of one file.
#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn Db, file: SourceFile) -> ItemTree {
    let mut tree = ItemTree::default();
    for item in &parse(db, file).file.items {
        let kind = match &item.kind {
            ast::ItemKind::Rule(_) => ItemKind::Rule,
            ast::ItemKind::Approval(a) => ItemKind::Approval {
                params: a.params.len() as u32,
            },
            ast::ItemKind::Forbid(_) => ItemKind::Forbid,
            ast::ItemKind::Emergency(_) => ItemKind::Emergency,
            ast::ItemKind::Let(_) => ItemKind::Let,
            ast::ItemKind::Use(u) => {
                let module = join(&u.module.segments);
                let names = match &u.tree {
                    ast::UseTree::Single(name) => Some(vec![name.name.clone()]),
                    ast::UseTree::Group(names) => {
                        Some(names.iter().map(|n| n.name.clone()).collect())
                    }
                    ast::UseTree::Glob(_) => None,
                };
                tree.imports.push(Import { module, names });
                continue;
            }
            // Tests and assertions cannot be referred to by name.
            ast::ItemKind::Test(_) | ast::ItemKind::Assert(_) | ast::ItemKind::Error => continue,
        };
        if let Some(name) = item.name() {
            tree.items.push((name.name.clone(), kind));
        }
    }
    tree
}

/// `a::b::c` from path segments.
pub fn join(segments: &[ast::Ident]) -> String {
    segments
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("::")
}

/// Every module of the workspace by name (the first file wins on a clash;
/// the checker reports the clash).
#[salsa::tracked(returns(ref))]
pub fn module_map(db: &dyn Db, workspace: Workspace) -> BTreeMap<String, SourceFile> {
    let mut map = BTreeMap::new();
    for file in workspace.files(db) {
        map.entry(file.module(db).clone()).or_insert(*file);
    }
    map
}

/// A resolved reference to an item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Def {
    /// The module that declares it.
    pub module: String,
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: ItemKind,
}

impl Def {
    /// `module::name`, the id used in plans and proofs.
    pub fn id(&self) -> String {
        format!("{}::{}", self.module, self.name)
    }
}

/// The names a file can use without a path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Name → definition.
    pub names: BTreeMap<String, Def>,
}

/// The scope of one file: its own items, then what it imports (an import
/// never shadows a local item; the checker reports the conflict).
#[salsa::tracked(returns(ref))]
pub fn scope(db: &dyn Db, workspace: Workspace, file: SourceFile) -> Scope {
    let mut scope = Scope::default();
    let module = file.module(db);
    for (name, kind) in &item_tree(db, file).items {
        scope.names.entry(name.clone()).or_insert_with(|| Def {
            module: module.clone(),
            name: name.clone(),
            kind: *kind,
        });
    }
    let modules = module_map(db, workspace);
    for import in &item_tree(db, file).imports {
        let Some(target) = modules.get(&import.module) else {
            continue;
        };
        let target_tree = item_tree(db, *target);
        let names: Vec<String> = match &import.names {
            Some(names) => names.clone(),
            None => target_tree.items.iter().map(|(n, _)| n.clone()).collect(),
        };
        for name in names {
            if let Some(kind) = target_tree.get(&name) {
                scope.names.entry(name.clone()).or_insert(Def {
                    module: import.module.clone(),
                    name,
                    kind,
                });
            }
        }
    }
    scope
}

/// Resolves a path written in `file`: one segment through the file's scope,
/// several as `module::item`.
pub fn resolve(
    db: &dyn Db,
    workspace: Workspace,
    file: SourceFile,
    path: &ast::Path,
) -> Option<Def> {
    if path.segments.len() == 1 {
        return scope(db, workspace, file)
            .names
            .get(&path.segments[0].name)
            .cloned();
    }
    let module = join(&path.segments[..path.segments.len() - 1]);
    let name = &path.last().name;
    let target = module_map(db, workspace).get(&module)?;
    let kind = item_tree(db, *target).get(name)?;
    Some(Def {
        module,
        name: name.clone(),
        kind,
    })
}
