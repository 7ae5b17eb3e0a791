# Install what building and testing Carapace needs, where it is missing.
# Sourced by scripts/demo and scripts/test; Debian and derivatives.

CARAPACE_PACKAGES="gcc make autoconf automake pkg-config libjansson-dev
libyaml-dev liblmdb-dev libcmocka-dev systemd util-linux passwd rsyslog
lmdb-utils libxml2-utils groff-base man-db clang libclang-rt-dev
libcurl4-openssl-dev python3 openssh-server openssh-client libsystemd-dev
libplist-utils debootstrap systemd-container"

install_deps() {
	missing=
	for p in $CARAPACE_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing"
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq || return 1
	# rsyslog must not take over a running system's logging just to be
	# available to the tests; its own unit is not started here.
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null || return 1
	# openssh-server is here for its sshd binary (tests/e2e/t_remote.sh
	# runs its own on loopback); installing it must not leave a system
	# SSH server listening that was not there before.
	case " $missing " in
	*" openssh-server "*)
		$SUDO systemctl disable --now ssh.service ssh.socket \
		    >/dev/null 2>&1 || true ;;
	esac
}

# build DIR [configure options]: configure and build out of tree.
build() {
	dir=$1
	shift
	src=$(cd "$(dirname "$0")/.." && pwd)
	if [ ! -x "$src/configure" ]; then
		(cd "$src" && autoreconf -fi) || return 1
	fi
	mkdir -p "$dir"
	(
		cd "$dir" &&
		    { [ -f Makefile ] || "$src/configure" -q "$@"; } &&
		    make -j"$(nproc)" -s
	)
}
