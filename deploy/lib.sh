# shellcheck shell=bash
# Shared helpers for the deploy scripts (sourced, never run): messages and the
# "install only what is missing" package check used by quickstart.sh and test.sh.

log() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Packages needed to build simpeg, run its tests and run the private
# PostgreSQL cluster on Debian 12.
SIMPEG_BUILD_PACKAGES=(
	meson ninja-build gcc pkg-config
	libuv1-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler libpq-dev
	libcmocka-dev gettext locales openssl python3
)

package_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# ensure_packages PKG...: installs the packages that are missing (as root), or
# says what to install and fails (as any other user). Runs apt-get update only
# when something is missing, so re-runs cost one dpkg-query per package.
ensure_packages() {
	local missing=() pkg
	command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: these scripts expect Debian 12"
	for pkg in "$@"; do
		package_installed "$pkg" || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if ! is_root; then
		die "missing packages: ${missing[*]}
       install them with: sudo apt-get install -y ${missing[*]}"
	fi
	log "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q </dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# The build dependencies, plus the PostgreSQL 15 server binaries when absent.
ensure_build_packages() {
	local pkgs=("${SIMPEG_BUILD_PACKAGES[@]}")
	[ -x /usr/lib/postgresql/15/bin/postgres ] || pkgs+=(postgresql-15)
	ensure_packages "${pkgs[@]}"
}
