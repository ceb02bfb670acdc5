#!/bin/sh
# The kdump capture hooks (kexec/): run against a fixture root with a fake
# /proc/vmcore and a stand-in iommu-handover whose behaviour the test sets
# (IOH_STUB_MODE): succeed, find a problem, crash, hang, ignore SIGTERM, get
# killed, write garbage, write too much, leave a child behind. Whatever it
# does, the hook must exit 0 within its time limit, leave the vmcore and any
# existing report untouched, and leave no partial files.
. "$IOH_SRCDIR/tests/cli/lib.sh"
HOOK="$IOH_SRCDIR/kexec/ioh-capture-hook"
KX="$IOH_SRCDIR/kexec"
STUB="$T_DIR/stub-iommu-handover"
export IOH_STUB_LOG="$T_DIR/stub.log" IOH_STUB_DIR="$T_DIR"

cat >"$STUB" <<'EOF'
#!/bin/sh
# Stand-in for `iommu-handover report`; the test picks the behaviour.
echo "$*" >>"$IOH_STUB_LOG"
out= fp=
while [ $# -gt 0 ]; do
	case $1 in
	--output) out=$2; shift ;;
	--fingerprint-save) fp=$2; shift ;;
	esac
	shift
done
# refuse to overwrite, like the real --output
[ -n "$out" ] && [ -e "$out" ] && { echo "refusing to overwrite $out" >&2; exit 1; }
case ${IOH_STUB_MODE:-ok} in
ok | problem)
	[ -n "$fp" ] && echo "fingerprint v1" >"$fp"
	[ -n "$out" ] && echo "report: handover ${IOH_STUB_MODE:-ok}" >"$out"
	[ "${IOH_STUB_MODE:-ok}" = problem ] && exit 2
	exit 0 ;;
segv) kill -SEGV $$ ;;
killed) kill -KILL $$ ;;
exit1) echo "cannot read vmcore" >&2; exit 1 ;;
partial) echo "report: half" >"$out"; [ -n "$fp" ] && echo half >"$fp"; kill -SEGV $$ ;;
hang) sleep 987 & echo $! >"$IOH_STUB_DIR/child.pid"; wait ;;
stubborn) trap '' TERM; while :; do sleep 1; done ;;
garbage)
	head -c 100000 /dev/urandom >&2
	head -c 4096 /dev/urandom >"$out"
	exit 0 ;;
spew) exec head -c 2000000 /dev/urandom >&2 ;;
bigfile) exec head -c 20000000 /dev/zero >"$out" ;;
limits)
	{ ulimit -v; ulimit -f; ps -o ni= -p $$; } >"$IOH_STUB_DIR/limits.out"
	echo "report: limits" >"$out"
	exit 0 ;;
esac
exit 0
EOF
chmod +x "$STUB"

# root NAME: a capture-boot fixture root with a fake /proc/vmcore (generated,
# not checked in), sysfs bits, kdump-tools config and our hook config.
root() {
	R="$T_DIR/$1"
	rm -rf "$R"
	mkdir -p "$R/proc" "$R/sys/firmware/acpi/tables" "$R/etc/default" "$R/var/crash" "$R/run"
	# 64 KiB "vmcore": an ELF magic and a counting pattern
	{ printf '\177ELF'; awk 'BEGIN { for (i = 0; i < 4095; i++) printf "%015d\n", i }'; } >"$R/proc/vmcore"
	echo "DMAR fixture" >"$R/sys/firmware/acpi/tables/DMAR"
	printf 'USE_KDUMP=1\nKDUMP_COREDIR="/var/crash"\n' >"$R/etc/default/kdump-tools"
	printf 'IOH_BIN=%s\nIOH_MAX_SECONDS=%s\nIOH_FILE_KB=%s\n' "$STUB" "${MAXS:-2}" "${FILEKB:-256}" \
		>"$R/etc/default/iommu-handover"
	cksum <"$R/proc/vmcore" >"$T_DIR/$1.vmcore.sum"
	: >"$IOH_STUB_LOG"
}

# hook NAME MODE ARGS...: runs the hook (as root R), records elapsed seconds.
hook() {
	n=$1 mode=$2
	shift 2
	t0=$(date +%s)
	IOH_ROOT="$R" IOH_STUB_MODE=$mode run "$n" 0 sh "$HOOK" "$@"
	ELAPSED=$(($(date +%s) - t0))
}

within() { # within NAME SECONDS
	if [ "$ELAPSED" -le "$2" ]; then pass "$1-time"; else fail "$1-time" "took ${ELAPSED}s, limit $2s"; fi
}

vmcore_intact() {
	if cksum <"$R/proc/vmcore" | cmp -s - "$T_DIR/$1.vmcore.sum"; then pass "$1-vmcore"; else fail "$1-vmcore" "vmcore changed"; fi
}

# no partial or temporary files anywhere under the root's report places
no_litter() {
	l=$(find "$R/var/crash" "$R/run" -name '*partial*' -o -name '.ioh-*' 2>/dev/null)
	if [ -z "$l" ]; then pass "$1-no-litter"; else fail "$1-no-litter" "$l"; fi
}

exists() { if [ -e "$2" ]; then pass "$1"; else fail "$1" "$2 missing" "$(ls -laR "$R/var/crash" "$R/run" 2>&1 | head -30)"; fi; }
absent() { if [ ! -e "$2" ]; then pass "$1"; else fail "$1" "$2 exists"; fi; }

pending() { ls -d "$R/var/crash/iommu-handover-pending"/*/ 2>/dev/null | head -n 1; }

# ---- Debian kdump-tools: early, dump-time (staged), next boot (adopted) ----
root deb-ok
hook early-ok ok early && within early-ok 4
exists early-fingerprint "$R/run/iommu-handover/fingerprint"
exists early-report "$R/run/iommu-handover/early.txt"
has early-args "--fingerprint-save $R/run/iommu-handover/fingerprint.partial" "$IOH_STUB_LOG"
has early-args-vmcore "--vmcore $R/proc/vmcore --sysfs-root $R/sys --proc-root $R/proc --max-seconds 2" "$IOH_STUB_LOG"
has early-args-dmar "--dmar $R/sys/firmware/acpi/tables/DMAR" "$IOH_STUB_LOG"

hook deb-dump ok kdump-tools && within deb-dump 4
P=$(pending)
exists deb-staged "${P}iommu-handover-report.txt"
exists deb-staged-early "${P}iommu-handover-early.txt"
has deb-compare "--fingerprint-compare $R/run/iommu-handover/fingerprint" "$IOH_STUB_LOG"
has deb-staged-log 'report \(clean\) written to' "$T_DIR/deb-dump.err"
# kdump-config savecore: the stamp directory it creates after ExecStartPre
stamp=$(date +%Y%m%d%H%M)
mkdir -p "$R/var/crash/$stamp"
echo dmesg >"$R/var/crash/$stamp/dmesg.$stamp"
echo dump >"$R/var/crash/$stamp/dump.$stamp"
hook deb-adopt ok kdump-tools-adopt
exists deb-adopted "$R/var/crash/$stamp/iommu-handover-report.txt"
exists deb-adopted-early "$R/var/crash/$stamp/iommu-handover-early.txt"
has deb-adopted-content 'report: handover ok' "$R/var/crash/$stamp/iommu-handover-report.txt"
absent deb-pending-gone "$R/var/crash/iommu-handover-pending"
vmcore_intact deb-ok
no_litter deb-ok

# The early step is taken once: a second run keeps the first fingerprint.
hook early-again ok early
has early-again-log 'fingerprint already taken' "$T_DIR/early-again.err"

# A problem found (exit 2) is still a report.
root deb-problem
hook deb-problem problem kdump-tools
P=$(pending)
has deb-problem-report 'handover problem' "${P}iommu-handover-report.txt"

# Missing early step: the dump-time step runs without --fingerprint-compare.
root deb-noearly
hook deb-noearly ok kdump-tools
if grep -q -- '--fingerprint-compare' "$IOH_STUB_LOG"; then fail deb-noearly-nocompare; else pass deb-noearly-nocompare; fi
has deb-noearly-log 'no early fingerprint' "$T_DIR/deb-noearly.err"

# ---- the tool misbehaving: the hook still exits 0 in time, leaves no report ----
for mode in segv killed exit1 partial garbage spew bigfile; do
	root "bad-$mode"
	hook "bad-$mode-early" "$mode" early && within "bad-$mode-early" 4
	absent "bad-$mode-no-fingerprint" "$R/run/iommu-handover/fingerprint"
	hook "bad-$mode" "$mode" dump "$R/var/crash/202611251200" && within "bad-$mode" 4
	vmcore_intact "bad-$mode"
	no_litter "bad-$mode"
	case $mode in
	garbage) exists "bad-$mode-report" "$R/var/crash/202611251200/iommu-handover-report.txt" ;;
	*) absent "bad-$mode-no-report" "$R/var/crash/202611251200/iommu-handover-report.txt" ;;
	esac
done
# the log of a tool spewing output is bounded by IOH_FILE_KB (ulimit -f)
sz=$(wc -c <"$T_DIR/bad-spew/run/iommu-handover/dump.log")
if [ "$sz" -le $((256 * 1024 * 2)) ]; then pass garbage-log-bounded; else fail garbage-log-bounded "$sz bytes"; fi

# hangs: killed at the limit (SIGTERM), or SIGKILL 2 s later if it ignores TERM
MAXS=1
root hang
hook hang hang dump "$R/var/crash/x" && within hang 4
has hang-log 'killed after the 1s limit' "$T_DIR/hang.err"
alive() { # a zombie waiting for a reaper counts as dead
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
sleep 0.3
if [ -s "$T_DIR/child.pid" ] && alive "$(cat "$T_DIR/child.pid")"; then
	fail hang-child-killed "the tool's child $(cat "$T_DIR/child.pid") survived"
	kill "$(cat "$T_DIR/child.pid")" 2>/dev/null
else
	pass hang-child-killed
fi
no_litter hang
root stubborn
hook stubborn stubborn early && within stubborn 6
absent stubborn-no-fingerprint "$R/run/iommu-handover/fingerprint"
MAXS=

# bounds applied: memory (ulimit -v), file size (ulimit -f), lowest priority
root limits
hook limits limits dump "$R/var/crash/y"
if [ -s "$T_DIR/limits.out" ]; then
	# shellcheck disable=SC2046
	set -- $(cat "$T_DIR/limits.out")
	if [ "$1" = 524288 ]; then pass limits-mem; else fail limits-mem "ulimit -v = $1"; fi
	if [ "$2" -le 1024 ] && [ "$2" -gt 0 ] 2>/dev/null; then pass limits-file; else fail limits-file "ulimit -f = $2"; fi
	if [ "$3" = 19 ]; then pass limits-nice; else fail limits-nice "nice = $3"; fi
else
	fail limits "the stub recorded no limits"
fi

# ---- never overwrite a report ----
root noclobber
d="$R/var/crash/202611251300"
mkdir -p "$d"
echo "OLD REPORT" >"$d/iommu-handover-report.txt"
hook noclobber-1 ok dump "$d"
hook noclobber-2 ok dump "$d"
has noclobber-old 'OLD REPORT' "$d/iommu-handover-report.txt"
exists noclobber-new1 "$d/iommu-handover-report.1.txt"
exists noclobber-new2 "$d/iommu-handover-report.2.txt"
# adopt skips a stamp directory that already has a report: the staged one stays
root adopt-keep
mkdir -p "$R/var/crash/iommu-handover-pending/202601011200" "$R/var/crash/202601011201"
echo "STAGED" >"$R/var/crash/iommu-handover-pending/202601011200/iommu-handover-report.txt"
echo dump >"$R/var/crash/202601011201/dump.202601011201"
echo "THEIRS" >"$R/var/crash/202601011201/iommu-handover-report.txt"
hook adopt-keep ok kdump-tools-adopt
has adopt-keep-theirs 'THEIRS' "$R/var/crash/202601011201/iommu-handover-report.txt"
has adopt-keep-staged 'STAGED' "$R/var/crash/iommu-handover-pending/202601011200/iommu-handover-report.txt"

# adopt matches stamps: a staged report whose dump failed stays pending and
# does not take the next crash's directory
root adopt-match
pd="$R/var/crash/iommu-handover-pending"
mkdir -p "$pd/202601011200" "$pd/202601011300" "$R/var/crash/202601011100" "$R/var/crash/202601011301"
echo "A" >"$pd/202601011200/iommu-handover-report.txt"
echo "B" >"$pd/202601011300/iommu-handover-report.txt"
echo dump >"$R/var/crash/202601011100/dump.202601011100"
echo dump >"$R/var/crash/202601011301/dump.202601011301"
hook adopt-match ok kdump-tools-adopt
has adopt-match-b '^B$' "$R/var/crash/202601011301/iommu-handover-report.txt"
absent adopt-match-old "$R/var/crash/202601011100/iommu-handover-report.txt"
has adopt-match-a-stays '^A$' "$pd/202601011200/iommu-handover-report.txt"
has adopt-match-log 'no dump directory for the report staged at 202601011200' "$T_DIR/adopt-match.err"

# ---- not a capture boot, disabled, tool missing, broken config ----
root novmcore
rm "$R/proc/vmcore"
hook novmcore-early ok early
hook novmcore-dump ok kdump-tools
if [ -s "$IOH_STUB_LOG" ]; then fail novmcore-no-run "stub ran: $(cat "$IOH_STUB_LOG")"; else pass novmcore-no-run; fi
root disabled
echo "IOH_ENABLED=0" >>"$R/etc/default/iommu-handover"
hook disabled ok kdump-tools
if [ -s "$IOH_STUB_LOG" ]; then fail disabled-no-run; else pass disabled-no-run; fi
root nobin
echo "IOH_BIN=/nonexistent/iommu-handover" >>"$R/etc/default/iommu-handover"
hook nobin ok kdump-tools
has nobin-log 'is missing' "$T_DIR/nobin.err"
root badconf
printf 'IOH_MAX_SECONDS=abc\nIOH_MEM_KB=-5\nrm -rf /\n$(reboot)\nIOH_FILE_KB=99999999999\n' >>"$R/etc/default/iommu-handover"
hook badconf ok dump "$R/var/crash/z"
has badconf-defaults '--max-seconds 5' "$IOH_STUB_LOG"
exists badconf-report "$R/var/crash/z/iommu-handover-report.txt"
root usage
hook usage ok frobnicate
has usage-log 'usage:' "$T_DIR/usage.err"

# ---- Fedora/RHEL kdump-utils: pre.d stages, post.d places ----
root fed
mkdir -p "$R/sysroot/var/crash/127.0.0.1-2026-01-01-10:00:00" "$R/etc/kdump"
echo old >"$R/sysroot/var/crash/127.0.0.1-2026-01-01-10:00:00/vmcore"
touch -d '2026-01-01 10:00' "$R/sysroot/var/crash/127.0.0.1-2026-01-01-10:00:00"
printf 'path /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\n' >"$R/etc/kdump.conf"
printf '/dev/vda2 /sysroot xfs rw 0 0\nproc /proc proc rw 0 0\n' >"$R/proc/mounts"
hook fed-pre ok kdump-utils-pre && within fed-pre 4
has fed-pre-journal '^iommu-handover: report: handover ok' "$T_DIR/fed-pre.err"
sleep 1 # the dump directory is made after pre.d, so it is newer
fd="$R/sysroot/var/crash/127.0.0.1-$(date +%Y-%m-%d-%H:%M:%S)"
mkdir -p "$fd"
echo vmcore >"$fd/vmcore"
echo dmesg >"$fd/vmcore-dmesg.txt"
hook fed-post ok kdump-utils-post
exists fed-placed "$fd/iommu-handover-report.txt"
absent fed-not-old "$R/sysroot/var/crash/127.0.0.1-2026-01-01-10:00:00/iommu-handover-report.txt"
vmcore_intact fed
no_litter fed
# raw/ssh targets: no local directory, the report stays in the journal only
root fed-raw
printf 'raw /dev/vdb1\n' >"$R/etc/kdump.conf"
hook fed-raw-pre ok kdump-utils-pre
hook fed-raw-post ok kdump-utils-post
has fed-raw-log 'went to the journal' "$T_DIR/fed-raw-post.err"

# ---- the distro glue: calls the hook with the right step, never fails ----
has dropin-dump '^ExecStartPre=-/usr/lib/iommu-handover/ioh-capture-hook kdump-tools$' \
	"$KX/kdump-tools/kdump-tools-dump.service.d-iommu-handover.conf"
has dropin-adopt '^ExecStartPre=-/usr/lib/iommu-handover/ioh-capture-hook kdump-tools-adopt$' \
	"$KX/kdump-tools/kdump-tools.service.d-iommu-handover.conf"
has initramfs-early 'ioh-capture-hook early \|\| true' "$KX/initramfs-tools/scripts/init-top/iommu-handover"
has dracut-early 'ioh-capture-hook early \|\| :' "$KX/dracut/99iommu-handover/iommu-handover-pre-udev.sh"
# outside a capture boot (no /proc/vmcore here) the boot scripts are no-ops
check init-top-noop 0 sh "$KX/initramfs-tools/scripts/init-top/iommu-handover"
check init-top-prereqs 0 sh "$KX/initramfs-tools/scripts/init-top/iommu-handover" prereqs
check dracut-noop 0 sh -c ". '$KX/dracut/99iommu-handover/iommu-handover-pre-udev.sh'; echo sourced-ok"
has dracut-noop 'sourced-ok'
check initramfs-hook-skips-normal-initrd 0 env CONFDIR=/etc/initramfs-tools sh "$KX/initramfs-tools/hooks/iommu-handover"
check pre.d-exit0 0 env IOH_ROOT="$T_DIR/none" sh "$KX/dracut/kdump-pre-50-iommu-handover"

# ---- make install: every file where its distribution looks, paths rewritten ----
D="$T_DIR/dest"
rm -rf "$D"
if run install 0 make -s -C "$IOH_SRCDIR" -f kexec/install.mk DESTDIR="$D" PREFIX=/usr/local install; then
	pass install
	for f in /usr/local/lib/iommu-handover/ioh-capture-hook /etc/default/iommu-handover \
		/usr/local/share/doc/iommu-handover/kdump.md \
		/usr/local/lib/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf \
		/usr/local/lib/systemd/system/kdump-tools.service.d/iommu-handover.conf \
		/etc/initramfs-tools/hooks/iommu-handover /etc/initramfs-tools/scripts/init-top/iommu-handover \
		/usr/lib/dracut/modules.d/99iommu-handover/module-setup.sh \
		/usr/lib/dracut/modules.d/99iommu-handover/iommu-handover-pre-udev.sh \
		/etc/kdump/pre.d/50-iommu-handover /etc/kdump/post.d/50-iommu-handover; do
		exists "install:$f" "$D$f"
	done
	has install-dropin-path 'ExecStartPre=-/usr/local/lib/iommu-handover/ioh-capture-hook kdump-tools$' \
		"$D/usr/local/lib/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf"
	has install-bin-path '^IOH_BIN=/usr/local/bin/iommu-handover$' "$D/etc/default/iommu-handover"
	has install-hook-bin '^IOH_BIN=/usr/local/bin/iommu-handover$' "$D/usr/local/lib/iommu-handover/ioh-capture-hook"
	if [ -x "$D/usr/local/lib/iommu-handover/ioh-capture-hook" ]; then pass install-exec; else fail install-exec; fi
	if grep -rq --exclude=kdump.md '/usr/lib/iommu-handover\|/usr/bin/iommu-handover' "$D"; then
		fail install-no-stale-paths "$(grep -rl --exclude=kdump.md '/usr/lib/iommu-handover\|/usr/bin/iommu-handover' "$D")"
	else
		pass install-no-stale-paths
	fi
	# a second install keeps a locally edited config
	echo "IOH_MAX_SECONDS=9" >>"$D/etc/default/iommu-handover"
	run install-again 0 make -s -C "$IOH_SRCDIR" -f kexec/install.mk DESTDIR="$D" PREFIX=/usr/local install &&
		has install-keeps-config '^IOH_MAX_SECONDS=9$' "$D/etc/default/iommu-handover"
	# PREFIX=/usr: initramfs-tools files go to /usr/share/initramfs-tools
	rm -rf "$D"
	run install-usr 0 make -s -C "$IOH_SRCDIR" -f kexec/install.mk DESTDIR="$D" PREFIX=/usr KDUMP_FLAVOUR=debian install &&
		exists install-usr-init-top "$D/usr/share/initramfs-tools/scripts/init-top/iommu-handover" &&
		absent install-usr-debian-only "$D/etc/kdump/pre.d/50-iommu-handover"
	run uninstall 0 make -s -C "$IOH_SRCDIR" -f kexec/install.mk DESTDIR="$D" PREFIX=/usr uninstall &&
		absent uninstall-gone "$D/usr/lib/iommu-handover/ioh-capture-hook"
fi

# ---- the real binary on a real dump, once `report` exists ----
SAMPLES=${IOH_SAMPLES:-/work/shared/samples}
if ! "$IOH_BIN" report --help >/dev/null 2>&1; then
	echo "SKIP $T_SUITE/real-report (no report subcommand in $IOH_BIN yet)"
elif [ ! -r "$SAMPLES/legacy-virtio/vmcore.kdump.xz" ]; then
	echo "SKIP $T_SUITE/real-report (no samples in $SAMPLES)"
else
	MAXS=60
	root real
	MAXS=
	printf 'IOH_BIN=%s\n' "$IOH_BIN" >>"$R/etc/default/iommu-handover"
	cp "$SAMPLES/acpi/qemu-q35-intel-iommu.DMAR" "$R/sys/firmware/acpi/tables/DMAR"
	xz -dc "$SAMPLES/legacy-virtio/vmcore.kdump.xz" >"$R/proc/vmcore"
	cksum <"$R/proc/vmcore" >"$T_DIR/real.vmcore.sum"
	hook real-early ok early
	exists real-fingerprint "$R/run/iommu-handover/fingerprint"
	hook real-dump ok dump "$R/var/crash/real"
	exists real-report "$R/var/crash/real/iommu-handover-report.txt"
	vmcore_intact real
	no_litter real
	rm -f "$R/proc/vmcore"
fi

# Lint: every script passes shellcheck (when installed; ask scripts/deps for it)
if command -v shellcheck >/dev/null 2>&1; then
	check shellcheck-hook 0 shellcheck "$HOOK" "$IOH_SRCDIR/tests/fixtures/check/mkroot.sh"
	check shellcheck-sh 0 shellcheck -s sh "$KX/initramfs-tools/hooks/iommu-handover" \
		"$KX/initramfs-tools/scripts/init-top/iommu-handover" \
		"$KX/dracut/99iommu-handover/iommu-handover-pre-udev.sh" \
		"$KX/dracut/kdump-pre-50-iommu-handover" "$KX/dracut/kdump-post-50-iommu-handover"
	check shellcheck-dracut 0 shellcheck -s bash "$KX/dracut/99iommu-handover/module-setup.sh"
else
	echo "SKIP $T_SUITE/shellcheck (shellcheck not installed)"
fi

done_suite
