#!/bin/sh
# iommu-handover logs: golden text and JSON on real and own logs, exit codes, hostile input.
. "$(dirname "$0")/lib.sh"
L="$FIX/logs"
G="$L/golden"

# Goldens run inside the fixture directory so the file names printed are stable.
# name:expected-exit
for t in sample-legacy-capture:0 sample-scalable-capture:0 v3.8-two-line:0 v4.7-one-line:0 \
	v5.5-pasid-ffffffff:0 v5.14-no-pasid:0 v5.14-hexbdf-journal:0 sm-pasid:0 ir-forms:0 \
	kdump-inflight:2 kdump-failed:0 kmsg:2 journal-short:2 journal-short-iso:2 dmesg-xT:2 \
	mail-wrapped:2 unclassified:0 multi-boot:2; do
	fx=${t%:*} xrc=${t#*:}
	golden "text-$fx" "$xrc" "$G/$fx.txt" sh -c 'cd "$1" && "$2" logs "$3.log"' sh "$L" "$IOH_BIN" "$fx"
	golden "json-$fx" "$xrc" "$G/$fx.json" sh -c 'cd "$1" && "$2" logs --json "$3.log"' sh "$L" "$IOH_BIN" "$fx"
done
golden events-kdump-inflight 2 "$G/kdump-inflight.events.txt" \
	sh -c 'cd "$1" && "$2" logs --events kdump-inflight.log' sh "$L" "$IOH_BIN"

# The project's real samples, read in place when present (the copies above are the goldens).
for s in legacy-virtio scalable-virtio; do
	f=${IOH_SAMPLES:-/work/shared/samples}/$s/capture-console.log
	[ -f "$f" ] || continue
	check "sample-$s" 0 "$IOH_BIN" logs --json "$f"
	has "sample-$s" '"copied_tables": \[$'
	has "sample-$s" '^    "dmar0"$'
	has "sample-$s" '"dma_faults": 0,'
	has "sample-$s" '"bdf": "0000:00:1f.3"'
done

# stdin, several inputs, counts across them
check stdin 2 sh -c 'cat "$1" | "$2" logs -' sh "$L/kdump-inflight.log" "$IOH_BIN"
has stdin '^  - \(dmesg\)$'
check two-inputs 2 "$IOH_BIN" logs --json "$L/v5.14-no-pasid.log" "$L/kdump-inflight.log"
has two-inputs '"dma_faults": 7,'

# errors: missing file, directory, no argument, bad option
check missing 1 "$IOH_BIN" logs "$T_DIR/does-not-exist.log"
has missing 'does-not-exist.log' "$T_DIR/missing.err"
check directory 1 "$IOH_BIN" logs "$L"
check noarg 1 "$IOH_BIN" logs
check badopt 1 "$IOH_BIN" logs --frobnicate x
check help 0 "$IOH_BIN" logs --help
has help 'Usage: .* logs'

# hostile: NUL bytes, invalid UTF-8, a 3 MiB line, no final newline, empty file
printf '[    1.0] DMAR: Copied translation tables from previous kernel for dmar0\n' >"$T_DIR/h.log"
printf '[    1.1] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault\000 addr 0x1000 [fault reason 0x06] x\n' >>"$T_DIR/h.log"
printf '[    1.2] DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x1000 [fault reason 0x06] \377\376 bad utf8\n' >>"$T_DIR/h.log"
printf 'DMAR: ' >>"$T_DIR/h.log"; head -c 3145728 /dev/zero | tr '\0' 'x' >>"$T_DIR/h.log"
printf '\n[    1.3] DMAR: [DMA Read NO_PASID] Request device [00:04.0] fault addr 0x1000 [fault reason 0x06] last' >>"$T_DIR/h.log"
check hostile 2 "$IOH_BIN" logs --json "$T_DIR/h.log"
has hostile '"nul_lines": 1,'
has hostile '"long_lines": 1,'
has hostile '"bdf": "0000:00:03.0"'
has hostile '"bdf": "0000:00:04.0"'
has hostile '"unclassified": 1,'
: >"$T_DIR/empty.log"
check empty 0 "$IOH_BIN" logs "$T_DIR/empty.log"
done_suite
