#!/usr/bin/env bash
# Writes the bad-input cases that are too big, binary or special to keep in
# git into DIR, as DIR/NAME.json; their expected messages are the committed
# tests/bad/NAME.expect files. Run by tests/bad/run.sh.
#   tests/bad/gen.sh DIR
set -u
dir=${1:?usage: tests/bad/gen.sh DIR}
mkdir -p "$dir" || exit 2

# repeat N STRING: STRING N times, without a newline.
repeat() {
	local i
	for ((i = 0; i < $1; i++)); do printf '%s' "$2"; done
}

# 100 MiB: a comment string padded to exactly 104857600 bytes.
{
	printf '{"#": "'
	head -c $((104857600 - 10)) /dev/zero | tr '\0' x
	printf '"}\n'
} >"$dir/big-100mb.json"

# Nesting far deeper than any policy needs.
{
	printf '{"#": '
	repeat 100000 '['
	repeat 100000 ']'
	printf '}\n'
} >"$dir/deep-nesting-arrays.json"
{
	printf '{"#": '
	repeat 5000 '{"a": '
	printf '1'
	repeat 5000 '}'
	printf '}\n'
} >"$dir/deep-nesting-objects.json"

# Bytes that are not UTF-8: a stray 0xff in a key, a broken two-byte
# sequence in a value, an overlong encoding of '/' in a domain.
printf '{"groups": {"app\xff": {"gid": 30001}}}\n' >"$dir/non-utf8-in-key.json"
printf '{"groups": {"app": {"gid": 30001, "execv": ["/usr/bin/\xc3\x28"]}}}\n' \
	>"$dir/non-utf8-in-string.json"
printf '{"groups": {"app": {"gid": 30001, "domains": ["a\xc0\xafb.example"]}}}\n' \
	>"$dir/non-utf8-overlong.json"

# Raw NUL bytes: inside a string, and after the document.
printf '{"groups": {"app": {"gid": 30001, "execv": ["/usr/bin/x\0y"]}}}\n' >"$dir/nul-raw-in-string.json"
printf '{"groups": {}}\0\n' >"$dir/nul-raw-after-document.json"

# Not regular files: reading them must neither crash nor block.
rm -rf "$dir/fifo.json" "$dir/directory.json" "$dir/dev-null.json"
mkfifo "$dir/fifo.json"
mkdir "$dir/directory.json"
ln -s /dev/null "$dir/dev-null.json"
