# Install locations and build knobs; override on the make command line.
VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
LIBDIR   ?= $(PREFIX)/lib/galaf
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/galaf
UNITDIR  ?= /etc/systemd/system
SYSCONFDIR ?= /etc

# The gatekeeper reads only this index; nothing at run time can change it.
GATE_INDEX ?= /etc/galaf/gate.index
# Where galaf-config looks for the BPF object when none is given.
BPF_OBJECT ?= $(LIBDIR)/galaf_mark.bpf.o

CC       ?= cc
CLANG    ?= clang
PKG_CONFIG ?= pkg-config
