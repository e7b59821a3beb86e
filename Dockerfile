# Build offline against the committed .sqlx/ query data, run as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app girder
WORKDIR /app
COPY --from=build /src/target/release/girder /usr/local/bin/girder
COPY static /app/static
USER girder
ENV GIRDER_BIND=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
# In a container, point DATABASE_URL at a PostgreSQL server (the private cluster is for
# machines with PostgreSQL's packages installed).
CMD ["girder", "serve"]
