# Préau container image: build in a Rust image, run in a slim Debian as a
# non-root user, data in the /data volume.
#
#   docker build -t preau .
#   docker run -p 8080:8080 -v preau-data:/data -e PREAU_DOMAIN=ent.example.fr preau

FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so that a code change does not rebuild them.
# .cargo holds the bundled SQLite's build flags; the manifest names the
# benchmarks, so they come too (they are not built).
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY benches ./benches
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
# The templates, strings and stylesheet are compiled into the binary.
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY locales ./locales
COPY static ./static
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin preau \
    && mkdir -p /data /etc/preau \
    && chown preau:preau /data
COPY --from=build /src/target/release/preau /usr/local/bin/preau
COPY config/preau.toml /etc/preau/preau.toml
USER preau
WORKDIR /data
ENV PREAU_BIND=0.0.0.0:8080 \
    PREAU_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["preau", "healthcheck"]
ENTRYPOINT ["preau", "--config", "/etc/preau/preau.toml"]
CMD ["serve"]
