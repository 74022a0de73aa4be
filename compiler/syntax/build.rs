//! Generates the parser from `src/grammar.lalrpop` (one grammar, one entry point).

fn main() {
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .emit_rerun_directives(true)
        .process()
        .expect("the lalrpop grammar failed to build");
}
