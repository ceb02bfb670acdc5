#!/bin/sh
# iommu-handover reproduce: exit codes, JSON fields, verdicts, errors for bad input.
. "$(dirname "$0")/lib.sh"
SCN="$FIX/scenarios"
R="$IOH_BIN reproduce"

# json_field NAME KEY PATTERN: the last run's JSON has "KEY": matching PATTERN.
json_field() {
	has "$1" "\"$2\": $3"
}

# The built-in server: in-flight DMA is found, so exit 2; Present-first tears nothing.
check default 2 $R
has default '^torn fetches: 0$'
has default '^stale uses: +0$'
has default 'nic0 +0000:03:00.0  IN-FLIGHT DMA'
has default 'gpu +0000:00:02.0  no DMA after the crash'
has default '0x02 context entry'
has default 'verdict: in-flight DMA'

check default-json 2 $R --json
json_field default-json torn_fetches 0
json_field default-json stale_uses 0
json_field default-json states 0
json_field default-json in_flight_dma true
json_field default-json in_flight_dma false
json_field default-json bdf '"0000:03:00.0"'
json_field default-json faults '[0-9]+'
if command -v python3 >/dev/null; then
	check json-parses 0 python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["devices"])==7' "$T_DIR/default-json.out"
fi

# The unsafe strategies tear with the built-in seed; the report says so.
for s in zero zero-lo-hi clear-p-nowait; do
	check "unsafe-$s" 2 $R --strategy $s
	has "unsafe-$s" '^torn fetches: [1-9]'
	has "unsafe-$s" 'UNSAFE'
done

# Same seed, same run: byte-identical output.
check seed-a 2 $R --seed 9 --fetch-order any --json
check seed-b 2 $R --seed 9 --fetch-order any --json
if cmp -s "$T_DIR/seed-a.out" "$T_DIR/seed-b.out"; then pass seed-deterministic; else fail seed-deterministic; fi

# Nothing in flight, Present-first: clean.
check quiet 0 $R "$SCN/quiet.scn"
has quiet 'verdict: clean'
check scalable 2 $R "$SCN/scalable.scn"
check batched 2 $R --strategy batched
has batched ' 2 waits$'

# Exhaustive: the exit code speaks of violations only.
check explore-safe 0 $R --explore
has explore-safe 'no interleaving tears'
check explore-batched 0 $R --explore --strategy batched --entries 4 --agents 2
check explore-zero 2 $R --explore --strategy zero --fetch-order atomic
has explore-zero 'VIOLATION: torn fetch'
check explore-lohi-hilo 0 $R --explore --strategy zero-lo-hi --fetch-order hi-lo
check explore-nowait 2 $R --explore --strategy clear-p-nowait --entries 2 --agents 2
has explore-nowait 'TORN sid='
check explore-json 2 $R --explore --strategy zero-lo-hi --json
json_field explore-json torn_fetches 1
json_field explore-json states '[0-9]+'
check explore-setup 2 $R --explore --setup --fetch-order hi-lo
check explore-setup-drain 0 $R --explore --setup --setup-drain --fetch-order hi-lo
check explore-cap 1 $R --explore --entries 8 --agents 4 --fetch-order any --max-states 50
has explore-cap 'more than 50 states' "$T_DIR/explore-cap.err"

# Real threads: Present-first never tears here.
check threads-safe 0 $R --threads --seconds 0.3
has threads-safe ' 0 torn$'
check threads-atomic 1 $R --threads --fetch-order atomic
has threads-atomic 'cannot do an atomic' "$T_DIR/threads-atomic.err"

# Traces go to new files only.
check trace 2 $R --trace "$T_DIR/trace.txt"
has trace-file '^t=[0-9]+ device[0-9]+ dma ' "$T_DIR/trace.txt"
has trace-file 'cpu0 inv-context device did=3 sid=0300' "$T_DIR/trace.txt"
check trace-exists 1 $R --trace "$T_DIR/trace.txt"
has trace-exists 'file exists' "$T_DIR/trace-exists.err"
check explore-trace 2 $R --explore --strategy zero --trace "$T_DIR/ce.txt"
has explore-trace-file 'TORN' "$T_DIR/ce.txt"

# PASID-entry teardown (CVE-2026-45894): the old clear tears, the fixed order is proved safe.
check pasid-old 2 $R --explore --pasid --strategy zero-lo-hi
has pasid-old 'torn entry as fetched: qw0=' "$T_DIR/pasid-old.out"
check pasid-fixed 0 $R --explore --pasid --strategy present-first --fetch-order any
has pasid-fixed 'no interleaving tears an entry' "$T_DIR/pasid-fixed.out"
has pasid-fixed 'scalable-mode PASID entries' "$T_DIR/pasid-fixed.out"
check pasid-sl 0 $R --explore --pasid --pgtt second-level --strategy present-first
check pasid-bad-pgtt 1 $R --explore --pasid --pgtt sideways
check pasid-walks 0 $R --explore --pasid --entries 8 --agents 4 --walks 50 --seed 7 --json
has pasid-walks '"walks": *50' "$T_DIR/pasid-walks.out"
check pasid-walks-old 2 $R --explore --pasid --strategy zero-lo-hi --entries 8 --agents 4 --walks 200 --seed 7

# Queue faults injected into the model: the handover's attach fails, named, and nothing tears.
cat >"$T_DIR/qi.scn" <<'SCN'
scenario qi-faults
iommu dmar0 mode=legacy cc=2
device nic 0000:03:00.0 did=3 ats=1 rate=200 iova=0xfff00000 len=0x10000 stop=reset attach=2000
device nvme 0000:04:00.0 did=4 rate=100 iova=0xffe00000 len=0x10000 stop=reset attach=2500
inject ite after=1600 times=always
inject iqe desc=iotlb after=1600 nth=5
schedule crash=1000 copy=1500 end=3500
SCN
check qi-faults 2 $R "$T_DIR/qi.scn"
has qi-faults 'queue errors: 1 IQE, 4 ITE' "$T_DIR/qi-faults.out"
has qi-faults 'ATTACH FAILED' "$T_DIR/qi-faults.out"
has qi-faults 'invalidation time-out error .ITE.: the device-TLB invalidation of 03:00.0' "$T_DIR/qi-faults.out"
printf 'iommu dmar0\ndevice nic 03:00.0\ninject bogus\n' >"$T_DIR/qi-bad.scn"
check qi-bad-inject 1 $R "$T_DIR/qi-bad.scn"
has qi-bad-inject 'qi-bad.scn:3' "$T_DIR/qi-bad-inject.err"

# Bad options and bad scenarios: exit 1 and a message saying what and where.
check bad-strategy 1 $R --strategy yolo
has bad-strategy "unknown strategy 'yolo'" "$T_DIR/bad-strategy.err"
check bad-order 1 $R --fetch-order up
check bad-entries 1 $R --explore --entries 9
has bad-entries 'entries wants a number from 1 to 8' "$T_DIR/bad-entries.err"
check bad-agents 1 $R --explore --agents 0
check bad-seed 1 $R --seed -1
check bad-seconds 1 $R --threads --seconds abc
check both-modes 1 $R --explore --threads
check extra-arg 1 $R a b
check no-file 1 $R "$T_DIR/nope.scn"
has no-file 'nope.scn: No such file' "$T_DIR/no-file.err"
printf 'iommu dmar0\ndevice nic 03:00.0 rate=fast\n' >"$T_DIR/bad1.scn"
check bad-scn-number 1 $R "$T_DIR/bad1.scn"
has bad-scn-number "bad1.scn:2: 'rate' wants a number" "$T_DIR/bad-scn-number.err"
printf 'iommu dmar0\n\n\nwhat is this\n' >"$T_DIR/bad2.scn"
check bad-scn-directive 1 $R "$T_DIR/bad2.scn"
has bad-scn-directive "bad2.scn:4: unknown directive 'what'" "$T_DIR/bad-scn-directive.err"
printf 'iommu dmar0\000\n' >"$T_DIR/bad3.scn"
check bad-scn-binary 1 $R "$T_DIR/bad3.scn"
has bad-scn-binary 'NUL' "$T_DIR/bad-scn-binary.err"
check bad-scn-dir 1 $R "$T_DIR"
check help 0 $R --help
has help 'present-first, batched, zero, zero-lo-hi, clear-p-nowait'
check print-default 0 $R --print-default
if cmp -s "$T_DIR/print-default.out" "$SCN/default.scn"; then pass default-fixture; else fail default-fixture "built-in scenario differs from $SCN/default.scn"; fi

done_suite
