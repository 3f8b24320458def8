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
CFLAGS += -std=gnu17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN) -MMD -MP \
	-DGALAF_VERSION='"$(VERSION)"' -DGATE_INDEX='"$(GATE_INDEX)"' \
	-DBPF_OBJECT='"$(BPF_OBJECT)"' -DGALAF_PATH='"$(BINDIR)/galaf"'
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN)

PKGS_CONFIG := libnftables jansson
LIBS_CONFIG := $(shell $(PKG_CONFIG) --libs $(PKGS_CONFIG) libbpf)
CFLAGS_PKG  := $(shell $(PKG_CONFIG) --cflags $(PKGS_CONFIG) libcap libbpf)
# clang -target bpf does not search Debian's multiarch dir for <asm/types.h>.
BPF_CFLAGS ?= -idirafter /usr/include/$(shell $(CLANG) -print-multiarch)
LIBS_GATE   := $(shell $(PKG_CONFIG) --libs libcap)
LIBS_STATS  := $(shell $(PKG_CONFIG) --libs $(PKGS_CONFIG))

# The compiler pipeline, shared by galaf-config, the stats tools and the fuzzer.
CORE := strbuf diag netaddr policy load check render render_dns render_cgroup sha256
CORE_OBJ := $(CORE:%=$(B)/%.o)
CONFIG_OBJ := $(CORE_OBJ) $(B)/numeric_ids.o $(B)/nft.o $(B)/validate.o $(B)/fileio.o $(B)/apply.o $(B)/delta.o $(B)/verify.o $(B)/heap.o \
	$(B)/status.o $(B)/status_dns.o $(B)/groups.o $(B)/marker.o $(B)/names.o $(B)/suggest.o \
	$(B)/cgroups.o $(B)/desktop.o $(B)/resolver.o $(B)/pin.o $(B)/galaf-config.o
STATS_OBJ := $(CORE_OBJ) $(B)/numeric_ids.o $(B)/nft.o $(B)/names.o $(B)/galaf-stats.o
TCPDUMP_OBJ := $(CORE_OBJ) $(B)/numeric_ids.o $(B)/nft.o $(B)/names.o $(B)/galaf-tcpdump.o

PROGS := $(B)/galaf-config $(B)/galaf $(B)/galaf-stats $(B)/galaf-tcpdump
BPFOBJ := $(B)/galaf_mark.bpf.o

all: $(PROGS) $(BPFOBJ)

$(B):
	$(Q)mkdir -p $@

$(B)/%.o: src/%.c | $(B)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_PKG) -c -o $@ $<

$(B)/galaf-config: $(CONFIG_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CONFIG)

$(B)/galaf-stats: $(STATS_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_STATS)

$(B)/galaf-tcpdump: $(TCPDUMP_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_STATS)

# The gatekeeper links libc and libcap only (sha256.c is plain C).
$(B)/galaf: $(B)/galaf.o $(B)/sha256.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_GATE)

$(B)/galaf_mark.bpf.o: bpf/galaf_mark.bpf.c | $(B)
	@$(if $(Q),echo "  BPF     $@")
	$(Q)$(CLANG) -target bpf -O2 -g -Wall -Werror $(BPF_CFLAGS) -c -o $@ $<

-include $(wildcard $(B)/*.d)

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
