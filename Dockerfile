# writ as a container image: a static (musl) binary on distroless, non-root.
#
#   docker build -t writ .
#   docker run --rm -v "$PWD:/work" -w /work writ check --graph graph.json policies
#
# For check, fmt, test, plan, eval, explain, verify and ledger. `writ run`
# sandboxes checks with bubblewrap, which this image does not have: run
# checks with the release binary on the CI machine instead.

# ---- build: the musl target is Alpine's own, so the binary is static
FROM rust:1.91-alpine3.22 AS build
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin writ \
 && cp target/release/writ /writ \
 && /writ --version

# ---- run: no shell, no package manager, uid and gid 65532 (distroless nonroot)
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /writ /usr/local/bin/writ
COPY LICENSE /usr/share/doc/writ/LICENSE
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/writ"]
CMD ["--help"]
