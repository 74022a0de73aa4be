//! Compiles the generated parser (`src/parser.c`, committed; regenerate it
//! with `tree-sitter generate` after editing `grammar.js`).

fn main() {
    let src = std::path::Path::new("src");
    let mut build = cc::Build::new();
    build
        .std("c11")
        .include(src)
        .file(src.join("parser.c"))
        .warnings(false);
    build.compile("tree-sitter-writ");
    println!("cargo:rerun-if-changed=src/parser.c");
    println!("cargo:rerun-if-changed=src/tree_sitter/parser.h");
}
