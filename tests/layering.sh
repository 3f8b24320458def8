#!/usr/bin/env bash
# The shape of src/ that docs/HACKING.md draws, checked:
#  1. a file includes only from its own folder and the folders below it;
#  2. no two modules (NAME.c with NAME.h) depend on each other, however
#     far round: the include graph between modules has no cycle;
#  3. libnftables is included in nft/ only, libbpf in marker/ only, and
#     the gatekeeper includes nothing of ours but gate/ and lib/sha256.h;
#  4. no source file is much over 800 lines;
#  5. library code neither prints nor exits: only the files that hold a
#     main() or a cmd_* entry point (and gate/, which is a program of its
#     own) write to stderr or stdout or call exit(); the rest return
#     0/-errno and put their messages into a struct diags;
#  6. a command file exports nothing but its entry points: a library
#     function there would escape check 5 (it goes in a file of its own).
# One "ok"/"not ok" line each, then "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/src" || exit 2

# The layers, bottom up; folders of one rank may not include each other.
declare -A rank=([lib]=0 [policy]=1 [render]=2 [nft]=3 [marker]=3 [host]=3 [cli]=4
	[stats]=5 [config]=6 [gate]=9)
max_lines=${GALAF_MAX_LINES:-850}

n=0 passed=0 failed=0
result() { # result NAME PROBLEMS...
	local name=$1
	shift
	n=$((n + 1))
	if [ $# -eq 0 ]; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name"
		printf '#   %s\n' "$@"
		failed=$((failed + 1))
	fi
}

files=$(find . -name '*.[ch]' | sed 's|^\./||' | sort)
# "FILE INCLUDED" for every #include "..." of ours.
includes() {
	local f
	for f in $files; do
		sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | sed "s|^|$f |"
	done
}
edges=$(includes)

bad=()
unknown=()
for f in $files; do
	[ -n "${rank[${f%%/*}]+x}" ] || unknown+=("$f: folder ${f%%/*}/ has no place in the layers")
done
while read -r f h; do
	[ -n "$f" ] || continue
	ff=${f%%/*} hf=${h%%/*}
	if [ ! -e "$h" ]; then
		bad+=("$f includes \"$h\": not a path below src/ (name the folder)")
	elif [ "$ff" = gate ]; then
		[ "$hf" = gate ] || [ "$h" = lib/sha256.h ] ||
			bad+=("$f includes $h: the gatekeeper takes only gate/ and lib/sha256.h")
	elif [ "$ff" != "$hf" ] && [ "${rank[$hf]:-99}" -ge "${rank[$ff]:-0}" ]; then
		bad+=("$f includes $h: $hf/ is not below $ff/")
	fi
done <<<"$edges"
result "every folder has a layer" "${unknown[@]}"
result "a folder includes only from folders below it" "${bad[@]}"

# Modules: a .c and its .h are one node; tsort reports any cycle.
loops=$(while read -r f h; do
	[ -n "$f" ] || continue
	a=${f%.[ch]} b=${h%.h}
	[ "$a" = "$b" ] || echo "$a $b"
done <<<"$edges" | tsort 2>&1 >/dev/null)
mapfile -t cyc <<<"$loops"
[ -n "$loops" ] || cyc=()
result "no cycles between modules" "${cyc[@]}"

libs=()
while read -r f h; do
	case $h in
	nftables/*) [ "${f%%/*}" = nft ] || libs+=("$f includes <$h>: libnftables belongs to nft/") ;;
	bpf/*) [ "${f%%/*}" = marker ] || libs+=("$f includes <$h>: libbpf belongs to marker/") ;;
	esac
done < <(for f in $files; do sed -n 's/^#include <\([^>]*\)>.*/\1/p' "$f" | sed "s|^|$f |"; done)
result "libnftables in nft/ only, libbpf in marker/ only" "${libs[@]}"

long=()
for f in $files; do
	l=$(wc -l <"$f")
	[ "$l" -le "$max_lines" ] || long+=("$f: $l lines (split it by job; at most about 800)")
done
result "no source file over $max_lines lines" "${long[@]}"

# The few library files that may print, each with its reason.
declare -A may_print=(
	[cli/cli.c]="the commands' printing edge: usage errors, --help, --version, diagnostics printed once"
	[lib/diag.c]="out of memory while recording a message leaves nothing to return it in: it says so and aborts"
)
# A call that writes to the terminal or ends the process. _exit() is not
# one: a forked child calls it after a failed exec, or to hand back its
# status.
says='(^|[^A-Za-z0-9_])(v?printf|puts|perror|exit)[[:space:]]*[(]'
says+='|v?fprintf[[:space:]]*[(][[:space:]]*std(err|out)'
says+='|fputs[[:space:]]*[(].*,[[:space:]]*std(err|out)[[:space:]]*[)]'
prints=()
for f in $files; do
	case $f in gate/*) continue ;; esac
	grep -Eq '^int (main|cmd_[a-z_]+)[(]' "$f" && continue
	[ -n "${may_print[$f]+x}" ] && continue
	while IFS= read -r hit; do
		[ -n "$hit" ] && prints+=("$f:$hit")
	done < <(grep -nE "$says" "$f" | grep -vE '^[0-9]+:[[:space:]]*(/?[*]|//)' |
		sed -E 's/^([0-9]+):[[:space:]]*/\1: /')
done
[ ${#prints[@]} -eq 0 ] ||
	prints=("library code returns its messages in a struct diags; the command prints them:" "${prints[@]}")
result "library code does not print or exit (only mains and cmd_* files do)" "${prints[@]}"

# Every function a command file defines is static, but main() and cmd_*.
exports=()
for f in $files; do
	case $f in gate/* | *.h) continue ;; esac
	grep -Eq '^int (main|cmd_[a-z_]+)[(]' "$f" || continue
	while IFS= read -r hit; do
		[ -n "$hit" ] && exports+=("$f:$hit")
	done < <(grep -nE '^[a-z][a-z0-9_ ]*[ *]+[a-z_][a-z0-9_]*[(]' "$f" |
		grep -vE '^[0-9]+:(static |int (main|cmd_[a-z_]+)[(])')
done
[ ${#exports[@]} -eq 0 ] ||
	exports=("a library function in a command file escapes the print check; move it to a file of its own:" "${exports[@]}")
result "command files export only their entry points" "${exports[@]}"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
