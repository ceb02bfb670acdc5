/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit of kdump readiness: memory reserved, capture kernel loaded, the
 * capture kernel's command line (reset_devices, an IOMMU mode the copy
 * accepts), a dump level that keeps the table pages, and our capture hooks.
 * Knows Debian kdump-tools and Fedora/RHEL kdump-utils configuration.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "audit-int.h"
#include "internal.h"

#define DEB_DEFAULTS "/etc/default/kdump-tools"
#define DEB_APPEND_DEFAULT \
	"reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb"
#define DEB_MAKEDUMP_DEFAULT "-F -c -d 31"
#define FED_SYSCONFIG "/etc/sysconfig/kdump"
#define FED_CONF "/etc/kdump.conf"
#define FED_APPEND_DEFAULT                                                                  \
	"irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off "           \
	"udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never "     \
	"nokaslr hest_disable cma=0 pcie_ports=compat"
#define FED_COLLECTOR_DEFAULT "makedumpfile -l --message-level 7 -d 31"

enum flavour { FL_NONE, FL_DEBIAN, FL_FEDORA };

struct capture {
	enum flavour fl;
	char *cmdline;	  /* the capture kernel's command line, as best known */
	char *source;	  /* where it came from, for the evidence */
	char *collector;  /* dump collector command or makedumpfile arguments */
	const char *edit; /* the file a user edits to change the command line */
	const char *reload;
};

static void check_reservation(struct ioh_audit *a)
{
	char size[64] = "", *end, *ev;
	unsigned long long v = 0;
	bool ok = audit_read_line(a, "/sys/kernel/kexec_crash_size", size, sizeof(size));
	bool asked = ioh_audit_cmdline_has(a->facts.prod_cmdline, "crashkernel");

	if (ok) {
		errno = 0;
		v = strtoull(size, &end, 10);
		ok = !errno && *end == '\0' && *size;
	}
	if (ok && v > 0) {
		char *sum = audit_fmt(a, "%llu MiB reserved for the capture kernel", v >> 20);

		ev = audit_fmt(a, "/sys/kernel/kexec_crash_size = %llu", v);
		audit_add(a, IOH_AUDIT_INFO, "kdump.crashkernel", sum, ev, "");
		free(sum);
		free(ev);
		return;
	}
	ev = audit_fmt(a, "/sys/kernel/kexec_crash_size %s%s%s; /proc/cmdline %s crashkernel=",
		       *size ? "= " : "", *size ? size : "is missing or unreadable",
		       *size && !ok ? " (not a number)" : "", asked ? "has" : "has no");
	audit_add(a, IOH_AUDIT_ERROR, "kdump.crashkernel",
		  asked ? "crashkernel= is given but no memory was reserved"
			: "no memory is reserved for a capture kernel: a crash is not dumped",
		  ev,
		  asked ? "the reservation failed at boot (see 'dmesg | grep -i crashkernel'): "
			  "lower the size or use crashkernel=SIZE,high, then reboot"
			: "Debian: apt install kdump-tools (it adds crashkernel=384M-:128M via "
			  "/etc/default/grub.d/kdump-tools.cfg), update-grub, reboot; Fedora: "
			  "kdumpctl reset-crashkernel --kernel=ALL, reboot");
	free(ev);
}

static void check_loaded(struct ioh_audit *a, const struct capture *c)
{
	char v[16] = "";
	bool ok = audit_read_line(a, "/sys/kernel/kexec_crash_loaded", v, sizeof(v));
	char *ev;

	ev = audit_fmt(a, "/sys/kernel/kexec_crash_loaded %s%s", ok ? "= " : "",
		       ok ? v : "is missing or unreadable");
	if (ok && !strcmp(v, "1"))
		audit_add(a, IOH_AUDIT_INFO, "kdump.loaded", "a capture kernel is loaded", ev, "");
	else
		audit_add(a, IOH_AUDIT_ERROR, "kdump.loaded",
			  "no capture kernel is loaded: a crash now is not dumped", ev,
			  c->fl == FL_FEDORA ? "systemctl enable --now kdump; kdumpctl status"
			  : c->fl == FL_DEBIAN
				  ? "set USE_KDUMP=1 in /etc/default/kdump-tools, then systemctl "
				    "enable --now kdump-tools; kdump-config status"
				  : "install and enable kdump-tools (Debian) or kdump-utils (Fedora)");
	free(ev);
}

/* --command-line="..." from Debian's record of the last kexec load. */
static char *kexec_cmd_cmdline(const char *cmd)
{
	const char *s = strstr(cmd, "--command-line=");
	const char *e;

	if (!s)
		return NULL;
	s += strlen("--command-line=");
	if (*s == '"') {
		s++;
		for (e = s; *e && !(*e == '"' && e[-1] != '\\'); e++)
			;
	} else {
		for (e = s; *e && !isspace((unsigned char)*e); e++)
			;
	}
	return strndup(s, (size_t)(e - s));
}

/* The production command line without the words kdump-tools strips. */
static char *debian_base_cmdline(const char *prod)
{
	static const char *const drop[] = { "crashkernel=", "hugepages=", "hugepagesz=", "abm=" };
	char *out = malloc(strlen(prod) + 1), *o = out;
	const char *p = prod;

	if (!out)
		return NULL;
	while (*p) {
		const char *w = p, *e;
		bool skip = false;

		while (*w == ' ')
			w++;
		for (e = w; *e && *e != ' '; e++)
			;
		for (size_t i = 0; i < IOH_ARRAY_SIZE(drop); i++)
			if (!strncmp(w, drop[i], strlen(drop[i])))
				skip = true;
		if (!skip && e > w) {
			if (o > out)
				*o++ = ' ';
			memcpy(o, w, (size_t)(e - w));
			o += e - w;
		}
		p = e;
	}
	*o = '\0';
	return out;
}

static void capture_debian(struct ioh_audit *a, struct capture *c, const char *conf)
{
	char *coredir = audit_shell_var(conf, "KDUMP_COREDIR");
	char *base = audit_shell_var(conf, "KDUMP_CMDLINE");
	char *append = audit_shell_var(conf, "KDUMP_CMDLINE_APPEND");
	char *mk = audit_shell_var(conf, "MAKEDUMP_ARGS");
	char loaded[16] = "", path[512], *rec;

	c->edit = DEB_DEFAULTS " (KDUMP_CMDLINE_APPEND)";
	c->reload = "kdump-config reload";
	snprintf(path, sizeof(path), "%s/kexec_cmd",
		 coredir && *coredir == '/' ? coredir : "/var/crash");
	audit_read_line(a, "/sys/kernel/kexec_crash_loaded", loaded, sizeof(loaded));
	/* Only a loaded kernel's record is current; otherwise derive from the config. */
	rec = !strcmp(loaded, "1") ? audit_slurp(a, path, 65536) : NULL;
	if (rec && (c->cmdline = kexec_cmd_cmdline(rec)) != NULL) {
		c->source = audit_fmt(a, "%s (as loaded)", path);
	} else {
		char *b = base && *base ? strdup(base) : debian_base_cmdline(a->facts.prod_cmdline);

		c->cmdline = b ? audit_fmt(a, "%s %s", b,
					   append && *append ? append : DEB_APPEND_DEFAULT)
			       : NULL;
		c->source = audit_fmt(a, "%s%s%s", base && *base ? "KDUMP_CMDLINE" : "/proc/cmdline",
				      append && *append ? " + KDUMP_CMDLINE_APPEND from " DEB_DEFAULTS
							: " + kdump-tools' default append",
				      base && *base ? " from " DEB_DEFAULTS : "");
		free(b);
	}
	/* kdump-config: "${MAKEDUMP_ARGS:=-F -c -d 31}" */
	c->collector = audit_fmt(a, "makedumpfile %s", mk && *mk ? mk : DEB_MAKEDUMP_DEFAULT);
	free(rec);
	free(coredir);
	free(base);
	free(append);
	free(mk);
}

/* Drops every word whose key is listed in remove (kdumpctl's _REMOVE). */
static char *remove_keys(const char *cmdline, const char *remove)
{
	char *out = malloc(strlen(cmdline) + 1), *o = out;
	const char *p = cmdline;

	if (!out)
		return NULL;
	while (*p) {
		const char *w = p, *e, *eq;
		bool skip = false;
		char key[128];

		while (*w == ' ')
			w++;
		for (e = w; *e && *e != ' '; e++)
			;
		for (eq = w; eq < e && *eq != '='; eq++)
			;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - w), w);
		if (*key && remove && ioh_audit_cmdline_has(remove, key))
			skip = true;
		if (!skip && e > w) {
			if (o > out)
				*o++ = ' ';
			memcpy(o, w, (size_t)(e - w));
			o += e - w;
		}
		p = e;
	}
	*o = '\0';
	return out;
}

static void capture_fedora(struct ioh_audit *a, struct capture *c, const char *sysconf,
			   const char *kconf)
{
	char *base = sysconf ? audit_shell_var(sysconf, "KDUMP_COMMANDLINE") : NULL;
	char *rem = sysconf ? audit_shell_var(sysconf, "KDUMP_COMMANDLINE_REMOVE") : NULL;
	char *append = sysconf ? audit_shell_var(sysconf, "KDUMP_COMMANDLINE_APPEND") : NULL;
	char *coll = kconf ? audit_directive(kconf, "core_collector") : NULL;
	char *b, *rm;

	c->edit = FED_SYSCONFIG " (KDUMP_COMMANDLINE_APPEND)";
	c->reload = "kdumpctl restart";
	rm = audit_fmt(a, "crashkernel %s", rem ? rem : "");
	b = rm ? remove_keys(base && *base ? base : a->facts.prod_cmdline, rm) : NULL;
	free(rm);
	/* The shipped sysconfig sets APPEND; only a missing file falls back to the default. */
	c->cmdline = b ? audit_fmt(a, "%s %s", b, append ? append : FED_APPEND_DEFAULT) : NULL;
	c->source = audit_fmt(a, "%s + %s", base && *base ? "KDUMP_COMMANDLINE" : "/proc/cmdline",
			      append ? "KDUMP_COMMANDLINE_APPEND from " FED_SYSCONFIG
				     : "kdump-utils' default append");
	c->collector = strdup(coll && *coll ? coll : FED_COLLECTOR_DEFAULT);
	if (!c->collector)
		a->nomem = true;
	free(b);
	free(base);
	free(rem);
	free(append);
	free(coll);
}

static void check_reset_devices(struct ioh_audit *a, const struct capture *c)
{
	char *ev = audit_fmt(a, "capture command line from %s: %s", c->source, c->cmdline);
	char *fix;

	if (ioh_audit_cmdline_has(c->cmdline, "reset_devices")) {
		audit_add(a, IOH_AUDIT_INFO, "kdump.reset_devices",
			  "the capture kernel boots with reset_devices", ev, "");
		free(ev);
		return;
	}
	fix = audit_fmt(a,
			"add reset_devices to %s (setting that variable replaces the distribution's "
			"default append, which has it), then %s",
			c->edit, c->reload);
	audit_add(a, IOH_AUDIT_ERROR, "kdump.reset_devices",
		  "the capture kernel boots without reset_devices: drivers take over devices "
		  "still doing DMA for the crashed kernel without resetting them",
		  ev, fix);
	free(fix);
	free(ev);
}

static void check_capture_mode(struct ioh_audit *a, const struct capture *c)
{
	const struct audit_facts *f = &a->facts;
	struct ioh_audit_iommu_opts o;
	bool en, sm;
	char *ev, *fix;

	if (!f->prod_enabled || !f->translation)
		return;
	ioh_audit_parse_iommu_opts(c->cmdline, &o);
	/* Same kernel, same config: only the command line can differ. */
	en = o.enabled >= 0 ? o.enabled == 1 : f->prod_enabled;
	sm = en && (o.scalable >= 0 ? o.scalable == 1 : f->cfg_sm_default_on == 1) &&
	     f->units_smts > 0;
	ev = audit_fmt(a, "production: %s; capture command line from %s: %s",
		       f->prod_scalable ? "scalable mode" : "legacy mode", c->source, c->cmdline);
	if (!en) {
		fix = audit_fmt(a, "remove intel_iommu=off / iommu=off from %s, then %s", c->edit,
				c->reload);
		audit_add(a, IOH_AUDIT_WARNING, "kdump.iommu_mode",
			  "the capture kernel turns the IOMMU off: devices still doing DMA for the "
			  "crashed kernel then reach memory untranslated",
			  ev, fix);
	} else if (sm != f->prod_scalable) {
		if (o.scalable >= 0)
			fix = audit_fmt(a,
					"make both kernels use the same mode: remove intel_iommu=%s "
					"from %s (or give the production kernel the same option), "
					"then %s",
					sm ? "sm_on" : "sm_off", c->edit, c->reload);
		else
			fix = audit_fmt(a,
					"make both kernels use the same mode: add intel_iommu=%s to %s "
					"(without it the capture kernel uses its config default), "
					"then %s",
					sm ? "sm_off" : "sm_on", c->edit, c->reload);
		audit_add(a, IOH_AUDIT_ERROR, "kdump.iommu_mode",
			  sm ? "scalable-mode mismatch: production uses legacy tables, the capture "
			       "kernel scalable mode; it refuses to copy them and turns translation off"
			     : "scalable-mode mismatch: production uses scalable-mode tables, the "
			       "capture kernel legacy mode; it refuses to copy them and turns "
			       "translation off",
			  ev, fix);
	} else {
		fix = NULL;
		audit_add(a, IOH_AUDIT_INFO, "kdump.iommu_mode",
			  sm ? "the capture kernel uses scalable mode like production: it copies the "
			       "tables"
			     : "the capture kernel uses legacy mode like production: it copies the tables",
			  ev, "");
	}
	free(fix);
	free(ev);
}

static void check_dump_level(struct ioh_audit *a, const struct capture *c)
{
	int level = ioh_audit_dump_level(c->collector);
	char *sum, *ev;

	ev = audit_fmt(a, "dump collector: %s", c->collector);
	if (!strstr(c->collector, "makedumpfile")) {
		audit_add(a, IOH_AUDIT_INFO, "kdump.dump_level",
			  "the dump collector copies every page: the IOMMU tables are kept", ev, "");
	} else if (level == -2) {
		audit_add(a, IOH_AUDIT_WARNING, "kdump.dump_level",
			  "the makedumpfile dump level (-d) is not a number 0-31", ev,
			  "use -d 31 (the distributions' default)");
	} else if (strstr(c->collector, "--config") || strstr(c->collector, "--eppic")) {
		audit_add(a, IOH_AUDIT_WARNING, "kdump.dump_level",
			  "a makedumpfile filter (--config/--eppic) may erase the IOMMU tables", ev,
			  "drop the filter, or make sure it spares dmar and intel_iommu data");
	} else {
		if (level < 0)
			level = 0;
		sum = audit_fmt(a,
				"dump level %d keeps kernel pages, where the IOMMU tables live%s%s",
				level,
				level & 1 ? "; all-zero pages are dropped (an all-zero table page "
					    "reads as excluded)"
					  : "",
				level & 16 ? "; free pages are dropped (a table page the crashed "
					     "kernel already freed is lost)"
					   : "");
		audit_add(a, IOH_AUDIT_INFO, "kdump.dump_level", sum, ev, "");
		free(sum);
	}
	free(ev);
}

static bool any_exists(struct ioh_audit *a, const char *const *paths, size_t n, const char **which)
{
	for (size_t i = 0; i < n; i++)
		if (audit_exists(a, paths[i])) {
			*which = paths[i];
			return true;
		}
	*which = paths[0];
	return false;
}

/*
 * True when the kdump initrd PREFIX<release>SUFFIX exists and is older than
 * the hook file: it was built without the hook. Unknown counts as fine.
 */
static bool stale_initrd(struct ioh_audit *a, const char *prefix, const char *suffix,
			 const char *hook)
{
	char initrd[256];

	if (!*a->facts.release)
		return false;
	snprintf(initrd, sizeof(initrd), "%s%s%s", prefix, a->facts.release, suffix);
	return audit_older(a, initrd, hook) == 1;
}

static void check_hooks_debian(struct ioh_audit *a)
{
	static const char *const dropin[] = {
		"/etc/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf",
		"/usr/lib/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf",
		"/lib/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf",
		"/usr/local/lib/systemd/system/kdump-tools-dump.service.d/iommu-handover.conf",
	};
	static const char *const early[] = {
		"/usr/share/initramfs-tools/scripts/init-top/iommu-handover",
		"/etc/initramfs-tools/scripts/init-top/iommu-handover",
	};
	const char *d, *e;
	bool hd = any_exists(a, dropin, IOH_ARRAY_SIZE(dropin), &d);
	bool he = any_exists(a, early, IOH_ARRAY_SIZE(early), &e);
	char *ev = audit_fmt(a, "%s %s; %s %s", d, hd ? "exists" : "is missing", e,
			     he ? "exists" : "is missing");

	if (hd && he && stale_initrd(a, "/var/lib/kdump/initrd.img-", "", e)) {
		char *ev2 = audit_fmt(a, "%s; /var/lib/kdump/initrd.img-%s is older than %s", ev,
				      a->facts.release, e);

		audit_add(a, IOH_AUDIT_WARNING, "kdump.hook",
			  "the kdump initrd was built before the early hook was installed: it "
			  "does not carry it",
			  ev2,
			  "rebuild the kdump initrd: /etc/kernel/postinst.d/kdump-tools $(uname -r); "
			  "kdump-config reload");
		free(ev2);
	} else if (hd && he)
		audit_add(a, IOH_AUDIT_INFO, "kdump.hook",
			  "the iommu-handover capture hooks are installed (kdump-tools)", ev, "");
	else
		audit_add(a, IOH_AUDIT_WARNING, "kdump.hook",
			  hd ? "the early (before drivers load) capture hook is missing: no "
			       "fingerprint, so changes made by drivers cannot be told apart"
			     : "the iommu-handover capture hook is not installed: a crash is dumped "
			       "but its IOMMU handover is not reported",
			  ev,
			  "make install (see docs/kdump.md), then rebuild the kdump initrd: "
			  "/etc/kernel/postinst.d/kdump-tools $(uname -r); kdump-config reload");
	free(ev);
}

static void check_hooks_fedora(struct ioh_audit *a, const char *kconf)
{
	static const char *const pre[] = { "/etc/kdump/pre.d/50-iommu-handover" };
	static const char *const mod[] = {
		"/usr/lib/dracut/modules.d/99iommu-handover/module-setup.sh",
	};
	char *dargs = kconf ? audit_directive(kconf, "dracut_args") : NULL;
	bool added = dargs && strstr(dargs, "iommu-handover");
	const char *p, *m;
	bool hp = any_exists(a, pre, 1, &p), hm = any_exists(a, mod, 1, &m);
	char *ev = audit_fmt(a, "%s %s; %s %s; " FED_CONF " dracut_args %s iommu-handover", p,
			     hp ? "exists" : "is missing", m, hm ? "exists" : "is missing",
			     added ? "adds" : "does not add");

	if (hp && hm && added && (stale_initrd(a, "/boot/initramfs-", "kdump.img", p) ||
				  stale_initrd(a, "/boot/initramfs-", "kdump.img", m)))
		audit_add(a, IOH_AUDIT_WARNING, "kdump.hook",
			  "the kdump initramfs (/boot/initramfs-RELEASEkdump.img) was built before "
			  "the hooks were installed: it does not carry them",
			  ev, "kdumpctl rebuild; kdumpctl restart");
	else if (hp && hm && added)
		audit_add(a, IOH_AUDIT_INFO, "kdump.hook",
			  "the iommu-handover capture hooks are installed (kdump-utils)", ev, "");
	else
		audit_add(a, IOH_AUDIT_WARNING, "kdump.hook",
			  "the iommu-handover capture hooks are not (fully) installed: a crash is "
			  "dumped but its IOMMU handover is not reported",
			  ev,
			  "make install (see docs/kdump.md), add 'dracut_args --add iommu-handover' "
			  "to " FED_CONF ", then kdumpctl rebuild; kdumpctl restart");
	free(dargs);
	free(ev);
}

/*
 * A configuration file's text; "" (defaults apply) with a warning when it
 * exists but cannot be read; NULL when it does not exist.
 */
static char *read_config(struct ioh_audit *a, const char *path)
{
	char *t = audit_slurp(a, path, 1u << 20), *ev;

	if (t || !audit_exists(a, path))
		return t;
	ev = audit_fmt(a, "%s: %s", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	audit_add(a, IOH_AUDIT_WARNING, "kdump.config",
		  "a kdump configuration file cannot be read: its defaults are assumed", ev,
		  "make it a readable text file (run check as root)");
	free(ev);
	t = strdup("");
	if (!t)
		a->nomem = true;
	return t;
}

void audit_check_kdump(struct ioh_audit *a)
{
	struct capture c = { 0 };
	char *deb, *sysconf, *kconf;

	if (!a->facts.prod_cmdline) {
		a->nomem = true;
		return;
	}
	deb = read_config(a, DEB_DEFAULTS);
	sysconf = read_config(a, FED_SYSCONFIG);
	kconf = read_config(a, FED_CONF);

	c.fl = deb ? FL_DEBIAN : (sysconf || kconf) ? FL_FEDORA : FL_NONE;
	check_reservation(a);
	check_loaded(a, &c);
	if (c.fl == FL_DEBIAN)
		capture_debian(a, &c, deb);
	else if (c.fl == FL_FEDORA)
		capture_fedora(a, &c, sysconf, kconf);
	if (c.fl == FL_NONE) {
		audit_add(a, IOH_AUDIT_WARNING, "kdump.config",
			  "no kdump configuration found: the capture kernel's command line and "
			  "dump level are unknown",
			  DEB_DEFAULTS ", " FED_SYSCONFIG " and " FED_CONF " are all missing",
			  "Debian: apt install kdump-tools; Fedora/RHEL: dnf install kdump-utils");
	} else if (c.cmdline && c.collector && c.source) {
		check_reset_devices(a, &c);
		check_capture_mode(a, &c);
		check_dump_level(a, &c);
		if (c.fl == FL_DEBIAN)
			check_hooks_debian(a);
		else
			check_hooks_fedora(a, kconf);
	} else {
		a->nomem = true;
	}
	free(c.cmdline);
	free(c.source);
	free(c.collector);
	free(deb);
	free(sysconf);
	free(kconf);
}
