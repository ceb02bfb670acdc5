# iommu-handover — plain GNU Makefile. Overridable variables first.
VERSION    := 0.1.0
SOVERSION  := 0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCDIR     ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/iommu-handover
CC         ?= cc
OPT        ?= -O2 -g
SAN        ?=
ifeq ($(SAN),1)
BUILD      ?= build-san
OPT        := -O1 -g -fno-omit-frame-pointer
SANFLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD      ?= build
SANFLAGS   :=
endif
V          ?=
Q          := $(if $(V),,@)

PKGS       := libelf libkdumpfile zlib lzo2 snappy libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN       := -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
              -Wno-missing-field-initializers -Wno-format-truncation
CFLAGS     ?=
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DIOH_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(SANFLAGS) \
              -Iinclude -Isrc/lib -Isrc/model $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS    ?=
LIBS       := $(PKG_LIBS) -lpthread -lm

LIB_SRC    := $(sort $(wildcard src/lib/*.c src/model/*.c))
CLI_SRC    := $(sort $(wildcard src/cli/*.c))
TEST_SRC   := tests/harness.c $(sort $(wildcard tests/unit/*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))
BENCH_SRC  := $(sort $(wildcard tests/bench/*.c))

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TOOLS      := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
BENCHES    := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

STATIC     := $(BUILD)/libioh.a
SHARED     := $(BUILD)/libioh.so.$(SOVERSION)
BIN        := $(BUILD)/iommu-handover
UNIT       := $(BUILD)/tests/unit-tests

.PHONY: all lib tests tools check check-fast bench install uninstall deps clean format crash fuzz man
all: $(BIN) $(STATIC) $(SHARED) docs/iommu-handover.1

# The man page is assembled from one roff fragment per subcommand (docs/man/).
MAN_PARTS  := $(sort $(wildcard docs/man/*.roff))
docs/iommu-handover.1: $(MAN_PARTS)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $(MAN_PARTS) > $@
man: docs/iommu-handover.1
lib: $(STATIC) $(SHARED)
tests: $(UNIT) $(TOOLS) $(BIN)
tools: $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SHARED): $(LIB_OBJ) src/lib/libioh.map
	$(Q)$(CC) -shared -Wl,-soname,libioh.so.$(SOVERSION) -Wl,--version-script=src/lib/libioh.map \
	      $(SANFLAGS) $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIBS)
	$(Q)ln -sf libioh.so.$(SOVERSION) $(BUILD)/libioh.so

# The binary links the archive: one self-contained file for a capture initramfs.
$(BIN): $(CLI_OBJ) $(STATIC)
	$(Q)$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STATIC) $(LIBS)

$(UNIT): $(TEST_OBJ) $(STATIC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(STATIC) $(LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(STATIC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(STATIC) $(LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(STATIC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(STATIC) $(LIBS)

$(BUILD)/obj/tests/%.o: ALL_CFLAGS += -Itests

deps:
	@scripts/deps

# Everything twice: a plain build, then ASan+UBSan; one summary line at the end.
check: deps
	$(MAKE) tests
	$(MAKE) SAN=1 tests
	tests/run.sh build build-san

check-fast: tests
	tests/run.sh $(BUILD)

bench: deps all $(BENCHES) $(TOOLS)
	tests/bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)/ioh \
	           $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/iommu-handover
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libioh.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libioh.so.$(SOVERSION)
	ln -sf libioh.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libioh.so
	install -m 644 include/ioh/*.h $(DESTDIR)$(INCDIR)/ioh/
	install -m 644 docs/iommu-handover.1 $(DESTDIR)$(MANDIR)/man1/iommu-handover.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@PKGS@|$(PKGS)|' ioh.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/ioh.pc
	@if [ -f kexec/install.mk ]; then $(MAKE) -f kexec/install.mk DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) install; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/iommu-handover $(DESTDIR)$(LIBDIR)/libioh.* \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/ioh.pc $(DESTDIR)$(MANDIR)/man1/iommu-handover.1
	rm -rf $(DESTDIR)$(INCDIR)/ioh

format:
	clang-format -i include/ioh/*.h src/*/*.[ch] tests/*.[ch] tests/*/*.c

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
include kexec/qemu/crash.mk
include tests/fuzz/fuzz.mk
include tests/picture.mk
