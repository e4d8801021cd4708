# praxis: build with cgo (SQLite), run on a slim Debian with git installed.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/praxis ./cmd/praxis

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/praxis praxis \
 && mkdir /data && chown praxis:praxis /data
COPY --from=build /out/praxis /usr/local/bin/praxis
USER praxis
ENV PRAXIS_ADDR=0.0.0.0:8080 \
    PRAXIS_DATA=/data \
    PRAXIS_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["praxis"]
CMD ["serve"]
