// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the NVRAM region.
 *
 * The region is found on the command line (lcrt.nvram=SIZE@ADDR), in a
 * device-tree reserved-memory node compatible with "linux,lcrt", or in the
 * Kconfig defaults, in that order. It is cut into slots of the record
 * budget; each slot holds one record or nothing. A record is written body
 * first and committed by its magic, so a power cut during the write leaves
 * the slot invalid and every other slot as it was.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/memblock.h>
#include <linux/moduleparam.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/string.h>

#include "lcrt.h"

static unsigned int record_size = CONFIG_LCRT_RECORD_SIZE;
module_param(record_size, uint, 0400);
MODULE_PARM_DESC(record_size, "byte budget of one record (slot size)");

/* The byte budget of one record, which is also the size of a slot. */
static size_t lcrt_record_budget(void)
{
	return clamp_t(size_t, record_size, LCRT_MIN_RECORD_SIZE,
		       LCRT_MAX_RECORD_SIZE);
}

static phys_addr_t lcrt_base;
static size_t lcrt_size;
static bool lcrt_from_cmdline;
static u8 *lcrt_mem;
static size_t lcrt_slot_size;
static unsigned int lcrt_nslots;
static unsigned int lcrt_next_slot;
static u64 lcrt_next_seq = 1;

/*
 * lcrt.nvram=SIZE@ADDR is an early parameter so that the region can be
 * reserved from the page allocator before memblock hands memory out.
 */
static int __init lcrt_parse_nvram(char *arg)
{
	unsigned long long size, base;
	char *p = arg;

	if (!arg)
		return -EINVAL;
	size = memparse(p, &p);
	if (*p != '@' || !size) {
		pr_err("lcrt.nvram=%s: expected SIZE@ADDR\n", arg);
		return -EINVAL;
	}
	base = memparse(p + 1, &p);
	if (*p) {
		pr_err("lcrt.nvram=%s: expected SIZE@ADDR\n", arg);
		return -EINVAL;
	}
	lcrt_base = base;
	lcrt_size = size;
	lcrt_from_cmdline = true;
	/* Harmless where the region is not RAM; vital where it is. */
	memblock_reserve(base, size);
	return 0;
}
early_param("lcrt.nvram", lcrt_parse_nvram);

static int __init lcrt_find_region(void)
{
	struct device_node *np;
	struct resource res;
	int ret;

	if (lcrt_from_cmdline)
		return 0;
	np = of_find_compatible_node(NULL, NULL, "linux,lcrt");
	if (np) {
		ret = of_address_to_resource(np, 0, &res);
		if (ret)
			pr_err("%pOF: no usable reg\n", np);
		of_node_put(np);
		if (ret)
			return ret;
		lcrt_base = res.start;
		lcrt_size = resource_size(&res);
		return 0;
	}
	lcrt_base = CONFIG_LCRT_NVRAM_BASE;
	lcrt_size = CONFIG_LCRT_NVRAM_SIZE;
	return lcrt_size ? 0 : -ENODEV;
}

int __init lcrt_store_init(void)
{
	struct lcrt_slot_info info;
	int ret;

	ret = lcrt_find_region();
	if (ret) {
		pr_info("no NVRAM region configured, not armed\n");
		return ret;
	}
	lcrt_slot_size = min(lcrt_record_budget(), lcrt_size);
	lcrt_slot_size = round_down(lcrt_slot_size, 8);
	if (lcrt_slot_size < LCRT_MIN_RECORD_SIZE) {
		pr_err("region of %zu bytes is too small\n", lcrt_size);
		return -ENOSPC;
	}
	lcrt_nslots = min_t(size_t, lcrt_size / lcrt_slot_size, U16_MAX);
	lcrt_mem = memremap(lcrt_base, lcrt_size, MEMREMAP_WB);
	if (!lcrt_mem) {
		pr_err("cannot map %pa+%zu\n", &lcrt_base, lcrt_size);
		return -ENOMEM;
	}

	lcrt_store_scan(&info);
	if (info.newest >= 0) {
		const struct lcrt_record_header *h = lcrt_store_slot(info.newest);

		lcrt_next_seq = le64_to_cpu(h->seq) + 1;
		lcrt_next_slot = (info.newest + 1) % lcrt_nslots;
	}
	pr_info("NVRAM %pa+%zu: %u slots of %zu bytes, %u records, %u corrupt\n",
		&lcrt_base, lcrt_size, lcrt_nslots, lcrt_slot_size, info.valid,
		info.corrupt);
	return 0;
}

bool lcrt_store_ready(void)
{
	return lcrt_mem;
}

NOKPROBE_SYMBOL(lcrt_store_ready);

phys_addr_t lcrt_store_base(void)
{
	return lcrt_base;
}

size_t lcrt_store_size(void)
{
	return lcrt_size;
}

size_t lcrt_store_slot_size(void)
{
	return lcrt_slot_size;
}

NOKPROBE_SYMBOL(lcrt_store_slot_size);

unsigned int lcrt_store_slots(void)
{
	return lcrt_nslots;
}

u64 lcrt_store_next_seq(void)
{
	return lcrt_next_seq;
}

NOKPROBE_SYMBOL(lcrt_store_next_seq);

void *lcrt_store_slot(unsigned int i)
{
	return lcrt_mem + (size_t)i * lcrt_slot_size;
}

NOKPROBE_SYMBOL(lcrt_store_slot);

/* Look at every slot: how many hold records, and which is the newest. */
void lcrt_store_scan(struct lcrt_slot_info *info)
{
	u64 newest_seq = 0, corrupt_seq = 0;
	unsigned int i;

	memset(info, 0, sizeof(*info));
	info->newest = -1;
	info->newest_corrupt = -1;
	for (i = 0; i < lcrt_nslots; i++) {
		const struct lcrt_record_header *h = lcrt_store_slot(i);
		int ret = lcrt_record_check(h, lcrt_slot_size);
		u64 seq = le64_to_cpu(h->seq);

		if (ret == -ENODATA) {
			info->empty++;
		} else if (ret) {
			info->corrupt++;
			if (info->newest_corrupt < 0 || seq > corrupt_seq) {
				info->newest_corrupt = i;
				info->newest_err = ret;
				corrupt_seq = seq;
			}
		} else {
			info->valid++;
			if (info->newest < 0 || seq > newest_seq) {
				info->newest = i;
				newest_seq = seq;
			}
		}
	}
	/* A corrupt slot only matters to the reader if it is the latest. */
	if (info->newest >= 0 && info->newest_corrupt >= 0 &&
	    corrupt_seq <= newest_seq)
		info->newest_corrupt = -1;
}

/*
 * Write a sealed record into the next slot, or over the record in @slot
 * (the same crash, told again): everything but the magic, then the magic.
 * Returns the slot. Panic context: no locks, no allocation.
 */
int lcrt_store_commit(int slot, const void *rec, size_t len)
{
	bool next = slot < 0;
	u8 *p;

	if (!lcrt_mem || len > lcrt_slot_size || len < sizeof(u32) ||
	    slot >= (int)lcrt_nslots)
		return -EINVAL;
	if (next)
		slot = lcrt_next_slot;
	p = lcrt_store_slot(slot);
	WRITE_ONCE(*(u32 *)p, 0);
	/* The slot is invalid before any of its old body is overwritten. */
	wmb();
	memcpy(p + sizeof(u32), rec + sizeof(u32), len - sizeof(u32));
	memset(p + len, 0, lcrt_slot_size - len);
	/* The whole body is in memory before the magic commits it. */
	wmb();
	WRITE_ONCE(*(__le32 *)p, cpu_to_le32(LCRT_MAGIC));
	/* The commit is out before anything that follows the capture. */
	wmb();
	if (next) {
		lcrt_next_slot = (lcrt_next_slot + 1) % lcrt_nslots;
		lcrt_next_seq++;
	}
	return slot;
}

NOKPROBE_SYMBOL(lcrt_store_commit);

/* Erase every slot. The sequence goes on, so numbers are never reused. */
void lcrt_store_clear(void)
{
	unsigned int i;

	if (!lcrt_mem)
		return;
	for (i = 0; i < lcrt_nslots; i++) {
		WRITE_ONCE(*(u32 *)lcrt_store_slot(i), 0);
		/* Invalid first, so that a cut mid-way leaves no half record. */
		wmb();
		memset(lcrt_store_slot(i), 0, lcrt_slot_size);
	}
	/* Erased before the writer of the next record sees the slots. */
	wmb();
	lcrt_next_slot = 0;
}
