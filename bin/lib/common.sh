# Shared by the scripts in bin/: build prerequisites and the target folder.
# Sourced, not run.

# Where cargo builds. A folder outside the clone, reused across clones and
# runs when it exists (the RocksDB C++ build takes minutes; it is done once).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/freshet-target}"

# Installs the system packages the build needs (RocksDB's bindings need
# clang and libclang), with apt-get, when they are missing.
ensure_build_deps() {
    local missing=()
    for pkg in clang libclang-dev; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        echo "installing build dependencies: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    command -v cargo >/dev/null || { echo "cargo is not installed: install Rust from https://rustup.rs" >&2; exit 1; }
}
