#!/usr/bin/env bash
# certs.sh: a development certificate authority and the certificates simpeg
# needs, all EC P-256:
#   ca.pem ca.key                        the CA (10 years)
#   server.pem server.key                simpegd (825 days); SANs localhost,
#                                        127.0.0.1, ::1 and the names given
#   client-branch1.pem client-branch1.key an example branch-machine client
#                                        certificate for mutual TLS (CN=branch1)
#   client-CODE.pem client-CODE.key      with --branch-cn CODE: a branch
#                                        machine of office CODE (CN=CODE; simpegd
#                                        limits it to that office's subtree)
# Keys are 0600. Existing files are kept unless --force is given; a leaf is
# reissued when it is missing, not signed by the CA, expiring within 30 days,
# or (server) lacks a requested name. For production, use your organisation's
# CA; this one is for development and tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

readonly CA_DAYS=3650
readonly LEAF_DAYS=825
readonly RENEW_SECONDS=$((30 * 24 * 3600))

usage() {
	cat <<EOF
usage: $(basename "$0") [--force] [--branch-cn CODE ...] OUTDIR [SERVER_NAME|IP ...]

Creates ca.pem/.key, server.pem/.key and client-branch1.pem/.key in OUTDIR.
The server certificate covers localhost, 127.0.0.1, ::1 and the extra names.
--branch-cn CODE also creates client-CODE.pem/.key, a branch-machine
certificate whose CN is the office code CODE (e.g. 12.75); repeatable.
--force regenerates everything, including the CA.
EOF
}

force=0
outdir=""
names=()
branches=()
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1 ;;
	--branch-cn)
		[ $# -ge 2 ] || die "--branch-cn needs an office code (e.g. 12.75)"
		branches+=("$2")
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option: $1 (see --help)" ;;
	*)
		if [ -z "$outdir" ]; then outdir=$1; else names+=("$1"); fi
		;;
	esac
	shift
done
[ -n "$outdir" ] || {
	usage >&2
	exit 2
}
command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install openssl)"

is_ip() { [[ $1 =~ ^[0-9]+(\.[0-9]+){3}$ || $1 == *:* ]]; }

for code in "${branches[@]}"; do
	[[ $code =~ ^[A-Z0-9][A-Z0-9.-]{0,62}$ ]] ||
		die "not an office code: $code (upper-case letters, digits, '.' and '-')"
done

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "${names[@]}"; do
	[[ $name =~ ^[A-Za-z0-9.:*-]+$ ]] || die "not a host name or IP address: $name"
	if is_ip "$name"; then san+=",IP:$name"; else san+=",DNS:$name"; fi
done

mkdir -p "$outdir"
cd "$outdir"
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# issue NAME SUBJECT EXTENSIONS: NAME.key + NAME.pem signed by the CA.
issue() {
	local name=$1 subject=$2 extensions=$3
	printf '%s\n' "$extensions" >"$work/$name.ext"
	new_key "$work/$name.key"
	openssl req -new -key "$work/$name.key" -subj "$subject" -out "$work/$name.csr"
	openssl x509 -req -in "$work/$name.csr" -CA ca.pem -CAkey ca.key \
		-set_serial "0x$(openssl rand -hex 16)" -days "$LEAF_DAYS" -sha256 \
		-extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
	install -m 0600 "$work/$name.key" "$name.key"
	install -m 0644 "$work/$name.pem" "$name.pem"
	log "issued $outdir/$name.pem ($subject)"
}

# leaf_ok NAME: the pair exists, chains to ca.pem and is not about to expire.
leaf_ok() {
	[ -s "$1.pem" ] && [ -s "$1.key" ] &&
		openssl verify -CAfile ca.pem "$1.pem" >/dev/null 2>&1 &&
		openssl x509 -in "$1.pem" -noout -checkend "$RENEW_SECONDS" >/dev/null 2>&1
}

# server_covers_names: the server certificate matches every requested name.
server_covers_names() {
	local name out
	for name in localhost 127.0.0.1 ::1 "${names[@]}"; do
		if is_ip "$name"; then
			out=$(openssl x509 -in server.pem -noout -checkip "$name")
		else
			out=$(openssl x509 -in server.pem -noout -checkhost "$name")
		fi
		[[ $out != *"NOT match"* ]] || return 1
	done
}

if [ "$force" = 1 ]; then
	rm -f ca.pem ca.key server.pem server.key client-branch1.pem client-branch1.key
	for code in "${branches[@]}"; do rm -f "client-$code.pem" "client-$code.key"; done
fi

if [ -s ca.pem ] && [ -s ca.key ]; then
	note "keeping existing CA $outdir/ca.pem"
else
	new_key "$work/ca.key"
	openssl req -x509 -new -key "$work/ca.key" -sha256 -days "$CA_DAYS" \
		-subj "/O=simpeg development/CN=simpeg development CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash" \
		-out "$work/ca.pem"
	install -m 0600 "$work/ca.key" ca.key
	install -m 0644 "$work/ca.pem" ca.pem
	log "created CA $outdir/ca.pem (valid $CA_DAYS days)"
fi

if leaf_ok server && server_covers_names; then
	note "keeping existing server certificate $outdir/server.pem"
else
	issue server "/O=simpeg development/CN=${names[0]:-localhost}" \
		"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
fi

# Another branch machine gets its certificate the same way; by hand:
#   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client-NAME.key
#   openssl req -new -key client-NAME.key -subj "/O=simpeg development/CN=NAME" -out client-NAME.csr
#   openssl x509 -req -in client-NAME.csr -CA ca.pem -CAkey ca.key -set_serial 0x$(openssl rand -hex 16) \
#     -days 825 -sha256 -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n') \
#     -out client-NAME.pem
# client_leaf NAME CN: a client certificate, kept while valid.
client_leaf() {
	if leaf_ok "$1"; then
		note "keeping existing client certificate $outdir/$1.pem"
	else
		issue "$1" "/O=simpeg development/CN=$2" \
			"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
	fi
}

client_leaf client-branch1 branch1
for code in "${branches[@]}"; do
	client_leaf "client-$code" "$code"
done
