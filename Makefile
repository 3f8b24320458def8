# galaf — group allow-list application firewall
include config.mk

B := build
.DELETE_ON_ERROR:
.SUFFIXES:

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wold-style-definition \
	-Wshadow -Wwrite-strings -Wundef -Wno-unused-parameter
ifeq ($(CI),true)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT ?= -O2 -g
SAN ?=
CFLAGS ?=
# Every object: includes name their folder, "lib/strbuf.h".
CFLAGS += -std=gnu17 -D_GNU_SOURCE -Isrc $(OPT) $(WARN) $(HARDEN) $(SAN) -MMD -MP \
	-DGALAF_VERSION='"$(VERSION)"' -DGATE_INDEX='"$(GATE_INDEX)"' \
	-DBPF_OBJECT='"$(BPF_OBJECT)"' -DGALAF_PATH='"$(BINDIR)/galaf"'
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SAN)

PKGS := libnftables jansson libcap libbpf
CFLAGS_PKG := $(shell $(PKG_CONFIG) --cflags $(PKGS))
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
# clang -target bpf does not search Debian's multiarch dir for <asm/types.h>.
BPF_CFLAGS ?= -idirafter /usr/include/$(shell $(CLANG) -print-multiarch)

# The layers, bottom up (docs/HACKING.md): a folder includes only from
# folders below it. Each is part of the one library every tool links.
LAYERS := lib policy render nft marker host cli stats
# Mains and link-time interposers stay out of the archive.
MAINS := src/stats/galaf-stats.c src/stats/galaf-tcpdump.c src/nft/numeric_ids.c
LIB_SRC := $(filter-out $(MAINS),$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/%.o)
CONFIG_OBJ := $(patsubst src/%.c,$(B)/%.o,$(wildcard src/config/*.c))
# libnftables asks getgrnam() about every number it parses: see numeric_ids.c.
NFT_IDS := $(B)/nft/numeric_ids.o

PROGS := $(B)/galaf-config $(B)/galaf $(B)/galaf-stats $(B)/galaf-tcpdump
BPFOBJ := $(B)/galaf_mark.bpf.o

all: $(PROGS) $(BPFOBJ)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_PKG) -c -o $@ $<

$(B)/libgalaf.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/galaf-config: $(CONFIG_OBJ) $(NFT_IDS) $(B)/libgalaf.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/galaf-stats $(B)/galaf-tcpdump: $(B)/%: $(B)/stats/%.o $(NFT_IDS) $(B)/libgalaf.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The gatekeeper (DESIGN.md "The gatekeeper"): its own folder and
# lib/sha256.c, compiled a second time, static with musl and nothing else.
# Only the flags it needs: no package's include paths, no glibc fortify
# (musl has none), no PIE, so the binary has no dynamic section and no
# loader ever reads an LD_* variable for it. No glibc fallback: without
# musl-gcc the build stops and says so.
MUSL_CC ?= musl-gcc
GATE_CFLAGS := -std=gnu17 -D_GNU_SOURCE -Isrc $(OPT) $(WARN) -fstack-protector-strong -fno-pie \
	-MMD -MP -DGALAF_VERSION='"$(VERSION)"' -DGATE_INDEX='"$(GATE_INDEX)"'
GATE_LDFLAGS := -static -no-pie -Wl,-z,relro,-z,now,-z,noexecstack
GATE_OBJ := $(patsubst src/%.c,$(B)/gatekeeper/%.o,$(wildcard src/gate/*.c) src/lib/sha256.c)
MUSL_CHECK = @command -v $(MUSL_CC) >/dev/null || { echo "galaf: the gatekeeper is built \
static with musl, and $(MUSL_CC) is missing: install musl-tools (Debian) or set MUSL_CC" >&2; exit 1; }

$(B)/gatekeeper/%.o: src/%.c
	$(MUSL_CHECK)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC musl $@")
	$(Q)$(MUSL_CC) $(GATE_CFLAGS) -c -o $@ $<

$(B)/galaf: $(GATE_OBJ)
	$(MUSL_CHECK)
	@$(if $(Q),echo "  LD musl $@")
	$(Q)$(MUSL_CC) $(GATE_LDFLAGS) -o $@ $^

$(B)/galaf_mark.bpf.o: bpf/galaf_mark.bpf.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BPF     $@")
	$(Q)$(CLANG) -target bpf -O2 -g -Wall -Werror -Isrc $(BPF_CFLAGS) -c -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# --- tests -------------------------------------------------------------
check: all
	$(Q)tests/check.sh

# The suites alone, with the normal build only.
check-quick: all
	$(Q)tests/run-all.sh

golden-update: all
	$(Q)tests/golden/update.sh

demo: all
	$(Q)examples/demo.sh

bench: all
	$(Q)bench/run.sh

fuzz:
	$(Q)tests/fuzz/run.sh

# --- install -----------------------------------------------------------
install: all
	$(Q)$(foreach v,DESTDIR PREFIX BINDIR SBINDIR LIBDIR MANDIR DOCDIR UNITDIR SYSCONFDIR GATE_INDEX BPF_OBJECT,$(v)='$($(v))') BUILDDIR='$(B)' scripts/install.sh install

uninstall:
	$(Q)$(foreach v,DESTDIR PREFIX BINDIR SBINDIR LIBDIR MANDIR DOCDIR UNITDIR SYSCONFDIR GATE_INDEX BPF_OBJECT,$(v)='$($(v))') BUILDDIR='$(B)' scripts/install.sh uninstall

clean:
	rm -rf $(B) build-asan build-fuzz

.PHONY: all check check-quick golden-update demo bench fuzz install uninstall clean
