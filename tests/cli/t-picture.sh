#!/bin/sh
# Pictures: reproduce --svg and report --html write one self-contained,
# well-formed file that shows what the run or the crash had; a real browser
# (headless Chromium, when installed) renders them and finds the labels.
. "$(dirname "$0")/lib.sh"
rm -f "$T_DIR"/*.svg "$T_DIR"/*.html "$T_DIR"/*.png "$T_DIR"/*.dom

# well_formed NAME FILE: parses as XML (python3's parser), no script, no external reference.
well_formed() {
	if python3 - "$2" <<'PY' >"$T_DIR/$1.xml.err" 2>&1; then pass "$1-xml"; else fail "$1-xml" "$(head -5 "$T_DIR/$1.xml.err")"; fi
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for el in root.iter():
    tag = el.tag.split('}')[-1]
    assert tag != 'script', 'script element'
    for k, v in el.attrib.items():
        assert 'href' not in k, 'external reference ' + k
        assert 'url(' not in v, 'url() in ' + k
PY
}

# --- reproduce --svg ---
check svg-safe 2 "$IOH_BIN" reproduce --svg "$T_DIR/safe.svg"
well_formed svg-safe "$T_DIR/safe.svg"
has svg-safe-lanes 'CPU \(capture kernel\)' "$T_DIR/safe.svg"
has svg-safe-inflight 'class="lname in-flight"[^>]*>nic0 0000:03:00.0 IN-FLIGHT' "$T_DIR/safe.svg"
has svg-safe-steps '>1 clear P</text>' "$T_DIR/safe.svg"
if grep -q 'class="ev torn"' "$T_DIR/safe.svg"; then fail svg-safe-no-torn; else pass svg-safe-no-torn; fi

check svg-zero 2 "$IOH_BIN" reproduce --strategy zero --svg "$T_DIR/zero.svg"
has svg-zero 'torn fetches: [1-9]' "$T_DIR/svg-zero.out"
well_formed svg-zero "$T_DIR/zero.svg"
has svg-zero-torn 'class="ev torn".*TORN FETCH nic0 0000:03:00.0' "$T_DIR/zero.svg"
has svg-zero-after 'DMA AFTER TEARDOWN' "$T_DIR/zero.svg"

# Never over an existing file; a picture only of a random run.
cp "$T_DIR/zero.svg" "$T_DIR/keep.svg"
check svg-no-clobber 1 "$IOH_BIN" reproduce --svg "$T_DIR/zero.svg"
if cmp -s "$T_DIR/zero.svg" "$T_DIR/keep.svg"; then pass svg-no-clobber-kept; else fail svg-no-clobber-kept; fi
check svg-explore 1 "$IOH_BIN" reproduce --explore --svg "$T_DIR/x.svg"
check svg-no-dir 1 "$IOH_BIN" reproduce --svg "$T_DIR/no/such/dir.svg"

# Two million steps: summarised, bounded (2 MiB), still well-formed.
"$IOH_BIN" reproduce --print-default | sed -e 's/end=4000/end=2000000/' -e 's/stop=3[34]00/stop=never/' \
	-e 's/strategy present-first/strategy zero/' >"$T_DIR/long.scn"
echo "max-events 1000000" >>"$T_DIR/long.scn"
check svg-long 2 "$IOH_BIN" reproduce "$T_DIR/long.scn" --svg "$T_DIR/long.svg"
size=$(wc -c <"$T_DIR/long.svg")
if [ "$size" -le 2097152 ]; then pass "svg-long-size($size)"; else fail svg-long-size "$size bytes"; fi
well_formed svg-long "$T_DIR/long.svg"
has svg-long-dropped 'more events were not kept' "$T_DIR/long.svg"

# --- report --html ---
cat >"$T_DIR/capture.log" <<'LOG'
[    0.500000] DMAR: Translation already enabled - trying to copy translation structures
[    0.510000] DMAR: Copied translation tables from previous kernel for dmar0
[    0.600001] DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0x1000 [fault reason 0x05] PTE Write access is not set
[    0.700001] DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x1000 [fault reason 0x02] Present bit in context entry is clear
[    1.000000] e1000e 0000:00:02.0: enabling device (0000 -> 0002)
LOG
check html 2 "$IOH_BIN" report --dmesg "$T_DIR/capture.log" --html "$T_DIR/report.html"
has html-row '<tr class="in-flight"><td><span class="badge in-flight">in-flight-dma</span></td><td class="mono bdf">0000:00:02.0' "$T_DIR/report.html"
has html-copy 'table copy 0.500000 s' "$T_DIR/report.html"
if grep -qi '<script\|href=\|src=' "$T_DIR/report.html"; then fail html-self-contained; else pass html-self-contained; fi
check html-no-clobber 1 "$IOH_BIN" report --dmesg "$T_DIR/capture.log" --html "$T_DIR/report.html"

# The real legacy crash with its capture log (decompressed once, shared with t-report).
s="$IOH_SAMPLES/legacy-virtio"
dump="$IOH_BUILDDIR/samples/legacy-virtio.kdump"
if [ -f "$s/vmcore.kdump.xz" ]; then
	if [ ! -f "$dump" ]; then
		mkdir -p "$IOH_BUILDDIR/samples"
		xz -dc "$s/vmcore.kdump.xz" >"$dump.part.$$" && mv "$dump.part.$$" "$dump"
	fi
	check html-real 0 "$IOH_BIN" report --vmcore "$dump" --dmesg "$s/capture-console.log" --html "$T_DIR/real.html"
	has html-real-unit '<td>dmar0</td><td class="mono">0</td><td class="mono">0x1a2d000</td><td>legacy</td>' "$T_DIR/real.html"
	has html-real-rows '<tr class="possible"><td><span class="badge possible">dma-possible</span></td><td class="mono bdf">0000:00:01.0' "$T_DIR/real.html"
fi

# --- a real browser ---
# IOH_CHROMIUM names the browser; set and empty, the browser checks are skipped.
CHROMIUM=${IOH_CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "t-picture: chromium not installed: browser rendering checks skipped" >&2
	done_suite
fi
browse() { # browse ARGS...: headless, offline, throwaway profile
	prof=$(mktemp -d)
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" "$@" 2>/dev/null
	rc=$?
	rm -rf "$prof"
	return $rc
}
# not_blank NAME PNG: decodes the PNG (zlib, no imaging library) and wants
# enough non-white pixels and colours.
not_blank() {
	if python3 - "$2" >"$T_DIR/$1.png.txt" 2>&1 <<'PY'; then pass "$1-render"; else fail "$1-render" "$(cat "$T_DIR/$1.png.txt")"; fi
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
w, h, depth, ctype = hdr[:4]
assert depth == 8 and ctype in (2, 6), 'unexpected PNG type %d/%d' % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, ink = bytearray(stride), set(), 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 2 == 0:
        for x in range(0, w, 2):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours.add(px)
            ink += px != b'\xff\xff\xff'
    prev = line
print('%dx%d: %d sampled non-white pixels, %d colours' % (w, h, ink, len(colours)))
assert ink > 5000 and len(colours) > 8, 'looks blank'
PY
}
for p in zero.svg report.html; do
	n=${p%%.*}
	browse --screenshot="$T_DIR/$n.png" --window-size=1400,900 "file://$T_DIR/$p" >/dev/null
	if [ -s "$T_DIR/$n.png" ]; then not_blank "browser-$n" "$T_DIR/$n.png"; else fail "browser-$n-render" "no screenshot"; fi
	browse --dump-dom "file://$T_DIR/$p" >"$T_DIR/$n.dom"
done
has browser-zero-torn 'class="ev torn".*TORN FETCH' "$T_DIR/zero.dom"
has browser-zero-inflight 'class="lname in-flight"[^>]*>nic0 0000:03:00.0 IN-FLIGHT' "$T_DIR/zero.dom"
has browser-html-inflight '<tr class="in-flight">.*0000:00:02.0' "$T_DIR/report.dom"
done_suite
