/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit's parsers, and runs against small trees built here. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ioh/audit.h>

#include "audit-int.h"
#include "harness.h"

TEST(audit_iommu_opts_last_wins)
{
	struct ioh_audit_iommu_opts o;

	ioh_audit_parse_iommu_opts("ro quiet intel_iommu=on,sm_on intel_iommu=sm_off", &o);
	CHECK_EQ(o.enabled, 1);
	CHECK_EQ(o.scalable, 0);
	CHECK_EQ(o.passthrough, -1);
	CHECK(!o.igfx_off);

	ioh_audit_parse_iommu_opts("intel_iommu=igfx_off iommu=pt iommu=off", &o);
	CHECK_EQ(o.enabled, 0);
	CHECK_EQ(o.scalable, -1);
	CHECK_EQ(o.passthrough, 1);
	CHECK(o.igfx_off);

	ioh_audit_parse_iommu_opts("iommu.passthrough=1 iommu.passthrough=0", &o);
	CHECK_EQ(o.passthrough, 0);
}

TEST(audit_iommu_opts_not_fooled)
{
	struct ioh_audit_iommu_opts o;

	/* Look-alike words and quoted values are not options. */
	ioh_audit_parse_iommu_opts("my_intel_iommu=off xintel_iommu=off intel_iommu_x=off "
				   "foo=\"intel_iommu=off\"",
				   &o);
	CHECK_EQ(o.enabled, -1);
	ioh_audit_parse_iommu_opts(NULL, &o);
	CHECK_EQ(o.enabled, -1);
	ioh_audit_parse_iommu_opts("intel_iommu= intel_iommu=,,, iommu=", &o);
	CHECK_EQ(o.enabled, -1);
	CHECK_EQ(o.scalable, -1);
}

TEST(audit_cmdline_has)
{
	CHECK(ioh_audit_cmdline_has("a reset_devices b", "reset_devices"));
	CHECK(ioh_audit_cmdline_has("crashkernel=256M", "crashkernel"));
	CHECK(!ioh_audit_cmdline_has("noreset_devices reset_devices_x", "reset_devices"));
	CHECK(!ioh_audit_cmdline_has("x=\"a reset_devices\"", "reset_devices"));
	CHECK(!ioh_audit_cmdline_has("", "reset_devices"));
}

TEST(audit_dump_level)
{
	CHECK_EQ(ioh_audit_dump_level("-F -c -d 31"), 31);
	CHECK_EQ(ioh_audit_dump_level("makedumpfile -l --message-level 7 -d 31"), 31);
	CHECK_EQ(ioh_audit_dump_level("-d1"), 1);
	CHECK_EQ(ioh_audit_dump_level("--dump-level=17"), 17);
	CHECK_EQ(ioh_audit_dump_level("--dump-level 0"), 0);
	CHECK_EQ(ioh_audit_dump_level("-c -F"), -1);
	CHECK_EQ(ioh_audit_dump_level("-d 32"), -2);
	CHECK_EQ(ioh_audit_dump_level("-d x"), -2);
	CHECK_EQ(ioh_audit_dump_level("-d"), -2);
	CHECK_EQ(ioh_audit_dump_level("-d 999999999999"), -2);
	/* --message-level 7 is not a dump level */
	CHECK_EQ(ioh_audit_dump_level("--message-level 7"), -1);
}

TEST(audit_shell_var)
{
	const char *t = "# KDUMP_COREDIR=/commented\n"
			"KDUMP_COREDIR=\"/var/crash\"\n"
			"export MAKEDUMP_ARGS='-c -d 31'  # trailing\n"
			"  KDUMP_CMDLINE_APPEND=\"a \\\"b\\\" c\"\n"
			"X=1\nX=2\n"
			"EMPTY=\n";
	char *v;

	v = audit_shell_var(t, "KDUMP_COREDIR");
	CHECK_STREQ(v, "/var/crash");
	free(v);
	v = audit_shell_var(t, "MAKEDUMP_ARGS");
	CHECK_STREQ(v, "-c -d 31");
	free(v);
	v = audit_shell_var(t, "KDUMP_CMDLINE_APPEND");
	CHECK_STREQ(v, "a \"b\" c");
	free(v);
	v = audit_shell_var(t, "X");
	CHECK_STREQ(v, "2");
	free(v);
	v = audit_shell_var(t, "EMPTY");
	CHECK_STREQ(v, "");
	free(v);
	CHECK(audit_shell_var(t, "KDUMP") == NULL);
	CHECK(audit_shell_var(t, "NOPE") == NULL);
}

TEST(audit_directive_and_kconfig)
{
	const char *conf = "#core_collector cp\ncore_collector makedumpfile -d 1 # was 31\n"
			   "dracut_args --add iommu-handover\ncore_collector_x y\n";
	const char *cfg = "CONFIG_CRASH_DUMP=y\n# CONFIG_IOMMU_DEBUGFS is not set\n"
			  "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y\nCONFIG_FOO=m";
	char *v;

	v = audit_directive(conf, "core_collector");
	CHECK_STREQ(v, "makedumpfile -d 1");
	free(v);
	CHECK(audit_directive(conf, "path") == NULL);
	CHECK_EQ(audit_kconfig(cfg, "CRASH_DUMP"), 'y');
	CHECK_EQ(audit_kconfig(cfg, "IOMMU_DEBUGFS"), 'n');
	/* a prefix of a longer name is not the option */
	CHECK_EQ(audit_kconfig(cfg, "INTEL_IOMMU_DEFAULT_ON"), 0);
	CHECK_EQ(audit_kconfig(cfg, "FOO"), 'm');
	CHECK_EQ(audit_kconfig(cfg, "PROC_VMCORE"), 0);
}

static void put(const char *root, const char *rel, const char *text)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	CHECK(system(cmd) == 0);
	f = fopen(p, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static const struct ioh_audit_finding *find(const ioh_audit *a, const char *id)
{
	for (size_t i = 0; i < ioh_audit_count(a); i++)
		if (!strcmp(ioh_audit_get(a, i)->id, id))
			return ioh_audit_get(a, i);
	return NULL;
}

TEST(audit_run_minimal_tree)
{
	const char *root = ioh_test_tmp("audit-min");
	const struct ioh_audit_finding *f;
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_audit *a;

	put(root, "/proc/cmdline", "ro crashkernel=256M\n");
	put(root, "/sys/kernel/kexec_crash_size", "268435456\n");
	put(root, "/sys/kernel/kexec_crash_loaded", "1\n");
	CHECK_EQ(ioh_audit_new(ctx, root, &a), IOH_OK);
	CHECK_EQ(ioh_audit_set_release(a, "1.2.3"), IOH_OK);
	CHECK_EQ(ioh_audit_set_release(a, "../x"), IOH_ERR_INVALID);
	CHECK_EQ(ioh_audit_run(a), IOH_OK);
	f = find(a, "kdump.crashkernel");
	CHECK(f && f->severity == IOH_AUDIT_INFO);
	CHECK_CONTAINS(f->summary, "256 MiB");
	f = find(a, "kernel.config");
	CHECK(f && f->severity == IOH_AUDIT_WARNING);
	CHECK_CONTAINS(f->evidence, "/boot/config-1.2.3");
	CHECK(find(a, "kdump.config") != NULL);
	CHECK_EQ(ioh_audit_worst(a), IOH_AUDIT_WARNING);
	CHECK(ioh_audit_get(a, ioh_audit_count(a)) == NULL);
	/* a second run replaces, not appends */
	size_t n = ioh_audit_count(a);
	CHECK_EQ(ioh_audit_run(a), IOH_OK);
	CHECK_EQ(ioh_audit_count(a), n);
	ioh_audit_free(a);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(audit_hostile_files, 10)
{
	const char *root = ioh_test_tmp("audit-hostile");
	char p[512];
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_audit *a;
	int fd;

	/* a FIFO must not block, a huge file must not be read whole, NULs are not text */
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/cmdline", root);
	unlink(p);
	CHECK(mkfifo(p, 0600) == 0);
	put(root, "/etc/default/kdump-tools", "");
	snprintf(p, sizeof(p), "%s/etc/default/kdump-tools", root);
	fd = open(p, O_WRONLY);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 64 << 20) == 0); /* sparse 64 MiB */
	close(fd);
	put(root, "/sys/kernel/kexec_crash_loaded", "");
	snprintf(p, sizeof(p), "%s/sys/kernel/kexec_crash_size", root);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "12\0" "34", 5) == 5);
	close(fd);

	CHECK_EQ(ioh_audit_new(ctx, root, &a), IOH_OK);
	CHECK_EQ(ioh_audit_run(a), IOH_OK);
	/* the oversized file was refused, and said so */
	CHECK(find(a, "kdump.config") != NULL);
	CHECK_CONTAINS(find(a, "kdump.config")->evidence, "larger than 1 MiB");
	CHECK(find(a, "kdump.crashkernel")->severity == IOH_AUDIT_ERROR);
	CHECK_EQ(ioh_audit_worst(a), IOH_AUDIT_ERROR);
	ioh_audit_free(a);

	CHECK_EQ(ioh_audit_new(ctx, "/nonexistent-ioh-root", &a), IOH_OK);
	CHECK_EQ(ioh_audit_run(a), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "audit: root");
	ioh_audit_free(a);
	ioh_ctx_free(ctx);
}

TEST(audit_severity_names)
{
	CHECK_STREQ(ioh_audit_severity_name(IOH_AUDIT_INFO), "info");
	CHECK_STREQ(ioh_audit_severity_name(IOH_AUDIT_WARNING), "warning");
	CHECK_STREQ(ioh_audit_severity_name(IOH_AUDIT_ERROR), "error");
	CHECK_STREQ(ioh_audit_severity_name((enum ioh_audit_severity)7), "unknown");
}
