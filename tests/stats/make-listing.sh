#!/usr/bin/env bash
# Regenerates listing.json, the saved `nft -j list table inet galaf` that
# galaf-stats --input reads in the golden tests: policy.json rendered by
# galaf-config, loaded in a throwaway network namespace, filled from
# elements.nft. Run as root from anywhere; review the diff.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
config=${GALAF_CONFIG:-$here/../../build/galaf-config}
ns="galaf-t-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
"$config" render --nft "$here/policy.json" | ip netns exec "$ns" nft -f -
ip netns exec "$ns" nft -f "$here/elements.nft"
ip netns exec "$ns" nft -j list table inet galaf | python3 -m json.tool --indent 1 >"$here/listing.json"
