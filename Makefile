# Quick start: `make run` opens Stockroom on the embedded SQLite store; `make test` runs every test.
export CARGO_BUILD_JOBS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-cluster deps build release install lint bench

# Installs the build prerequisites a fresh Debian/Ubuntu machine lacks.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	pkg-config --exists mysqlclient 2>/dev/null || missing="$$missing default-libmysqlclient-dev"; \
	command -v cc >/dev/null || missing="$$missing build-essential"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

release: deps
	cargo build --release --locked

run: release
	./target/release/stockroom

# Puts `stockroom` on the PATH (~/.cargo/bin).
install: deps
	cargo install --path . --locked

# Every test, on SQLite and on MySQL/MariaDB (STOCKROOM_TEST_MYSQL_URL, default
# mysql://root@127.0.0.1:3306). Without a server the MySQL tests skip loudly; with CI set they fail.
test: deps
	cargo test --locked

# Only the Galera cluster tests (3 local nodes on loopback; `make test` runs them too).
test-cluster: deps
	cargo test --locked --test cluster

lint:
	cargo fmt --check
	cargo clippy --all-targets --locked -- -D warnings

bench: release
	./target/release/stockroom bench demo --scale 100
