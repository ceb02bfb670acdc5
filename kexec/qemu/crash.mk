# `make crash`: one real kdump crash cycle under QEMU's emulated Intel IOMMU
# (kexec/qemu/crash-run). Included by the top-level Makefile; uses its BIN.
#   make crash                                   legacy mode, DMA at the crash
#   make crash CRASH_ARGS="--mode scalable --inflight"
# Results go to build/crash/<stamp>-<variant>/ (see docs/reproduce.md).
CRASH_ARGS ?=
CRASH_PKGS := qemu-system-x86 seabios

crash: $(BIN)
	@scripts/deps $(CRASH_PKGS)
	kexec/qemu/crash-run --bin $(BIN) $(CRASH_ARGS)
