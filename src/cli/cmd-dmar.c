/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover dmar: print a parsed ACPI DMAR table. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ioh/evidence.h>

#include "cli.h"
#include "json.h"

#define CMD "dmar"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s " CMD " [OPTIONS] [FILE]\n"
		"Parse an ACPI DMAR table (default SYSFS/firmware/acpi/tables/DMAR; '-' is stdin)\n"
		"and print its remapping units, reserved regions and device scopes.\n\n"
		"Options:\n"
		"      --sysfs-root DIR  sysfs mount point (default /sys)\n"
		"  -j, --json      JSON output\n"
		"  -s, --strict    a bad checksum is an error (default: reported, exit 2)\n"
		"  -h, --help      this help\n\n"
		"Exit status: 0 valid, 2 parsed but the checksum is wrong, 1 unreadable or malformed.\n",
		cli_prog);
}

/* "00:1f.2"-style text of a scope: the BDF when the path is one hop, else the path. */
static void scope_target(const struct ioh_dmar_scope *sc, uint16_t seg, char *buf, size_t n)
{
	size_t o;

	if (sc->type == IOH_DMAR_SCOPE_IOAPIC || sc->type == IOH_DMAR_SCOPE_HPET ||
	    sc->type == IOH_DMAR_SCOPE_NAMESPACE) {
		o = (size_t)snprintf(buf, n, "id %u bus 0x%02x", sc->enum_id, sc->start_bus);
		for (unsigned i = 0; i < sc->npath && o < n; i++)
			o += (size_t)snprintf(buf + o, n - o, " %02x.%x", sc->path[i].dev,
					      sc->path[i].fn);
		return;
	}
	if (sc->npath == 1) {
		snprintf(buf, n, "%04x:%02x:%02x.%x", seg, sc->start_bus, sc->path[0].dev,
			 sc->path[0].fn);
		return;
	}
	o = (size_t)snprintf(buf, n, "bus 0x%02x path", sc->start_bus);
	for (unsigned i = 0; i < sc->npath && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, " %02x.%x", sc->path[i].dev, sc->path[i].fn);
	if (sc->path_truncated && o < n)
		snprintf(buf + o, n - o, " ...");
}

static void write_text(const struct ioh_dmar_table *t, FILE *f)
{
	fprintf(f, "DMAR revision %u, length %u, checksum 0x%02x (%s)\n", t->revision, t->length,
		t->checksum, t->checksum_ok ? "ok" : "BAD");
	fprintf(f, "OEM '%s' table '%s' revision %u, creator '%s' revision %u\n", t->oem_id,
		t->oem_table_id, t->oem_revision, t->creator_id, t->creator_revision);
	fprintf(f, "host address width %u, flags 0x%02x%s%s%s\n", t->haw, t->flags,
		t->flags & 1 ? " INTR_REMAP" : "", t->flags & 2 ? " X2APIC_OPT_OUT" : "",
		t->flags & 4 ? " DMA_CTRL_PLATFORM_OPT_IN" : "");
	for (unsigned i = 0; i < t->nstructs; i++) {
		const struct ioh_dmar_struct *s = &t->structs[i];

		fprintf(f, "%s at offset %u, length %u", ioh_dmar_struct_name(s->type), s->offset,
			s->length);
		switch (s->type) {
		case IOH_DMAR_DRHD:
			fprintf(f, ": base 0x%" PRIx64 ", segment %u, flags 0x%02x%s", s->base,
				s->segment, s->flags, s->flags & 1 ? " INCLUDE_PCI_ALL" : "");
			break;
		case IOH_DMAR_RMRR:
			fprintf(f, ": 0x%" PRIx64 "-0x%" PRIx64 ", segment %u", s->base, s->limit,
				s->segment);
			break;
		case IOH_DMAR_ATSR:
		case IOH_DMAR_SATC:
			fprintf(f, ": segment %u, flags 0x%02x", s->segment, s->flags);
			break;
		case IOH_DMAR_RHSA:
			fprintf(f, ": base 0x%" PRIx64 ", proximity domain %u", s->base, s->proximity);
			break;
		default:
			if (s->type > IOH_DMAR_SIDP)
				fprintf(f, " (type %u)", s->type);
			break;
		}
		fputc('\n', f);
		for (unsigned j = 0; j < s->nscopes; j++) {
			char tgt[128];

			scope_target(&s->scopes[j], s->segment, tgt, sizeof(tgt));
			fprintf(f, "  scope %s %s\n", ioh_dmar_scope_name(s->scopes[j].type), tgt);
		}
	}
}

static void write_json(const struct ioh_dmar_table *t, FILE *f)
{
	struct ioh_json j;

	ioh_json_init(&j, f, true);
	ioh_json_obj_begin(&j);
	ioh_json_ku64(&j, "revision", t->revision);
	ioh_json_ku64(&j, "length", t->length);
	ioh_json_khex(&j, "checksum", t->checksum);
	ioh_json_kbool(&j, "checksum_ok", t->checksum_ok);
	ioh_json_kstr(&j, "oem_id", t->oem_id);
	ioh_json_kstr(&j, "oem_table_id", t->oem_table_id);
	ioh_json_ku64(&j, "oem_revision", t->oem_revision);
	ioh_json_kstr(&j, "creator_id", t->creator_id);
	ioh_json_ku64(&j, "creator_revision", t->creator_revision);
	ioh_json_ku64(&j, "haw", t->haw);
	ioh_json_khex(&j, "flags", t->flags);
	ioh_json_key(&j, "structures");
	ioh_json_arr_begin(&j);
	for (unsigned i = 0; i < t->nstructs; i++) {
		const struct ioh_dmar_struct *s = &t->structs[i];

		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "type", ioh_dmar_struct_name(s->type));
		ioh_json_ku64(&j, "type_code", s->type);
		ioh_json_ku64(&j, "offset", s->offset);
		ioh_json_ku64(&j, "length", s->length);
		ioh_json_ku64(&j, "segment", s->segment);
		ioh_json_khex(&j, "flags", s->flags);
		if (s->type == IOH_DMAR_DRHD || s->type == IOH_DMAR_RMRR || s->type == IOH_DMAR_RHSA)
			ioh_json_khex(&j, "base", s->base);
		if (s->type == IOH_DMAR_RMRR)
			ioh_json_khex(&j, "limit", s->limit);
		ioh_json_key(&j, "scopes");
		ioh_json_arr_begin(&j);
		for (unsigned k = 0; k < s->nscopes; k++) {
			const struct ioh_dmar_scope *sc = &s->scopes[k];

			ioh_json_obj_begin(&j);
			ioh_json_kstr(&j, "type", ioh_dmar_scope_name(sc->type));
			ioh_json_ku64(&j, "enum_id", sc->enum_id);
			ioh_json_ku64(&j, "start_bus", sc->start_bus);
			ioh_json_key(&j, "path");
			ioh_json_arr_begin(&j);
			for (unsigned p = 0; p < sc->npath; p++) {
				char hop[8];

				snprintf(hop, sizeof(hop), "%02x.%x", sc->path[p].dev, sc->path[p].fn);
				ioh_json_str(&j, hop);
			}
			ioh_json_arr_end(&j);
			if (sc->npath == 1 && sc->path[0].dev < 32 && sc->path[0].fn < 8 &&
			    (sc->type == IOH_DMAR_SCOPE_ENDPOINT || sc->type == IOH_DMAR_SCOPE_BRIDGE)) {
				struct ioh_bdf b = { s->segment, sc->start_bus,
						     (uint8_t)(sc->path[0].dev << 3 | sc->path[0].fn) };
				char bdf[IOH_BDF_STRLEN];

				ioh_json_kstr(&j, "bdf", ioh_bdf_str(b, bdf));
			}
			ioh_json_obj_end(&j);
		}
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}

static int run_dmar(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "sysfs-root", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, strict = false;
	const char *path = NULL, *sysfs = "/sys";
	char deflt[4096];
	struct ioh_dmar_table *t;
	ioh_ctx *ctx;
	int c, rc;

	while ((c = getopt_long(argc, argv, "jsh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': strict = true; break;
		case 'S': sysfs = optarg; break;
		case 'h': usage(stdout); return CLI_OK;
		default: return cli_usage_error(CMD);
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (!path) {
		snprintf(deflt, sizeof(deflt), "%s/firmware/acpi/tables/DMAR", sysfs);
		path = deflt;
	}
	if (optind < argc) {
		cli_err(CMD, "one table at a time");
		return cli_usage_error(CMD);
	}
	ctx = cli_ctx_new(0);
	if (!ctx)
		return CLI_ERROR;
	if (ioh_dmar_read_path(ctx, path, strict, &t)) {
		cli_err_ctx(CMD, ctx, NULL);
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	if (json)
		write_json(t, stdout);
	else
		write_text(t, stdout);
	rc = t->checksum_ok ? CLI_OK : CLI_PROBLEM;
	if (fflush(stdout) || ferror(stdout))
		rc = CLI_ERROR;
	ioh_dmar_free(t);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND(CMD, run_dmar, "parse an ACPI DMAR table (units, RMRR, ATSR, SATC, scopes)");
