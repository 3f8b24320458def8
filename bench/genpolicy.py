#!/usr/bin/env python3
"""Writes a synthetic galaf policy for benchmarks.

  genpolicy.py GROUPS CIDRS DOMAINS [--dir DIR] [--vary N] [--ports P]

GROUPS app groups with explicit gids from 30000, each allowed CIDRS
distinct /24s and DOMAINS distinct domains on tcp 443 (with --ports P:
P ports, 443 and the ones after 8000). Paths in config point into DIR
(default /tmp/galaf-bench). --vary changes group N's first port, for
"re-apply after changing one group".
"""
import json
import sys


def main(argv):
    args, opts, rest = [], {}, argv[1:]
    while rest:
        if rest[0].startswith("--") and len(rest) > 1:
            opts[rest[0]] = rest[1]
            rest = rest[2:]
        else:
            args.append(rest[0])
            rest = rest[1:]
    groups, cidrs, domains = (int(a) for a in args[:3])
    d = opts.get("--dir", "/tmp/galaf-bench")
    vary = int(opts.get("--vary", "-1"))
    nports = int(opts.get("--ports", "1"))
    pol = {
        "config": {
            "dns": {"conf": d + "/dnsmasq.conf", "reload": None},
            "gate_index": d + "/gate.index",
            "state_dir": d + "/state",
        },
        "groups": {},
    }
    for g in range(groups):
        to = ["10.%d.%d.0/24" % ((g * cidrs + c) // 256 % 256, (g * cidrs + c) % 256)
              for c in range(cidrs)]
        to += ["d%d.app%d.example" % (k, g) for k in range(domains)]
        pol["groups"]["app%05d" % g] = {
            "gid": 30000 + g,
            "execv": ["/usr/bin/true", "\u2026"],
            "allow": [{"to": to, "proto": "tcp",
                       "ports": [8443 if g == vary else 443] + [8000 + k for k in range(1, nports)]}],
        }
    json.dump(pol, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv)
