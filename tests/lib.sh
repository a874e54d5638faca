# Shared TAP helpers for the shell tests. Source it, call plan N (or
# done_testing at the end), then ok/is/like.
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?}" "${DEVFLOW:=$top_builddir/devflow}"
_t_n=0
_t_failed=0
plan() { echo "1..$1"; }
ok() { # ok STATUS DESCRIPTION — STATUS 0 is a pass
	_t_n=$((_t_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_t_n - $2"; else echo "not ok $_t_n - $2"; _t_failed=$((_t_failed + 1)); fi
}
is() { # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; printf '# got:      %s\n# expected: %s\n' "$1" "$2" | sed 's/^/# /'
	fi
}
like() { # like GOT GREP-ERE DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '%s\n' "$1" | sed 's/^/#   got: /'; echo "#   want match: $2"
	fi
}
unlike() { # unlike GOT GREP-ERE DESCRIPTION
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '%s\n' "$1" | grep -E -- "$2" | sed 's/^/#   got: /'; echo "#   want no match: $2"
	fi
}
done_testing() { echo "1..$_t_n"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
# A scratch directory removed at exit.
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/devflow-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
export HOME="$T_TMP/home" XDG_CONFIG_HOME="$T_TMP/home/.config" XDG_DATA_HOME="$T_TMP/home/.local/share"
mkdir -p "$HOME"
