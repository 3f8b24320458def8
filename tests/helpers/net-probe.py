#!/usr/bin/env python3
"""Real sockets for galaf's end-to-end tests.

  probe.py resolve SERVER NAME [TYPE]     ask SERVER (port 53, UDP) for A (default),
                                          AAAA, SRV or HTTPS; print the answers
  probe.py tcp ADDR PORT                  connect, read a line; exit 0 when it worked
  probe.py udp ADDR PORT                  send a datagram, wait for the echo
  probe.py get SERVER NAME PORT           resolve NAME at SERVER, then TCP to its first address
  probe.py serve tcp|udp ADDR PORT        answer every connection or datagram with "hi"
  probe.py join GROUP IFNAME [SECS]       join a multicast group on IFNAME, hold it SECS

PROBE_SPORT=N binds the tcp, udp and resolve probes to source port N first
(SO_REUSEADDR), as a process reusing a port another one just freed would; the tcp
probe then also waits for the server to close first, so the old connection leaves
no TIME_WAIT socket on this side. PROBE_DNS_TCP=1 asks over TCP instead of UDP.

Exit status: 0 success, 1 refused, blocked or timed out (the reason on stderr).
"""
import os
import random
import socket
import struct
import sys

TIMEOUT = float(os.environ.get("PROBE_TIMEOUT", "2"))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


QTYPES = {"A": 1, "AAAA": 28, "SRV": 33, "HTTPS": 65}


def dns_query(server, name, qtype):
    qid = random.randrange(1 << 16)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", QTYPES[qtype], 1)
    if os.environ.get("PROBE_DNS_TCP"):
        s = socket.socket(family(server), socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        bind_sport(s, server)
        s.connect((server, 53))
        s.sendall(struct.pack("!H", len(q)) + q)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                raise OSError("connection closed")
            data += chunk
        return parse_answers(data[2:], qid)
    s = socket.socket(family(server), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    bind_sport(s, server)
    s.sendto(q, (server, 53))
    data, _ = s.recvfrom(4096)
    return parse_answers(data, qid)


def skip_name(data, off):
    while True:
        n = data[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += n + 1


def read_name(data, off):
    labels = []
    while data[off] and data[off] & 0xC0 != 0xC0:
        labels.append(data[off + 1:off + 1 + data[off]].decode())
        off += data[off] + 1
    if data[off]:
        ptr = struct.unpack("!H", data[off:off + 2])[0] & 0x3FFF
        labels.append(read_name(data, ptr))
    return ".".join(labels)


def parse_answers(data, qid):
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", data[:12])
    if rid != qid:
        raise OSError("mismatched DNS id")
    if flags & 0xF:
        raise OSError("DNS rcode %d" % (flags & 0xF))
    off = 12
    for _ in range(qd):
        off = skip_name(data, off) + 4
    out = []
    for _ in range(an):
        off = skip_name(data, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", data[off:off + 10])
        off += 10
        rdata = data[off:off + rdlen]
        off += rdlen
        if rtype == 1:
            out.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28:
            out.append(socket.inet_ntop(socket.AF_INET6, rdata))
        elif rtype == 33:
            prio, weight, port = struct.unpack("!HHH", rdata[:6])
            out.append("%d %d %d %s" % (prio, weight, port, read_name(data, off - rdlen + 6)))
        elif rtype == 65:
            out.append("HTTPS %d bytes" % rdlen)
    return out


def bind_sport(s, addr):
    sport = os.environ.get("PROBE_SPORT")
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if ":" in addr else "0.0.0.0", int(sport)))


def tcp(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    bind_sport(s, addr)
    s.connect((addr, int(port)))
    line = s.recv(100)
    while os.environ.get("PROBE_SPORT") and s.recv(100):
        pass
    s.close()
    if not line.startswith(b"hi"):
        raise OSError("no greeting")


def udp(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    bind_sport(s, addr)
    s.sendto(b"ping", (addr, int(port)))
    data, _ = s.recvfrom(100)
    if not data.startswith(b"hi"):
        raise OSError("no answer")


def serve(proto, addr, port):
    fam = family(addr)
    if proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(64)
        while True:
            c, _ = s.accept()
            try:
                c.sendall(b"hi\n")
            except OSError:
                pass
            c.close()
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        _, peer = s.recvfrom(100)
        s.sendto(b"hi\n", peer)


def join(group, ifname, secs):
    """IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP: the kernel reports the membership."""
    import time
    ifindex = socket.if_nametoindex(ifname)
    if ":" in group:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", ifindex)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # struct ip_mreqn: group, local address (any), interface index
        mreq = socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", ifindex)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print("joined %s on %s" % (group, ifname), flush=True)
    time.sleep(float(secs))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    try:
        if cmd == "resolve":
            addrs = dns_query(argv[2], argv[3], argv[4] if len(argv) > 4 else "A")
            print("\n".join(addrs))
            return 0 if addrs else 1
        if cmd == "tcp":
            tcp(argv[2], argv[3])
        elif cmd == "udp":
            udp(argv[2], argv[3])
        elif cmd == "get":
            addrs = dns_query(argv[2], argv[3], "A")
            if not addrs:
                raise OSError("%s: no address" % argv[3])
            print("%s is %s" % (argv[3], addrs[0]))
            tcp(addrs[0], argv[4])
            print("connected to %s port %s" % (addrs[0], argv[4]))
        elif cmd == "join":
            join(argv[2], argv[3], argv[4] if len(argv) > 4 else "1")
        elif cmd == "serve":
            serve(argv[2], argv[3], argv[4])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, socket.timeout) as e:
        print("probe: %s: %s" % (cmd, e), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
