# shellcheck shell=bash
# A real MySQL 9.7 for Freshet's tests and for trying Freshet out, without
# Docker: installs MySQL from Debian's unstable suite (sid) into a private
# cached prefix, and starts and stops local servers configured the way a
# Freshet source needs them (GTID, row binlog with full row images).
# Used by bin/mysql (the command line) and bin/test (the smoke check).
# Sourced, not run; the functions exit on error.
#
# Why this shape: Debian 12 ships no MySQL server, and sid's packages need a
# newer libc than the system's. So they are never installed into the system:
# their .debs (and their dependency closure) are unpacked into a prefix, and
# every binary runs through the prefix's own dynamic loader and libraries.
#
# Settings (environment):
#   FRESHET_MYSQL_CACHE    where installs are cached, one folder per package
#                          version (default ~/.cache/freshet-mysql)
#   FRESHET_MYSQL_PREFIX   install into / run from this folder instead
#   FRESHET_MYSQL_RUN      where servers keep their data (default <repo>/.mysql)
#   FRESHET_MYSQL_PASSWORD the password of the `freshet` user a server gets
#                          at its first start (default "freshet")

# The MySQL series Freshet is tested against; an install refuses any other.
mysql_series="9.7"
# The packages whose dependency closure is installed.
mysql_packages=(mysql-server-core mysql-client-core)
# The user made on every server, with exactly the privileges Freshet's MySQL
# source needs (the same as Materialize's MySQL source documents).
mysql_freshet_user="freshet"
mysql_freshet_privileges="SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES"
# How long a server may take to start or to stop.
mysql_start_timeout="${FRESHET_MYSQL_START_TIMEOUT:-120}"
mysql_stop_timeout="${FRESHET_MYSQL_STOP_TIMEOUT:-60}"

mysql_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The option file holding the settings a server needs to feed Freshet: every
# server started here reads it, and so does docker-compose.yml's MySQL.
mysql_option_file="$mysql_repo/etc/mysql/freshet.cnf"

_mysql_log() { echo "mysql: $*" >&2; }
_mysql_die() { echo "mysql: error: $*" >&2; exit 1; }

_mysql_cache() { echo "${FRESHET_MYSQL_CACHE:-$HOME/.cache/freshet-mysql}"; }
_mysql_run() { echo "${FRESHET_MYSQL_RUN:-$mysql_repo/.mysql}"; }
_mysql_password() { echo "${FRESHET_MYSQL_PASSWORD:-freshet}"; }

# The multiarch triplet and the dynamic loader of this machine.
_mysql_arch() {
    case "$(uname -m)" in
        x86_64) mysql_triplet=x86_64-linux-gnu mysql_loader=ld-linux-x86-64.so.2 ;;
        aarch64) mysql_triplet=aarch64-linux-gnu mysql_loader=ld-linux-aarch64.so.1 ;;
        *) _mysql_die "no MySQL install recipe for machine type $(uname -m)" ;;
    esac
}

# Sets the array mysql_cmd to the command that runs PROGRAM (a path inside
# PREFIX, e.g. usr/sbin/mysqld) through the prefix's loader and libraries:
# the system's libc is too old for it.
_mysql_cmd() {
    local prefix="$1" program="$2"
    _mysql_arch
    mysql_cmd=("$prefix/usr/lib/$mysql_triplet/$mysql_loader"
        --library-path "$prefix/usr/lib/$mysql_triplet:$prefix/lib/$mysql_triplet" "$prefix/$program")
}

# Runs PROGRAM of PREFIX with ARGS (see _mysql_cmd).
_mysql_exec_in() {
    local prefix="$1" program="$2" mysql_cmd
    shift 2
    _mysql_cmd "$prefix" "$program"
    "${mysql_cmd[@]}" "$@"
}

# The options every mysqld invocation starts with: no option files (the
# system's /etc/mysql does not apply), and the prefix's own files.
_mysql_base_args() {
    local prefix="$1"
    printf '%s\n' --no-defaults --basedir="$prefix/usr" \
        --lc-messages-dir="$prefix/usr/share/mysql" --plugin-dir="$prefix/usr/lib/mysql/plugin"
    # mysqld refuses to run as root unless told to; as anyone else it warns
    # about --user, so it gets it only as root.
    if [ "$(id -u)" -eq 0 ]; then echo --user=root; fi
}

# ---------------------------------------------------------------- install

# The Debian mirror this machine uses, and its keyring when named: the URI
# and Signed-By of the first non-security `deb` stanza of debian.sources
# (or the first `deb` line of sources.list), tab-separated. No registry host
# is written in the repository: it comes from the machine.
_mysql_debian_mirror() {
    local sources=/etc/apt/sources.list.d/debian.sources
    if [ -r "$sources" ]; then
        awk 'BEGIN { RS = ""; FS = "\n" }
            {
                uri = ""; key = ""; types = ""
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^#/) continue
                    if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); split(line, u, /[ \t]+/); uri = u[1] }
                    else if (line ~ /^Signed-By:/) { sub(/^Signed-By:[ \t]*/, "", line); key = line }
                    else if (line ~ /^Types:/) types = line
                }
                if (types ~ /[ \t]deb([ \t]|$)/ && uri != "" && uri !~ /security/) {
                    if (key !~ /^\//) key = ""
                    print uri "\t" key; exit
                }
            }' "$sources"
    elif [ -r /etc/apt/sources.list ]; then
        awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i "\t"; exit }
            }' /etc/apt/sources.list
    fi
}

# The folder a finished install is in, when there is one for the series:
# FRESHET_MYSQL_PREFIX, or the cache's current version.
_mysql_installed_prefix() {
    local prefix
    if [ -n "${FRESHET_MYSQL_PREFIX:-}" ]; then
        prefix="$FRESHET_MYSQL_PREFIX"
    else
        local version
        version="$(cat "$(_mysql_cache)/current" 2>/dev/null)" || return 1
        prefix="$(_mysql_cache)/$version"
    fi
    [ -f "$prefix/freshet/version" ] || return 1
    [[ "$(cat "$prefix/freshet/version")" == "$mysql_series".* ]] || return 1
    echo "$prefix"
}

# What changed between two package lists (name=version lines), one line each.
_mysql_package_diff() {
    LC_ALL=C join -t= -a1 -a2 -e '(none)' -o 0,1.2,2.2 \
        <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2") |
        awk -F= '$2 != $3 { print "  " $1 ": " $2 " -> " $3 }'
}

# Installs MySQL (the newest mysql-server-core and mysql-client-core of
# Debian sid, which must be of the series above, with their dependency
# closure except perl) into ~/.cache/freshet-mysql/<package version>, and
# initializes a template data dir there that servers copy (a copy takes a
# second, `mysqld --initialize` several).
#   mysql_install            does nothing when an install of the series is
#                            cached (no network)
#   mysql_install --refresh  asks Debian again: installs a new version beside
#                            the old one, and reinstalls the same version when
#                            its package set changed, saying what changed
#   --quiet                  says nothing when the cache is used
# Concurrent installs wait for each other (flock), and an install only
# appears in the cache once complete (it is built beside it, then renamed).
mysql_install() {
    local refresh=0 quiet=0 arg
    for arg in "$@"; do
        case "$arg" in
            --refresh) refresh=1 ;;
            --quiet) quiet=1 ;;
            *) _mysql_die "install: unknown option $arg (options: --refresh, --quiet)" ;;
        esac
    done
    ( # A subshell: its lock and its clean-up trap end with it.
    set -euo pipefail
    local cache parent lock
    cache="$(_mysql_cache)"
    if [ -n "${FRESHET_MYSQL_PREFIX:-}" ]; then
        parent="$(dirname "$FRESHET_MYSQL_PREFIX")"
        lock="$parent/.$(basename "$FRESHET_MYSQL_PREFIX").lock"
    else
        parent="$cache"
        lock="$cache/install.lock"
    fi
    mkdir -p "$parent"
    exec 9>"$lock"
    if ! flock -n 9; then
        _mysql_log "waiting for another MySQL install to finish (lock $lock)"
        flock -w 1800 9 || _mysql_die "gave up waiting for lock $lock"
    fi

    local installed=""
    installed="$(_mysql_installed_prefix)" || installed=""
    if [ "$refresh" = 0 ] && [ -n "$installed" ]; then
        [ "$quiet" = 1 ] || _mysql_log "MySQL $(cat "$installed/freshet/version") is installed in $installed" \
            "(cached; 'bin/mysql install --refresh' asks Debian for a newer package set)"
        exit 0
    fi

    command -v apt-get >/dev/null || _mysql_die "installing MySQL needs apt-get (a Debian or Ubuntu machine)"
    command -v dpkg >/dev/null || _mysql_die "installing MySQL needs dpkg"
    local mirror uri key
    mirror="$(_mysql_debian_mirror)"
    uri="${mirror%%$'\t'*}" key="${mirror#*$'\t'}"
    [ -n "$uri" ] || _mysql_die "found no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

    # Leftovers of installs that were killed (the lock is ours, so no
    # install is running), then a work folder beside the prefix, so that the
    # finished prefix is renamed into place.
    if [ -z "${FRESHET_MYSQL_PREFIX:-}" ]; then rm -rf "$cache"/.install.*; fi
    local tmp
    tmp="$(mktemp -d "$parent/.install.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT

    # apt-get and apt-cache on a private package index of sid only: its own
    # sources list, index folder, cache and (empty) dpkg status, so nothing
    # of the system's apt state is read or changed. The system's apt
    # configuration still applies (proxies), minus its update hooks.
    mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
    : >"$tmp/status"
    printf 'deb [target=Packages%s] %s sid main\n' "${key:+ signed-by=$key}" "$uri" >"$tmp/sources.list"
    printf '#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;\n#clear APT::Update::Post-Invoke-Success;\n' >"$tmp/apt.conf"
    local apt_opts=(-c "$tmp/apt.conf" -o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$tmp/lists" -o Dir::State::status="$tmp/status" -o Dir::Cache="$tmp/cache")
    # As root apt downloads as the _apt user, who cannot write to the private
    # folders: download as root (what apt falls back to anyway, with a warning).
    if [ "$(id -u)" -eq 0 ]; then apt_opts+=(-o APT::Sandbox::User=root); fi

    _mysql_log "reading Debian sid's package index from $uri"
    apt-get -q "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 ||
        { cat "$tmp/apt.log" >&2; _mysql_die "apt-get update of Debian sid failed"; }

    # The dependency closure, as plain package names (indented lines are
    # dependencies, <name> lines virtual packages); perl is not needed by
    # the binaries used here.
    apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances --no-pre-depends "${mysql_packages[@]}" >"$tmp/depends" ||
        _mysql_die "apt-cache could not resolve ${mysql_packages[*]} in Debian sid"
    local names
    names="$(grep -v -e '^ ' -e '^<' "$tmp/depends" | grep -v -E '^(perl|perl-base|perl-modules-.*|libperl.*)$' | LC_ALL=C sort -u)"
    # shellcheck disable=SC2086 # one word per package name
    apt-cache "${apt_opts[@]}" show --no-all-versions $names |
        awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }' | LC_ALL=C sort >"$tmp/packages"
    [ "$(wc -l <"$tmp/packages")" -eq "$(wc -w <<<"$names")" ] ||
        _mysql_die "could not find the version of every package of: $names"
    local version
    version="$(sed -n 's/^mysql-server-core=//p' "$tmp/packages")"
    [[ "$version" == "$mysql_series".* ]] ||
        _mysql_die "Debian sid has mysql-server-core $version, not MySQL $mysql_series; Freshet is tested" \
            "against $mysql_series (change mysql_series in bin/lib/mysql.sh to move on)"

    local prefix="${FRESHET_MYSQL_PREFIX:-$cache/$version}"
    if [ -f "$prefix/freshet/packages" ]; then
        if cmp -s "$prefix/freshet/packages" "$tmp/packages"; then
            _mysql_log "MySQL $version in $prefix is up to date with Debian sid"
            [ -n "${FRESHET_MYSQL_PREFIX:-}" ] || echo "$version" >"$cache/current"
            exit 0
        fi
        _mysql_log "the package set of MySQL $version changed in Debian sid since $prefix was installed:"
        _mysql_package_diff "$prefix/freshet/packages" "$tmp/packages" >&2
        _mysql_log "reinstalling $prefix with the new package set (servers running from it keep" \
            "their open files; restart them to use the new one)"
    elif [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then
        _mysql_die "$prefix exists but holds no Freshet MySQL install; remove it or choose another" \
            "FRESHET_MYSQL_PREFIX"
    elif [ -n "$installed" ] && [ "$installed" != "$prefix" ]; then
        _mysql_log "Debian sid now has MySQL $version (installed: $(cat "$installed/freshet/version")" \
            "in $installed, which stays; delete it once no server uses it); what changed:"
        _mysql_package_diff "$installed/freshet/packages" "$tmp/packages" >&2
    fi

    _mysql_log "downloading $(wc -l <"$tmp/packages") packages of MySQL $version"
    # shellcheck disable=SC2046 # one word per name=version
    (cd "$tmp/debs" && apt-get -q "${apt_opts[@]}" download $(cat "$tmp/packages")) >"$tmp/apt.log" 2>&1 ||
        { cat "$tmp/apt.log" >&2; _mysql_die "apt-get download failed"; }

    _mysql_log "unpacking them into $prefix"
    local new="$tmp/prefix" deb
    mkdir -p "$new/freshet"
    for deb in "$tmp"/debs/*.deb; do dpkg -x "$deb" "$new"; done
    _mysql_exec_in "$new" usr/sbin/mysqld --version >&2 ||
        _mysql_die "the unpacked mysqld does not run"

    _mysql_log "initializing the template data dir"
    local base_args
    mapfile -t base_args < <(_mysql_base_args "$new")
    _mysql_exec_in "$new" usr/sbin/mysqld "${base_args[@]}" --initialize-insecure \
        --datadir="$new/freshet/template" --log-error="$tmp/initialize.log" ||
        { cat "$tmp/initialize.log" >&2; _mysql_die "mysqld --initialize-insecure failed"; }
    # Each server gets its own server_uuid: made at first start when missing.
    rm -f "$new/freshet/template/auto.cnf"

    cp "$tmp/packages" "$new/freshet/packages"
    echo "$version" >"$new/freshet/version"
    if [ -e "$prefix" ]; then mv "$prefix" "$tmp/old"; fi
    mv "$new" "$prefix"
    [ -n "${FRESHET_MYSQL_PREFIX:-}" ] || echo "$version" >"$cache/current"
    _mysql_log "installed MySQL $version in $prefix"
    )
}

# Sets mysql_prefix to the install to run from, installing when needed.
_mysql_use_install() {
    mysql_install --quiet
    mysql_prefix="$(_mysql_installed_prefix)" || _mysql_die "no MySQL install found after installing"
}

# ---------------------------------------------------------------- servers

_mysql_check_name() {
    if ! [[ "$1" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || [ "$1" = tls ]; then
        _mysql_die "bad server name '$1' (letters, digits, _ . -; not 'tls')"
    fi
}

_mysql_server_dir() { echo "$(_mysql_run)/$1"; }

# The pid of the server in DIR when it runs (its pid file names a live
# process whose command line is that server's), else fails.
_mysql_pid() {
    local dir="$1" pid
    pid="$(cat "$dir/mysqld.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    local cmdline
    cmdline="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    grep -qxF -- "--datadir=$dir/data" <<<"$cmdline" || return 1
    echo "$pid"
}

# Whether process PID still runs. A zombie counts as gone: it has let go of
# its files and ports, and its parent (often init, when the server outlived
# the script that started it) may take a second or more to reap it.
_mysql_alive() {
    local state
    # The state follows the command name, which is in parentheses.
    state="$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# Reads a server's saved settings (server.env) into the caller's locals
# port, server_id, tls, tls_required, gtid, password and extra (an array).
_mysql_load_settings() {
    # shellcheck disable=SC1091
    source "$1/server.env"
}

# Whether something listens on 127.0.0.1:PORT.
_mysql_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a port nothing listens on, below Linux's ephemeral range (which
# outgoing connections use); fails after 100 tries.
mysql_free_port() {
    local p _
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        _mysql_port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# Makes, once per run folder, a test CA, a server certificate for
# 127.0.0.1 and localhost (subjectAltName IP and DNS: clients that verify
# the identity, such as `mysql --ssl-mode=VERIFY_IDENTITY`, accept it), and
# a client certificate (CN=freshet) with its key, all PEM under <run>/tls.
_mysql_make_tls() {
    local run dir
    run="$(_mysql_run)"
    dir="$run/tls"
    [ -f "$dir/client-key.pem" ] && return 0
    command -v openssl >/dev/null || _mysql_die "--tls needs openssl (apt-get install openssl)"
    (
    set -euo pipefail
    exec 9>"$run/.tls.lock"
    flock 9
    [ -f "$dir/client-key.pem" ] && exit 0
    _mysql_log "making a test CA and certificates in $dir"
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    cd "$dir.tmp"
    cat >openssl.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Freshet test CA
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl req -x509 -new -newkey rsa:2048 -nodes -days 3650 -config openssl.cnf -extensions ca_ext \
        -keyout ca-key.pem -out ca.pem 2>/dev/null
    local who
    for who in server client; do
        local cn=localhost
        [ "$who" = client ] && cn="$mysql_freshet_user"
        openssl req -new -newkey rsa:2048 -nodes -config openssl.cnf -subj "/CN=$cn" \
            -keyout "$who-key.pem" -out "$who.csr" 2>/dev/null
        openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
            -days 3650 -extfile openssl.cnf -extensions "${who}_ext" -out "$who-cert.pem" 2>/dev/null
        rm "$who.csr"
    done
    cd "$run"
    mv "$dir.tmp" "$dir"
    )
}

# Starts server NAME in the background and waits until it accepts
# connections; prints its `mysql_env` lines on stdout.
#   mysql_start NAME --port P --server-id N [--tls] [--tls-required]
#                    [--gtid on|off] [--replica-of OTHER]
#                    [MYSQLD_OPTION...] [-- MYSQLD_OPTION...]
#   mysql_start NAME     (again, after a stop: the saved settings)
# A new server gets a data dir under $FRESHET_MYSQL_RUN/NAME (a copy of the
# install's template) and, at its first start, the user `freshet` with the
# privileges Freshet needs. Settings: GTID on (--gtid off: gtid_mode and
# enforce_gtid_consistency OFF, for error tests), binary log with ROW format
# and FULL row images, the given server id, 127.0.0.1 only, no X protocol,
# and replica_preserve_commit_order ON (a replica commits in its source's
# order, which a Freshet source reading from it needs). --replica-of OTHER:
# then replicate from server OTHER of the run folder (see mysql_replicate).
# --tls: the run folder's test CA and server certificate (see
# _mysql_make_tls), which also verifies client certificates;
# --tls-required: also require_secure_transport. Other options go to mysqld
# after these, so they override them (e.g. --binlog-row-image=MINIMAL).
mysql_start() {
    local name="${1:-}"
    [ -n "$name" ] || _mysql_die "start: which server? (bin/mysql start NAME --port P --server-id N ...)"
    _mysql_check_name "$name"
    shift
    local dir run
    run="$(_mysql_run)"
    dir="$run/$name"

    local port="" server_id="" tls=0 tls_required=0 gtid=on password extra=() replica_of=""
    password="$(_mysql_password)"
    if [ $# -eq 0 ] && [ -f "$dir/server.env" ]; then
        _mysql_load_settings "$dir"
    else
        # A server keeps the password its freshet user was made with.
        # shellcheck disable=SC1091
        [ -f "$dir/server.env" ] && password="$(. "$dir/server.env"; echo "$password")"
        while [ $# -gt 0 ]; do
            case "$1" in
                --port) port="${2:?--port needs a value}"; shift 2 ;;
                --port=*) port="${1#*=}"; shift ;;
                --server-id) server_id="${2:?--server-id needs a value}"; shift 2 ;;
                --server-id=*) server_id="${1#*=}"; shift ;;
                --tls) tls=1; shift ;;
                --tls-required) tls=1 tls_required=1; shift ;;
                --gtid) gtid="${2:?--gtid needs on or off}"; shift 2 ;;
                --gtid=*) gtid="${1#*=}"; shift ;;
                --replica-of) replica_of="${2:?--replica-of needs a server name}"; shift 2 ;;
                --replica-of=*) replica_of="${1#*=}"; shift ;;
                --) shift; extra+=("$@"); break ;;
                --*) extra+=("$1"); shift ;;
                *) _mysql_die "start: unexpected argument '$1' (mysqld options start with --)" ;;
            esac
        done
        if [ -z "$port" ] || [ -z "$server_id" ]; then
            _mysql_die "start: a new server needs --port P and --server-id N (each server its own id)"
        fi
    fi
    [[ "$port" =~ ^[0-9]+$ ]] || _mysql_die "start: bad port '$port'"
    if ! [[ "$server_id" =~ ^[0-9]+$ ]] || [ "$server_id" -eq 0 ]; then
        _mysql_die "start: bad server id '$server_id'"
    fi
    case "$gtid" in on | off) ;; *) _mysql_die "start: --gtid takes on or off, not '$gtid'" ;; esac
    if [ -n "$replica_of" ]; then
        _mysql_check_name "$replica_of"
        [ "$replica_of" != "$name" ] || _mysql_die "start: $name cannot replicate from itself"
        [ -f "$run/$replica_of/server.env" ] || _mysql_die "start: no server $replica_of in $run to replicate from"
    fi
    # A Unix socket path has room for 107 bytes.
    [ "${#dir}" -le 90 ] || _mysql_die "start: the server folder $dir is too long for a Unix socket path;" \
        "set FRESHET_MYSQL_RUN to a shorter folder"

    mkdir -p "$run"
    local settings
    settings="$(declare -p port server_id tls tls_required gtid password extra | sed 's/^declare -[a-zA-Z-]* //')"
    local pid
    if pid="$(_mysql_pid "$dir")"; then
        if [ "$settings" = "$(cat "$dir/server.env")" ]; then
            _mysql_log "$name is already running (pid $pid, port $port)"
            [ -z "$replica_of" ] || mysql_replicate "$name" "$replica_of"
            mysql_env "$name"
            return 0
        fi
        _mysql_die "$name is running (pid $pid) with other settings; stop it first (bin/mysql stop $name)"
    fi
    if _mysql_port_in_use "$port"; then
        _mysql_die "start: port $port on 127.0.0.1 is in use (bin/mysql status lists this run folder's servers)"
    fi

    _mysql_use_install
    local started=$SECONDS
    if [ ! -d "$dir/data" ]; then
        _mysql_log "creating $name's data dir in $dir"
        mkdir -p "$dir"
        rm -rf "$dir/data.tmp" "$dir/user-created"
        cp -a "$mysql_prefix/freshet/template" "$dir/data.tmp"
        mv "$dir/data.tmp" "$dir/data"
    fi
    [ "$tls" = 0 ] || _mysql_make_tls
    echo "$settings" >"$dir/server.env"

    # The settings Freshet needs come from its option file (the one
    # docker-compose.yml mounts too), read instead of any other; the
    # command line adds what is local to this server and overrides the rest.
    local args
    mapfile -t args < <(_mysql_base_args "$mysql_prefix")
    [ "${args[0]}" = --no-defaults ] || _mysql_die "start: expected --no-defaults first, got ${args[0]}"
    args[0]="--defaults-file=$mysql_option_file"
    args+=(--datadir="$dir/data" --port="$port" --bind-address=127.0.0.1
        --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log"
        --mysqlx=OFF --secure-file-priv= --server-id="$server_id")
    [ "$gtid" = on ] || args+=(--gtid-mode=OFF --enforce-gtid-consistency=OFF)
    if [ "$tls" = 1 ]; then
        args+=(--ssl-ca="$run/tls/ca.pem" --ssl-cert="$run/tls/server-cert.pem" --ssl-key="$run/tls/server-key.pem")
    fi
    [ "$tls_required" = 0 ] || args+=(--require-secure-transport=ON)
    args+=("${extra[@]}")

    # The log lines of this start begin after the current end of the log.
    local log_from=1
    [ -f "$dir/error.log" ] && log_from=$(($(wc -l <"$dir/error.log") + 1))
    local tls_note=""
    [ "$tls" = 0 ] || tls_note=", tls"
    [ "$tls_required" = 0 ] || tls_note=", tls required"
    _mysql_log "starting $name (port $port, server id $server_id, gtid $gtid$tls_note)"
    # In its own session, with stdin and output away from the caller's: the
    # server outlives this script, holds none of its pipes, and a Ctrl-C in
    # the terminal does not reach it. (setsid execs mysqld itself, so $! is
    # mysqld; -w keeps $! alive with mysqld in case setsid had to fork.)
    local mysql_cmd
    _mysql_cmd "$mysql_prefix" usr/sbin/mysqld
    setsid -w "${mysql_cmd[@]}" "${args[@]}" </dev/null >>"$dir/mysqld.out" 2>&1 &
    pid=$!
    # mysqld writes its pid file only once it is well into its start: this
    # one lets a stop that comes earlier (a Ctrl-C) find it too.
    echo "$pid" >"$dir/mysqld.pid"

    local deadline=$((SECONDS + mysql_start_timeout))
    until _mysql_exec_in "$mysql_prefix" usr/bin/mysql --no-defaults -uroot --socket="$dir/mysqld.sock" \
        -e 'SELECT 1' >/dev/null 2>&1; do
        if ! _mysql_alive "$pid"; then
            tail -n +"$log_from" "$dir/error.log" >&2 2>/dev/null || true
            tail -n 20 "$dir/mysqld.out" >&2 2>/dev/null || true
            _mysql_die "mysqld for $name exited while starting (log above, $dir/error.log)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            tail -n +"$log_from" "$dir/error.log" >&2 2>/dev/null || true
            _mysql_die "mysqld for $name did not accept connections within ${mysql_start_timeout}s; killed it"
        fi
        sleep 0.1
    done

    if [ ! -f "$dir/user-created" ]; then
        # Kept out of the binary log (sql_log_bin=0): a server starts with an
        # empty gtid_executed, and a replica of it does not replay a
        # CREATE USER it has already run itself.
        local sql_password=${password//\\/\\\\}
        sql_password=${sql_password//\'/\'\'}
        _mysql_exec_in "$mysql_prefix" usr/bin/mysql --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
            SET SESSION sql_log_bin = 0;
            CREATE USER IF NOT EXISTS '$mysql_freshet_user'@'%'
                IDENTIFIED WITH caching_sha2_password BY '$sql_password';
            GRANT $mysql_freshet_privileges ON *.* TO '$mysql_freshet_user'@'%';" ||
            _mysql_die "could not create the $mysql_freshet_user user on $name"
        touch "$dir/user-created"
    fi
    _mysql_log "$name is ready (pid $pid) after $((SECONDS - started)) s"
    [ -z "$replica_of" ] || mysql_replicate "$name" "$replica_of"
    mysql_env "$name"
}

# Prints, as shell `export` lines, where server NAME is and how to log in:
#   eval "$(bin/mysql env NAME)"
# MYSQL_CA, MYSQL_CLIENT_CERT and MYSQL_CLIENT_KEY are empty without --tls.
mysql_env() {
    local name="${1:-}"
    [ -n "$name" ] || _mysql_die "env: which server?"
    _mysql_check_name "$name"
    local dir run
    run="$(_mysql_run)"
    dir="$run/$name"
    [ -f "$dir/server.env" ] || _mysql_die "no server $name in $run"
    local port server_id tls tls_required gtid password extra=()
    _mysql_load_settings "$dir"
    local ca="" cert="" key=""
    if [ "$tls" = 1 ]; then
        ca="$run/tls/ca.pem" cert="$run/tls/client-cert.pem" key="$run/tls/client-key.pem"
    fi
    local var value
    for var in NAME HOST PORT SOCKET SERVER_ID GTID TLS USER PASSWORD ROOT_USER CA CLIENT_CERT CLIENT_KEY DATADIR ERROR_LOG; do
        case "$var" in
            NAME) value="$name" ;;
            HOST) value=127.0.0.1 ;;
            PORT) value="$port" ;;
            SOCKET) value="$dir/mysqld.sock" ;;
            SERVER_ID) value="$server_id" ;;
            GTID) value="$gtid" ;;
            TLS) value="$tls" ;;
            USER) value="$mysql_freshet_user" ;;
            PASSWORD) value="$password" ;;
            ROOT_USER) value=root ;;
            CA) value="$ca" ;;
            CLIENT_CERT) value="$cert" ;;
            CLIENT_KEY) value="$key" ;;
            DATADIR) value="$dir/data" ;;
            ERROR_LOG) value="$dir/error.log" ;;
        esac
        printf 'export MYSQL_%s=%q\n' "$var" "$value"
    done
}

# ---------------------------------------------------------------- replication

# How long a replica may take to connect, and `--wait` to catch up.
mysql_replica_timeout="${FRESHET_MYSQL_REPLICA_TIMEOUT:-120}"

# Runs SQL as root on running server NAME, printing results without
# headers, tab-separated (mysql -N -B).
_mysql_query() {
    local name="$1" sql="$2" dir
    dir="$(_mysql_server_dir "$name")"
    _mysql_pid "$dir" >/dev/null || _mysql_die "server $name is not running (bin/mysql start $name)"
    _mysql_exec_in "$mysql_prefix" usr/bin/mysql --no-defaults -uroot --socket="$dir/mysqld.sock" -N -B -e "$sql"
}

# Makes server NAME a replica of server OTHER (both of the run folder, both
# running with GTIDs on) from now on, and waits until it replicates:
#   mysql_replicate NAME OTHER [--wait]
# Replication is positioned by GTID (SOURCE_AUTO_POSITION = 1): NAME asks
# OTHER for every transaction missing from its own gtid_executed, so the
# same command points a server that replicated from elsewhere, or was a
# primary, at another server (a failover, or catching up a former
# primary), as long as OTHER's binlog still holds what NAME lacks. NAME logs
# in to OTHER as root over 127.0.0.1 (empty password; over TLS when OTHER
# has --tls). Any replication NAME had is replaced. Whatever NAME executed
# that OTHER lacks stays (GTIDs only flow from OTHER to NAME). MySQL keeps
# the replication settings: a restarted replica resumes by itself.
# --wait: then waits until NAME has executed every transaction OTHER had
# executed when the wait began.
mysql_replicate() {
    local name="" other="" wait=0 arg
    for arg in "$@"; do
        case "$arg" in
            --wait) wait=1 ;;
            --*) _mysql_die "replicate: unknown option $arg (options: --wait)" ;;
            *)
                if [ -z "$name" ]; then name="$arg"
                elif [ -z "$other" ]; then other="$arg"
                else _mysql_die "replicate: unexpected argument '$arg'"
                fi ;;
        esac
    done
    if [ -z "$name" ] || [ -z "$other" ]; then
        _mysql_die "replicate: which servers? (bin/mysql replicate NAME OTHER [--wait])"
    fi
    _mysql_check_name "$name"
    _mysql_check_name "$other"
    [ "$name" != "$other" ] || _mysql_die "replicate: $name cannot replicate from itself"
    _mysql_use_install
    local dir
    for dir in "$(_mysql_server_dir "$name")" "$(_mysql_server_dir "$other")"; do
        [ -f "$dir/server.env" ] || _mysql_die "no server $(basename "$dir") in $(_mysql_run)"
        local port server_id tls tls_required gtid password extra=()
        _mysql_load_settings "$dir"
        [ "$gtid" = on ] || _mysql_die "replicate: $(basename "$dir") runs with --gtid off; replication by GTID needs it on"
    done
    # OTHER's settings (loaded last): where NAME connects, and how.
    local ssl=0
    [ "$tls" = 0 ] || ssl=1
    _mysql_log "making $name a replica of $other (127.0.0.1:$port, GTID auto-position)"
    _mysql_query "$name" "
        STOP REPLICA;
        CHANGE REPLICATION SOURCE TO SOURCE_HOST = '127.0.0.1', SOURCE_PORT = $port,
            SOURCE_USER = 'root', SOURCE_PASSWORD = '', SOURCE_SSL = $ssl,
            GET_SOURCE_PUBLIC_KEY = 1, SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1;
        START REPLICA;" || _mysql_die "replicate: could not set $name up to replicate from $other"

    # Both threads run, or the first error says why not.
    local deadline=$((SECONDS + mysql_replica_timeout)) row io applier error
    while :; do
        row="$(_mysql_query "$name" "
            SELECT c.SERVICE_STATE, a.SERVICE_STATE,
                   CONCAT_WS(' ', NULLIF(c.LAST_ERROR_MESSAGE, ''),
                       (SELECT NULLIF(GROUP_CONCAT(w.LAST_ERROR_MESSAGE SEPARATOR ' '), '')
                        FROM performance_schema.replication_applier_status_by_worker w
                        WHERE w.CHANNEL_NAME = '' AND w.LAST_ERROR_NUMBER <> 0))
            FROM performance_schema.replication_connection_status c
            JOIN performance_schema.replication_applier_status a USING (CHANNEL_NAME)
            WHERE CHANNEL_NAME = ''")" || _mysql_die "replicate: cannot read $name's replication status"
        IFS=$'\t' read -r io applier error <<<"$row"
        [ "$io" = ON ] && [ "$applier" = ON ] && break
        if [ -n "$error" ] && [ "$error" != NULL ]; then
            _mysql_die "replicate: $name cannot replicate from $other: $error"
        fi
        [ "$SECONDS" -lt "$deadline" ] ||
            _mysql_die "replicate: $name's replication from $other did not start within ${mysql_replica_timeout}s" \
                "(connection $io, applier $applier)"
        sleep 0.1
    done
    _mysql_log "$name replicates from $other"
    [ "$wait" = 0 ] || _mysql_wait_caught_up "$name" "$other"
}

# Waits until server NAME has executed every transaction server OTHER has
# executed now.
_mysql_wait_caught_up() {
    local name="$1" other="$2" executed caught_up
    executed="$(_mysql_query "$other" "SELECT REPLACE(@@GLOBAL.gtid_executed, '\n', '')")" ||
        _mysql_die "cannot read $other's gtid_executed"
    _mysql_log "waiting until $name has executed $other's transactions ${executed:-(none)}"
    caught_up="$(_mysql_query "$name" "SELECT WAIT_FOR_EXECUTED_GTID_SET('$executed', $mysql_replica_timeout)")" ||
        _mysql_die "waiting for $name to catch up with $other failed"
    [ "$caught_up" = 0 ] || _mysql_die "$name did not catch up with $other within ${mysql_replica_timeout}s"
    _mysql_log "$name has caught up with $other"
}

# Makes server NAME a primary: it stops replicating and forgets where from
# (STOP REPLICA, RESET REPLICA ALL), keeping everything it has executed. A
# server that never replicated is left as it is.
#   mysql_promote NAME
mysql_promote() {
    local name="${1:-}"
    [ -n "$name" ] || _mysql_die "promote: which server? (bin/mysql promote NAME)"
    [ $# -eq 1 ] || _mysql_die "promote: unexpected argument '$2'"
    _mysql_check_name "$name"
    [ -f "$(_mysql_server_dir "$name")/server.env" ] || _mysql_die "no server $name in $(_mysql_run)"
    _mysql_use_install
    _mysql_query "$name" "STOP REPLICA; RESET REPLICA ALL;" || _mysql_die "promote: could not stop $name's replication"
    _mysql_log "$name no longer replicates"
}

# Stops servers gracefully (SIGTERM: mysqld shuts down cleanly), all at
# once, waits until each process is gone and kills one that outlives the
# deadline.
mysql_stop() {
    [ $# -gt 0 ] || _mysql_die "stop: which server? (bin/mysql stop NAME..., or stop-all)"
    local name dir pid names=() pids=()
    for name in "$@"; do
        _mysql_check_name "$name"
        dir="$(_mysql_server_dir "$name")"
        [ -d "$dir" ] || _mysql_die "no server $name in $(_mysql_run)"
        if pid="$(_mysql_pid "$dir")"; then
            kill -TERM "$pid"
            names+=("$name") pids+=("$pid")
        else
            _mysql_log "$name is not running"
        fi
    done
    local i deadline=$((SECONDS + mysql_stop_timeout))
    for i in "${!pids[@]}"; do
        while _mysql_alive "${pids[$i]}"; do
            if [ "$SECONDS" -ge "$deadline" ]; then
                _mysql_log "${names[$i]} did not stop within ${mysql_stop_timeout}s: killing it"
                kill -KILL "${pids[$i]}" 2>/dev/null || true
            fi
            sleep 0.1
        done
        _mysql_log "stopped ${names[$i]}"
    done
}

# The names of the servers in the run folder.
_mysql_servers() {
    local f
    for f in "$(_mysql_run)"/*/server.env; do
        [ -f "$f" ] && basename "$(dirname "$f")"
    done
    return 0
}

mysql_stop_all() {
    local names
    mapfile -t names < <(_mysql_servers)
    if [ ${#names[@]} -eq 0 ]; then
        _mysql_log "no servers in $(_mysql_run)"
        return 0
    fi
    mysql_stop "${names[@]}"
}

# One line per server of the run folder: name, state, pid, port, server id,
# GTID mode, TLS.
mysql_status() {
    local name dir pid state
    printf '%-20s %-8s %-8s %-6s %-10s %-5s %s\n' NAME STATE PID PORT SERVER_ID GTID TLS
    while read -r name; do
        [ -n "$name" ] || continue
        dir="$(_mysql_server_dir "$name")"
        local port server_id tls tls_required gtid password extra=()
        _mysql_load_settings "$dir"
        if pid="$(_mysql_pid "$dir")"; then state=running; else state=stopped pid=-; fi
        printf '%-20s %-8s %-8s %-6s %-10s %-5s %s\n' "$name" "$state" "$pid" "$port" "$server_id" "$gtid" \
            "$([ "$tls" = 1 ] && { [ "$tls_required" = 1 ] && echo required || echo yes; } || echo no)"
    done < <(_mysql_servers)
}

# Runs the bundled mysql client against server NAME as root (empty
# password) over its socket; ARGS come after, so they can override that
# (e.g. --protocol=TCP -h 127.0.0.1 -P PORT -u freshet ...).
mysql_client() {
    local name="${1:-}"
    [ -n "$name" ] || _mysql_die "client: which server?"
    _mysql_check_name "$name"
    shift
    local dir
    dir="$(_mysql_server_dir "$name")"
    [ -f "$dir/server.env" ] || _mysql_die "no server $name in $(_mysql_run)"
    _mysql_use_install
    _mysql_exec_in "$mysql_prefix" usr/bin/mysql --no-defaults -uroot --socket="$dir/mysqld.sock" "$@"
}

# Sets mysql_cmd to the command line of bundled PROGRAM (in usr/bin or
# usr/sbin of the install).
_mysql_program() {
    local program="${1:-}"
    [ -n "$program" ] || _mysql_die "which program? (e.g. mysqlbinlog, mysqldump)"
    _mysql_use_install
    local path
    for path in "usr/bin/$program" "usr/sbin/$program"; do
        if [ -f "$mysql_prefix/$path" ]; then
            _mysql_cmd "$mysql_prefix" "$path"
            return
        fi
    done
    _mysql_die "no program $program in $mysql_prefix/usr/bin or usr/sbin"
}

# Runs a bundled program (mysqlbinlog, mysqldump, mysqladmin, ...) with ARGS.
mysql_exec() {
    local mysql_cmd
    _mysql_program "${1:-}"
    shift
    "${mysql_cmd[@]}" "$@"
}

# Prints the command line of a bundled PROGRAM, one argument a line, for a
# caller that starts it many times at once (bin/bench) without this
# script's own start-up each time.
mysql_argv() {
    local mysql_cmd
    _mysql_program "${1:-}"
    printf '%s\n' "${mysql_cmd[@]}"
}

# Stops server NAME and deletes its folder (data, logs, settings).
mysql_destroy() {
    [ $# -gt 0 ] || _mysql_die "destroy: which server?"
    local name dir
    for name in "$@"; do
        _mysql_check_name "$name"
        dir="$(_mysql_server_dir "$name")"
        [ -d "$dir" ] || { _mysql_log "no server $name"; continue; }
        mysql_stop "$name"
        rm -rf "$dir"
        _mysql_log "deleted $dir"
    done
}

# ---------------------------------------------------------------- smoke test

# Checks that the test command can use MySQL: installs it (or uses the
# cache), starts two servers side by side in a private run folder (one with
# TLS), checks their settings, a verified TLS connection to 127.0.0.1, the
# freshet user's login and privileges, a GTID-tagged write, and one server
# replicating the other's writes by GTID, then promoted; then stops
# and deletes them, also when a check fails.
mysql_smoke_test() {
    (
    set -euo pipefail
    local base
    base="$(_mysql_run)"
    mkdir -p "$base"
    FRESHET_MYSQL_RUN="$(mktemp -d "$base/smoke.XXXXXX")"
    export FRESHET_MYSQL_RUN
    # On the way out, also after a failure or a Ctrl-C (and deaf to another
    # one): let starts under way finish, then stop the servers and delete them.
    trap 'trap "" INT TERM; wait; mysql_stop_all >/dev/null 2>&1 || true; rm -rf "$FRESHET_MYSQL_RUN"' EXIT
    trap 'exit 130' INT TERM

    local failures=0
    check() { # check WHAT ACTUAL EXPECTED
        if [ "$2" = "$3" ]; then
            echo "ok: $1: ${3//$'\t'/ }"
        else
            echo "FAILED: $1: got '${2//$'\t'/ }', expected '${3//$'\t'/ }'"
            failures=$((failures + 1))
        fi
    }
    mysql_install
    local plain_port tls_port
    plain_port="$(mysql_free_port)" || _mysql_die "found no free port"
    tls_port="$plain_port"
    while [ "$tls_port" = "$plain_port" ]; do tls_port="$(mysql_free_port)" || _mysql_die "found no free port"; done
    # Side by side, started at the same time (each start mostly waits).
    local plain_start secure_start
    mysql_start plain --port "$plain_port" --server-id 4101 >/dev/null &
    plain_start=$!
    mysql_start secure --port "$tls_port" --server-id 4102 --tls >/dev/null &
    secure_start=$!
    wait "$plain_start" || _mysql_die "smoke test: server plain did not start"
    wait "$secure_start" || _mysql_die "smoke test: server secure did not start"

    local name id row
    for name in plain secure; do
        id=4101
        [ "$name" = plain ] || id=4102
        row="$(mysql_client "$name" -N -B -e 'SELECT SUBSTRING_INDEX(@@version, ".", 2), @@gtid_mode,
            @@enforce_gtid_consistency, @@log_bin, @@binlog_format, @@binlog_row_image,
            @@replica_preserve_commit_order, @@server_id, @@gtid_executed')"
        check "$name: version, gtid_mode, enforce_gtid_consistency, log_bin, binlog_format, binlog_row_image, replica_preserve_commit_order, server_id, gtid_executed" \
            "$row" "$(printf '%s\t' "$mysql_series" ON ON 1 ROW FULL 1 "$id")"
    done

    # Each setting of the option file is what the servers run with (its
    # server_id excepted: each server here has its own).
    local key value actual
    while IFS='=' read -r key value; do
        key="${key// /}" value="${value// /}"
        case "$key" in "" | "#"* | "["* | server_id) continue ;; esac
        if [ "$key" = log_bin ]; then
            actual="$(mysql_client plain -N -B -e 'SELECT @@log_bin, SUBSTRING_INDEX(@@log_bin_basename, "/", -1)')"
            check "plain: option file's $key" "$actual" "$(printf '1	%s' "$value")"
        else
            actual="$(mysql_client plain -N -B -e "SELECT @@$key")"
            [ "$actual" != 1 ] || actual=ON
            check "plain: option file's $key" "$actual" "$value"
        fi
    done <"$mysql_option_file"

    # A write is tagged with the server's own GTID.
    row="$(mysql_client plain -N -B -e 'CREATE DATABASE smoke; CREATE TABLE smoke.t (id int PRIMARY KEY, v text);
        INSERT INTO smoke.t VALUES (1, "one"); SELECT @@gtid_executed = CONCAT(@@server_uuid, ":1-3")')"
    check "plain: gtid_executed after three statements is <server_uuid>:1-3" "$row" 1

    # A replica (by GTID auto-position) gets those transactions, then its
    # own, and stops replicating when promoted.
    mysql_replicate secure plain --wait
    row="$(mysql_client secure -N -B -e 'SELECT CONCAT(id, " ", v) FROM smoke.t;
        INSERT INTO smoke.t VALUES (2, "two");
        SELECT COUNT(*) FROM performance_schema.replication_connection_status WHERE SERVICE_STATE = "ON"')"
    check "secure: replicates plain's rows, and replicates" "${row//$'\n'/ }" "1 one 1"
    mysql_promote secure
    row="$(mysql_client secure -N -B -e 'SELECT COUNT(*) FROM performance_schema.replication_connection_status;
        SELECT GTID_SUBSET(CONCAT(@@server_uuid, ":1"), @@gtid_executed)')"
    check "secure: no replication once promoted, and its own write has its own GTID" "${row//$'\n'/ }" "0 1"

    # The freshet user logs in over TCP (caching_sha2_password) and has
    # exactly the privileges Freshet needs.
    local password login_plain
    password="$(_mysql_password)"
    login_plain=(--protocol=TCP -h 127.0.0.1 -P "$plain_port" -u "$mysql_freshet_user" --password="$password")
    # SHOW GRANTS lists privileges in its own order: compare them sorted.
    local grants sorted
    grants="$(mysql_client plain "${login_plain[@]}" -N -B -e 'SHOW GRANTS' 2>/dev/null)" || grants="(login failed)"
    sorted="$(tr ',' '\n' <<<"$mysql_freshet_privileges" | sed 's/^ *//' | LC_ALL=C sort | paste -sd, | sed 's/,/, /g')"
    row="$(sed -n 's/^GRANT \(.*\) ON \*\.\* TO .*/\1/p' <<<"$grants" | tr ',' '\n' | sed 's/^ *//' |
        LC_ALL=C sort | paste -sd, | sed 's/,/, /g')"
    check "plain: $mysql_freshet_user's privileges on *.*" "$row" "$sorted"
    check "plain: $mysql_freshet_user's number of grants" "$(wc -l <<<"$grants")" 1
    row="$(mysql_client plain -N -B -e "SELECT plugin FROM mysql.user WHERE user = '$mysql_freshet_user'")"
    check "plain: authentication plugin of $mysql_freshet_user" "$row" caching_sha2_password

    # TLS: the secure server's certificate verifies against the test CA for
    # the IP address 127.0.0.1, with a client certificate; the plain
    # server's own self-made certificate does not.
    local tls_dir="$FRESHET_MYSQL_RUN/tls" tls_login
    tls_login=(--protocol=TCP -h 127.0.0.1 -u "$mysql_freshet_user" --password="$password"
        --ssl-mode=VERIFY_IDENTITY --ssl-ca="$tls_dir/ca.pem"
        --ssl-cert="$tls_dir/client-cert.pem" --ssl-key="$tls_dir/client-key.pem")
    row="$(mysql_client secure "${tls_login[@]}" -P "$tls_port" -N -B \
        -e "SELECT variable_value <> '' FROM performance_schema.session_status WHERE variable_name = 'Ssl_version'" \
        2>/dev/null || echo "connection failed")"
    check "secure: TLS connection verified against the test CA for 127.0.0.1" "$row" 1
    if mysql_client plain "${tls_login[@]}" -P "$plain_port" -e 'SELECT 1' >/dev/null 2>&1; then
        row=accepted
    else
        row=refused
    fi
    check "plain: its own certificate under VERIFY_IDENTITY with the test CA" "$row" refused

    mysql_stop plain secure
    [ "$failures" -eq 0 ] || _mysql_die "smoke test: $failures check(s) failed"
    )
}
