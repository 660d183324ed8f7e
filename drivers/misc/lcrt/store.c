// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the NVRAM region.
 *
 * The region is found on the command line (lcrt.nvram=SIZE@ADDR), in a
 * device-tree reserved-memory node compatible with "linux,lcrt", or in the
 * Kconfig defaults, in that order. It starts with two copies of a region
 * header (geometry, persistent sequence, boot count, records dropped) and
 * is cut into slots of the record budget after them; each slot holds one
 * record, a torn record, or nothing (include/uapi/linux/lcrt.h).
 *
 * Every write reaches the medium in the order the format needs: a record is
 * marked pending, written, then committed by its magic; a header copy is
 * written whole over the older copy. A cut at any byte leaves every other
 * record as it was, and the one being written reads as torn, never as empty.
 *
 * The region is mapped write-combined by default (lcrt.mapping=wc): stores
 * bypass the caches and a write barrier drains them to memory in order. A
 * write-back mapping (lcrt.mapping=wb) cleans the written lines to the point
 * of coherency after every step (lcrt_arch_clean()).
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/atomic.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "lcrt.h"

#define RHDR_SIZE sizeof(struct lcrt_region_header)
static_assert(sizeof(struct lcrt_region_header) <= LCRT_REGION_HDR_SIZE);
static_assert(2 * LCRT_REGION_HDR_SIZE <= LCRT_REGION_SLOTS);

static unsigned int record_size = CONFIG_LCRT_RECORD_SIZE;
module_param(record_size, uint, 0400);
MODULE_PARM_DESC(record_size, "byte budget of one record (slot size)");

static char *ring = IS_ENABLED(CONFIG_LCRT_RING_OVERWRITE) ? "overwrite" :
		    "keep";
module_param(ring, charp, 0400);
MODULE_PARM_DESC(ring, "when full: keep (the first records) or overwrite (the oldest)");

static char *mapping = IS_ENABLED(CONFIG_LCRT_MAP_WB) ? "wb" : "wc";
module_param(mapping, charp, 0400);
MODULE_PARM_DESC(mapping, "map the region wc (write-combined) or wb (write-back)");

static phys_addr_t lcrt_base;
static size_t lcrt_size;
static bool lcrt_from_cmdline;
static bool lcrt_early;		/* armed before initcalls */
static bool lcrt_early_fixmap;	/* ... with early_memremap() */
static struct lcrt_region lcrt_nvram;
static unsigned long lcrt_user_flags;	/* of the one user holder */
static struct lcrt_owner lcrt_owner = {
	.owner = ATOMIC_INIT(LCRT_NO_OWNER),
};

static void __init lcrt_arm_early(bool final);

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
	if (lcrt_from_cmdline) {
		pr_err("lcrt.nvram=%s: the region is given already\n", arg);
		return -EINVAL;
	}
	lcrt_base = base;
	lcrt_size = size;
	lcrt_from_cmdline = true;
	/* Harmless where the region is not RAM; vital where it is. */
	memblock_reserve(base, size);
	/* In setup_arch(): armed now where a fixmap outlives paging_init(). */
	lcrt_arm_early(false);
	return 0;
}
early_param("lcrt.nvram", lcrt_parse_nvram);

/*
 * The same parameter again, as start_kernel() parses the command line
 * after setup_arch(), for a region not armed yet (32-bit arm): the page
 * tables are final, so the mapping made here lasts until lcrt_store_init()
 * replaces it. Not in sysfs: only at boot, which is what makes calling
 * __init code from here right.
 */
static int __ref lcrt_param_nvram(const char *val,
				  const struct kernel_param *kp)
{
	if (system_state == SYSTEM_BOOTING && lcrt_from_cmdline && !lcrt_early)
		lcrt_arm_early(true);
	return 0;
}

static const struct kernel_param_ops lcrt_nvram_ops = {
	.set = lcrt_param_nvram,
};

module_param_cb(nvram, &lcrt_nvram_ops, NULL, 0);
MODULE_PARM_DESC(nvram, "the region, SIZE@ADDR");

/* Model a power cut for tests: only r->cut more bytes reach the medium. */
static void lcrt_region_put(struct lcrt_region *r, size_t off, const void *src,
			    size_t len)
{
	size_t n = min(len, r->cut);

	if (src)
		memcpy(r->mem + off, src, n);
	else
		memset(r->mem + off, 0, n);
	r->cut -= n;
}

NOKPROBE_SYMBOL(lcrt_region_put);

/* What was put reaches the medium before anything put after it. */
static void lcrt_region_sync(struct lcrt_region *r, size_t off, size_t len)
{
	if (r->wb)
		lcrt_arch_clean(r->mem + off, r->phys + off, len);
	/* Drains write-combining buffers: what follows is written after. */
	wmb();
}

NOKPROBE_SYMBOL(lcrt_region_sync);

/*
 * One aligned 32-bit store, which reaches the medium whole or not at all:
 * a cut sees the old word or the new one.
 */
static void lcrt_region_put32(struct lcrt_region *r, size_t off, u32 v)
{
	if (r->cut >= sizeof(u32)) {
		WRITE_ONCE(*(__le32 *)(r->mem + off), cpu_to_le32(v));
		r->cut -= sizeof(u32);
	} else {
		r->cut = 0;
	}
	lcrt_region_sync(r, off, sizeof(u32));
}

NOKPROBE_SYMBOL(lcrt_region_put32);

static size_t lcrt_slot_off(const struct lcrt_region *r, unsigned int i)
{
	return LCRT_REGION_SLOTS + (size_t)i * r->slot_size;
}

NOKPROBE_SYMBOL(lcrt_slot_off);

void *lcrt_region_slot_ptr(const struct lcrt_region *r, unsigned int i)
{
	return r->mem + lcrt_slot_off(r, i);
}

NOKPROBE_SYMBOL(lcrt_region_slot_ptr);

static bool lcrt_rhdr_valid(const struct lcrt_region_header *h)
{
	size_t hsize = le16_to_cpu(h->header_size);

	return le32_to_cpu(h->magic) == LCRT_REGION_MAGIC &&
	       LCRT_VERSION_MAJOR(le16_to_cpu(h->version)) ==
	       LCRT_VERSION_MAJOR(LCRT_REGION_VERSION) &&
	       hsize >= RHDR_SIZE && hsize <= LCRT_REGION_HDR_SIZE &&
	       le64_to_cpu(h->generation) < U64_MAX &&
	       ~crc32_le(~0, (const u8 *)h + LCRT_CRC_OFFSET,
			 hsize - LCRT_CRC_OFFSET) == le32_to_cpu(h->crc32);
}

/*
 * The valid header copy with the higher generation, or NULL; r->hdr says
 * which copy it is, and the next write goes to the other.
 */
static const struct lcrt_region_header *
lcrt_rhdr_pick(struct lcrt_region *r)
{
	const struct lcrt_region_header *a = (const void *)r->mem;
	const struct lcrt_region_header *b = (const void *)(r->mem +
							    LCRT_REGION_HDR_SIZE);
	bool va = lcrt_rhdr_valid(a), vb = lcrt_rhdr_valid(b);

	r->hdr = vb && (!va || le64_to_cpu(b->generation) >
			le64_to_cpu(a->generation));
	if (!va && !vb)
		return NULL;
	return r->hdr ? b : a;
}

/* Write the header over the copy not in use: a cut leaves the other. */
static void lcrt_region_write_header(struct lcrt_region *r)
{
	struct lcrt_region_header h = {
		.magic = cpu_to_le32(LCRT_REGION_MAGIC),
		.version = cpu_to_le16(LCRT_REGION_VERSION),
		.header_size = cpu_to_le16(RHDR_SIZE),
		.slot_size = cpu_to_le32(r->slot_size),
		.nslots = cpu_to_le32(r->nslots),
		.policy = r->policy,
		.generation = cpu_to_le64(min(r->generation + 1, U64_MAX - 1)),
		.next_seq = cpu_to_le64(r->next_seq),
		.boot_count = cpu_to_le64(r->boot_count),
		.dropped = cpu_to_le64(r->dropped),
	};
	size_t off;

	r->hdr = !r->hdr;
	off = r->hdr * LCRT_REGION_HDR_SIZE;
	h.crc32 = cpu_to_le32(~crc32_le(~0, (const u8 *)&h + LCRT_CRC_OFFSET,
					RHDR_SIZE - LCRT_CRC_OFFSET));
	lcrt_region_put(r, off, &h, RHDR_SIZE);
	lcrt_region_sync(r, off, RHDR_SIZE);
	r->generation = le64_to_cpu(h.generation);
}

NOKPROBE_SYMBOL(lcrt_region_write_header);

/**
 * lcrt_region_state() - what a slot holds
 * @r: the region
 * @i: the slot
 * @deep: also check the record's sizes, CRC and sections (false: only its
 *	first word, as the capture does)
 * @seq: set to the record's sequence number (valid and torn records)
 * @err: set to why a corrupt slot is corrupt (-errno of lcrt_record_check)
 *
 * Context: any; reads only the slot.
 * Return: LCRT_SLOT_*.
 */
int lcrt_region_state(const struct lcrt_region *r, unsigned int i, bool deep,
		      u64 *seq, int *err)
{
	const struct lcrt_record_header *h = lcrt_region_slot_ptr(r, i);
	u32 magic = le32_to_cpu(READ_ONCE(h->magic));
	int ret;

	*seq = le64_to_cpu(h->seq);
	*err = 0;
	if (!magic)
		return LCRT_SLOT_EMPTY;
	if (magic == LCRT_MAGIC_PENDING)
		return LCRT_SLOT_TORN;
	if (magic != LCRT_MAGIC) {
		*seq = 0;
		*err = -ENODATA;
		return LCRT_SLOT_CORRUPT;
	}
	if (!deep)
		return LCRT_SLOT_VALID;
	ret = lcrt_record_check(h, r->slot_size);
	if (ret) {
		*err = ret;
		return LCRT_SLOT_CORRUPT;
	}
	return LCRT_SLOT_VALID;
}

NOKPROBE_SYMBOL(lcrt_region_state);

/**
 * lcrt_region_init() - take a region in use
 * @r: the region, zeroed but for @mem, @phys and @wb
 * @size: bytes of the region
 * @slot_size: the record budget this boot asks for
 * @policy: LCRT_RING_*
 * @boot: count a boot (false: the same boot takes the region again)
 *
 * A region whose header is valid and that holds any record keeps the slot
 * size its records were written with; an empty or new one takes
 * @slot_size. The sequence goes on from the header and from every record,
 * so that a number is never given twice.
 *
 * Return: 0, or -ENOSPC when not one slot fits.
 */
int lcrt_region_init(struct lcrt_region *r, size_t size, size_t slot_size,
		     u8 policy, bool boot)
{
	const struct lcrt_region_header *h;
	unsigned int i;
	bool any = false;
	u64 seq;
	int err;

	r->size = size;
	r->policy = policy;
	r->next_seq = 1;
	r->protect = -1;
	if (!r->cut)
		r->cut = SIZE_MAX;
	slot_size = round_down(slot_size, 8);
	h = size >= LCRT_REGION_SLOTS ? lcrt_rhdr_pick(r) : NULL;
	if (h) {
		r->generation = le64_to_cpu(h->generation);
		r->next_seq = max_t(u64, le64_to_cpu(h->next_seq), 1);
		r->boot_count = le64_to_cpu(h->boot_count);
		r->dropped = le64_to_cpu(h->dropped);
		r->slot_size = le32_to_cpu(h->slot_size);
		r->nslots = le32_to_cpu(h->nslots);
		if (r->slot_size >= LCRT_MIN_RECORD_SIZE &&
		    r->slot_size <= LCRT_MAX_RECORD_SIZE &&
		    !(r->slot_size % 8) && r->nslots && r->nslots <= U16_MAX &&
		    r->nslots <= (size - LCRT_REGION_SLOTS) / r->slot_size) {
			for (i = 0; i < r->nslots; i++)
				any |= lcrt_region_state(r, i, false, &seq,
							 &err) !=
				       LCRT_SLOT_EMPTY;
		}
		if (any && r->slot_size != slot_size)
			pr_notice("the region keeps its slot size %zu until it is cleared\n",
				  r->slot_size);
	}
	if (!any) {
		if (size < LCRT_REGION_SLOTS + slot_size ||
		    slot_size < LCRT_MIN_RECORD_SIZE)
			return -ENOSPC;
		r->slot_size = slot_size;
		r->nslots = min_t(size_t, (size - LCRT_REGION_SLOTS) / slot_size,
				  U16_MAX);
	}
	/* Numbers after every record; a torn one's seq may be half written. */
	for (i = 0; i < r->nslots; i++) {
		int st = lcrt_region_state(r, i, true, &seq, &err);

		if (st == LCRT_SLOT_TORN && seq > r->next_seq + r->nslots)
			continue;
		if ((st == LCRT_SLOT_VALID || st == LCRT_SLOT_TORN) &&
		    seq >= r->next_seq)
			r->next_seq = min(seq + 1, U64_MAX / 2);
	}
	r->boot_count += boot;
	r->dropped_saved = r->dropped;
	lcrt_region_write_header(r);
	return 0;
}

/* Where the next record goes, by the policy; *@drops: it replaces one. */
static unsigned int lcrt_region_pick(const struct lcrt_region *r, bool *drops)
{
	unsigned int i, garbage = UINT_MAX, newest = 0, oldest = 0;
	u64 hi = 0, lo = U64_MAX, seq;
	int err;

	*drops = false;
	for (i = 0; i < r->nslots; i++) {
		int st = lcrt_region_state(r, i, false, &seq, &err);

		if (st == LCRT_SLOT_EMPTY)
			return i;
		if (st == LCRT_SLOT_CORRUPT) {
			garbage = min(garbage, i);
			continue;
		}
		if (seq >= hi) {
			hi = seq;
			newest = i;
		}
		if (seq < lo) {
			lo = seq;
			oldest = i;
		}
	}
	if (garbage != UINT_MAX)
		return garbage;
	*drops = true;
	return r->policy == LCRT_RING_OVERWRITE ? oldest : newest;
}

NOKPROBE_SYMBOL(lcrt_region_pick);

/**
 * lcrt_region_begin() - mark the slot of the next record pending
 * @r: the region
 *
 * Before a capture unwinds: if it never ends (a fault, a hang, a reset),
 * the slot reads as torn and says the seq, rather than nothing. The slot
 * is an empty one, else one that holds no record, else the one the policy
 * picks, never r->protect; the record it held is counted dropped.
 *
 * Context: panic; no locks, no allocation. The caller owns the region.
 * Return: the slot, or -ENOSPC when the only candidate is r->protect.
 */
int lcrt_region_begin(struct lcrt_region *r)
{
	struct lcrt_record_header h = {
		.version = cpu_to_le16(LCRT_VERSION),
		.header_size = cpu_to_le16(sizeof(h)),
		.total_size = cpu_to_le32(sizeof(h)),
		.seq = cpu_to_le64(r->next_seq),
	};
	unsigned int slot;
	size_t off;
	bool drops;

	if (!r->mem || !r->nslots)
		return -EINVAL;
	slot = lcrt_region_pick(r, &drops);
	if ((int)slot == r->protect)
		return -ENOSPC;
	off = lcrt_slot_off(r, slot);
	lcrt_region_put32(r, off, LCRT_MAGIC_PENDING);
	lcrt_region_put(r, off + sizeof(u32), (u8 *)&h + sizeof(u32),
			sizeof(h) - sizeof(u32));
	lcrt_region_sync(r, off, sizeof(h));
	r->dropped += drops;
	return slot;
}

NOKPROBE_SYMBOL(lcrt_region_begin);

/*
 * Write the record over its pending mark: everything after the magic (and
 * zeroes up to @end), then the magic. Each step is out before the next.
 */
static void lcrt_region_write_body(struct lcrt_region *r, size_t off,
				   const void *rec, size_t len, size_t end)
{
	lcrt_region_put(r, off + sizeof(u32), rec + sizeof(u32),
			len - sizeof(u32));
	lcrt_region_put(r, off + len, NULL, end - off - len);
	lcrt_region_sync(r, off, end - off);
	lcrt_region_put32(r, off, LCRT_MAGIC);
}

NOKPROBE_SYMBOL(lcrt_region_write_body);

/**
 * lcrt_region_commit() - write a sealed record into its pending slot
 * @r: the region
 * @slot: from lcrt_region_begin()
 * @rec: the record, whose seq is r->next_seq
 * @len: its bytes
 *
 * Context: panic; no locks, no allocation. The caller owns the region.
 * Return: @slot, or -EINVAL.
 */
int lcrt_region_commit(struct lcrt_region *r, int slot, const void *rec,
		       size_t len)
{
	if (!r->mem || slot < 0 || slot >= r->nslots || len > r->slot_size ||
	    len < sizeof(struct lcrt_record_header))
		return -EINVAL;
	lcrt_region_write_body(r, lcrt_slot_off(r, slot), rec, len,
			       lcrt_slot_off(r, slot + 1));
	r->next_seq++;
	r->dropped += atomic_xchg(&r->lost, 0);
	if (r->dropped != r->dropped_saved) {
		r->dropped_saved = r->dropped;
		lcrt_region_write_header(r);
	}
	return slot;
}

NOKPROBE_SYMBOL(lcrt_region_commit);

/**
 * lcrt_region_drop() - count a capture that owned the region and failed
 * @r: the region
 *
 * Written to the header at once: after a panic no commit follows.
 *
 * Context: panic; the caller owns the region.
 */
void lcrt_region_drop(struct lcrt_region *r)
{
	r->dropped += 1 + atomic_xchg(&r->lost, 0);
	r->dropped_saved = r->dropped;
	lcrt_region_write_header(r);
}

NOKPROBE_SYMBOL(lcrt_region_drop);

/**
 * lcrt_region_append() - add a follow-up record after the record of a slot
 * @r: the region
 * @slot: the slot of the record it continues
 * @rec: the sealed follow-up (LCRT_F_FOLLOWUP, the same seq)
 * @len: its bytes
 *
 * Context: panic; no locks, no allocation. The caller owns the region.
 * Return: 0; -ESTALE when the slot no longer holds that record, -ENOSPC
 * when the follow-up does not fit after it.
 */
int lcrt_region_append(struct lcrt_region *r, unsigned int slot,
		       const void *rec, size_t len)
{
	const struct lcrt_record_header *f = rec;
	const struct lcrt_record_header *h;
	size_t off;
	u64 seq;
	int err;

	if (!r->mem || slot >= r->nslots || len < sizeof(*f))
		return -EINVAL;
	h = lcrt_region_slot_ptr(r, slot);
	if (lcrt_region_state(r, slot, false, &seq, &err) != LCRT_SLOT_VALID ||
	    seq != le64_to_cpu(f->seq))
		return -ESTALE;
	off = ALIGN(min_t(size_t, le32_to_cpu(h->total_size), r->slot_size), 8);
	if (off + len > r->slot_size)
		return -ENOSPC;
	off += lcrt_slot_off(r, slot);
	lcrt_region_put32(r, off, LCRT_MAGIC_PENDING);
	lcrt_region_write_body(r, off, rec, len, off + len);
	return 0;
}

NOKPROBE_SYMBOL(lcrt_region_append);

/* Erase one slot: invalid first, so that a cut mid-way leaves no record. */
static void lcrt_region_erase(struct lcrt_region *r, unsigned int i)
{
	size_t off = lcrt_slot_off(r, i);

	lcrt_region_put32(r, off, 0);
	lcrt_region_put(r, off, NULL, r->slot_size);
	lcrt_region_sync(r, off, r->slot_size);
}

/**
 * lcrt_region_clear() - erase records
 * @r: the region
 * @how: LCRT_CLEAR_ALL (every record, and every slot that holds no
 *	record), LCRT_CLEAR_ONE (the record numbered @seq) or LCRT_CLEAR_TO
 *	(every record, valid or torn, numbered @seq or lower)
 * @seq: the sequence number
 * @lock: called before each step; false stops the clear
 * @unlock: called after
 *
 * The header keeps the sequence before anything is erased, so numbers are
 * never reused, and a record committed while the clear runs is not erased.
 *
 * Return: the number of slots erased, -ENOENT when @how names no record,
 * -EBUSY when @lock refused.
 */
int lcrt_region_clear(struct lcrt_region *r, int how, u64 seq,
		      bool (*lock)(void), void (*unlock)(void))
{
	unsigned int i;
	u64 before;
	int n = 0;

	if (lock && !lock())
		return -EBUSY;
	before = r->next_seq;
	lcrt_region_write_header(r);
	if (unlock)
		unlock();
	for (i = 0; i < r->nslots; i++) {
		bool rec, erase;
		u64 s;
		int err, st;

		if (lock && !lock())
			return -EBUSY;
		st = lcrt_region_state(r, i, true, &s, &err);
		rec = st == LCRT_SLOT_VALID || st == LCRT_SLOT_TORN;
		if (how == LCRT_CLEAR_ALL)
			/* All but what a capture committed since it began. */
			erase = st != LCRT_SLOT_EMPTY &&
				!(rec && s >= before && s < r->next_seq);
		else
			erase = rec && (how == LCRT_CLEAR_ONE ? s == seq :
					s <= seq);
		if (erase) {
			lcrt_region_erase(r, i);
			n++;
		}
		if (unlock)
			unlock();
	}
	return n || how == LCRT_CLEAR_ALL ? n : -ENOENT;
}

/**
 * lcrt_region_scan() - count what the slots hold
 * @r: the region
 * @info: filled in
 */
void lcrt_region_scan(const struct lcrt_region *r, struct lcrt_slot_info *info)
{
	u64 newest_seq = 0, bad_seq = 0, seq;
	unsigned int i;
	int err;

	memset(info, 0, sizeof(*info));
	info->newest = -1;
	info->newest_bad = -1;
	for (i = 0; i < r->nslots; i++) {
		switch (lcrt_region_state(r, i, true, &seq, &err)) {
		case LCRT_SLOT_EMPTY:
			info->empty++;
			break;
		case LCRT_SLOT_VALID:
			info->valid++;
			if (info->newest < 0 || seq > newest_seq) {
				info->newest = i;
				newest_seq = seq;
			}
			break;
		case LCRT_SLOT_TORN:
			info->torn++;
			err = -EINPROGRESS;
			fallthrough;
		default:
			if (err != -EINPROGRESS)
				info->corrupt++;
			/* Garbage has no seq: only a record's damage counts. */
			if (err == -ENODATA)
				break;
			if (info->newest_bad < 0 || seq > bad_seq) {
				info->newest_bad = i;
				info->newest_err = err;
				bad_seq = seq;
			}
			break;
		}
	}
	/* A damaged slot only matters to the reader if it is the latest. */
	if (info->newest >= 0 && info->newest_bad >= 0 && bad_seq <= newest_seq)
		info->newest_bad = -1;
}

/**
 * lcrt_region_followup() - the follow-up record of a slot's record
 * @r: the region
 * @i: the slot, which holds a valid record
 *
 * Return: the follow-up, NULL when there is none, ERR_PTR(-EINPROGRESS)
 * when its write did not finish, ERR_PTR(-errno) when it is damaged.
 */
const struct lcrt_record_header *
lcrt_region_followup(const struct lcrt_region *r, unsigned int i)
{
	const struct lcrt_record_header *h = lcrt_region_slot_ptr(r, i), *f;
	size_t off = ALIGN(le32_to_cpu(h->total_size), 8);
	int ret;

	if (off + sizeof(*f) > r->slot_size)
		return NULL;
	f = (const void *)h + off;
	switch (le32_to_cpu(f->magic)) {
	case 0:
		return NULL;
	case LCRT_MAGIC_PENDING:
		return ERR_PTR(-EINPROGRESS);
	}
	ret = lcrt_record_check(f, r->slot_size - off);
	if (!ret && (!(le16_to_cpu(f->flags) & LCRT_F_FOLLOWUP) ||
		     f->seq != h->seq))
		ret = -EUCLEAN;
	return ret ? ERR_PTR(ret) : f;
}

/**
 * lcrt_owner_get() - own the region: one writer at a time
 * @o: the owner
 * @token: this CPU's number for a capture, LCRT_OWNER_READER(this CPU) for
 *	a reader or a clear in process context (which holds it with
 *	interrupts off and never sleeps while it does)
 * @takeover: the panicking CPU: take the region after @wait_us
 * @wait_us: how long to wait for the owner
 *
 * A capture that finds the region owned by its own CPU and task was
 * interrupted by a crash inside it (a fault, an NMI): it gives up at once,
 * and the capture it interrupted stays torn if it never ends. Owned by its
 * own CPU but another task, the owner was abandoned (its task died in a
 * crash inside the capture): the region is taken over. So is a reader's
 * region found by a capture on the reader's CPU: the reader holds it with
 * interrupts off, so the crash interrupted it (an NMI, a fault inside it),
 * and the reader does not run again before the crash is recorded.
 *
 * Context: any, including panic and NMI; bounded.
 * Return: true when the caller owns the region.
 */
bool lcrt_owner_get(struct lcrt_owner *o, int token, bool takeover,
		    unsigned int wait_us)
{
	unsigned int t;
	int old;

	for (t = 0; ; t++) {
		old = atomic_cmpxchg(&o->owner, LCRT_NO_OWNER, token);
		if (old == LCRT_NO_OWNER)
			goto owned;
		if (old == token && token >= 0) {
			struct task_struct *task = READ_ONCE(o->task);

			/* Interrupted in it, maybe before it said who it is. */
			if (!task || task == current)
				return false;
			break;
		}
		if (token >= 0 && old == LCRT_OWNER_READER(token))
			break;
		if (t >= wait_us) {
			if (!takeover)
				return false;
			break;
		}
		udelay(1);
	}
	atomic_xchg(&o->owner, token);
owned:
	WRITE_ONCE(o->task, current);
	return true;
}

NOKPROBE_SYMBOL(lcrt_owner_get);

/**
 * lcrt_owner_put() - give the region back
 * @o: the owner
 * @token: as given to lcrt_owner_get(); nothing happens if another took
 *	the region over since
 */
void lcrt_owner_put(struct lcrt_owner *o, int token)
{
	if (atomic_read(&o->owner) != token)
		return;
	WRITE_ONCE(o->task, NULL);
	atomic_cmpxchg(&o->owner, token, LCRT_NO_OWNER);
}

NOKPROBE_SYMBOL(lcrt_owner_put);

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

/*
 * Map the region as ramoops does: RAM pages (reserved from memblock) with
 * vmap() and the chosen page protection, anything else with memremap().
 */
static void *__init lcrt_map(phys_addr_t base, size_t size, bool wb)
{
	phys_addr_t start = round_down(base, PAGE_SIZE);
	unsigned int i, n = DIV_ROUND_UP(base + size - start, PAGE_SIZE);
	struct page **pages;
	void *va;

	for (i = 0; i < n; i++)
		if (!pfn_valid(PHYS_PFN(start) + i))
			return memremap(base, size,
					wb ? MEMREMAP_WB : MEMREMAP_WC);
	pages = kcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++)
		pages[i] = pfn_to_page(PHYS_PFN(start) + i);
	va = vmap(pages, n, VM_MAP,
		  wb ? PAGE_KERNEL : pgprot_writecombine(PAGE_KERNEL));
	kfree(pages);
	return va ? va + (base - start) : NULL;
}

/*
 * The region before initcalls, write-back: a fixmap where the architecture
 * keeps it across paging_init() (CONFIG_LCRT_EARLY_FIXMAP: arm64, x86_64),
 * from the early parameter in setup_arch() on; else (32-bit arm), once
 * setup_arch() has returned (@final), RAM through the kernel's linear map.
 * A region neither covers is armed at initcalls. The fixmap takes one of
 * the early_ioremap slots until then.
 */
static void *__init lcrt_map_early(phys_addr_t base, size_t size, bool final)
{
	phys_addr_t pa;
	void __maybe_unused *va;

	/*
	 * Write-back before the initcalls: only where LCRT can clean what it
	 * writes, and only over RAM, unless a write-back mapping is what the
	 * region wants (device memory must not be mapped cacheable on ARM;
	 * x86's MTRRs keep device memory uncached whatever the page says).
	 */
	if (!IS_ENABLED(CONFIG_LCRT_ARCH_REGS) ||
	    !(IS_ENABLED(CONFIG_X86) || IS_ENABLED(CONFIG_LCRT_MAP_WB) ||
	      memblock_is_region_memory(base, size)))
		return NULL;
#ifdef CONFIG_LCRT_EARLY_FIXMAP
	if (size > LCRT_EARLY_MAX)
		return NULL;
	va = early_memremap(base, size);
	lcrt_early_fixmap = va;
	return va;
#endif
	if (!final || base + size > __pa(high_memory - 1) + 1)
		return NULL;
	for (pa = round_down(base, PAGE_SIZE); pa < base + size; pa += PAGE_SIZE)
		if (!memblock_is_map_memory(pa))
			return NULL;
	return phys_to_virt(base);
}

static void __init lcrt_early_unmap(void *va, size_t size)
{
#ifdef CONFIG_LCRT_EARLY_FIXMAP
	early_memunmap(va, size);
#endif
}

/*
 * Arm before the initcalls: from the early parameter in setup_arch() where
 * the architecture allows (see lcrt_map_early()), else while start_kernel()
 * parses the command line. The region is mapped write-back (every write is
 * cleaned) and the notifiers are registered, so that a panic from here on
 * is recorded. The record size and ring policy are the Kconfig ones until
 * lcrt_store_init() takes the region again with the command line's.
 */
static void __init lcrt_arm_early(bool final)
{
	struct lcrt_region *r = &lcrt_nvram;
	void *va;

	va = lcrt_map_early(lcrt_base, lcrt_size, final);
	if (!va) {
		if (final)
			pr_info("region not mapped before initcalls: armed at initcalls\n");
		return;
	}
	r->mem = va;
	r->phys = lcrt_base;
	r->wb = true;
	if (lcrt_region_init(r, lcrt_size, CONFIG_LCRT_RECORD_SIZE,
			     IS_ENABLED(CONFIG_LCRT_RING_OVERWRITE) ?
			     LCRT_RING_OVERWRITE : LCRT_RING_KEEP, true)) {
		r->mem = NULL;
		if (lcrt_early_fixmap)
			lcrt_early_unmap(va, lcrt_size);
		lcrt_early_fixmap = false;
		return;
	}
	lcrt_early = true;
	lcrt_arm();
}

static void __init lcrt_unmap(void *va)
{
	if (is_vmalloc_addr(va))
		vunmap((void *)round_down((unsigned long)va, PAGE_SIZE));
	else
		memunmap(va);
}

static struct resource lcrt_resource = {
	.name = "LCRT NVRAM",
	.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
};

int __init lcrt_store_init(void)
{
	struct lcrt_region *r = &lcrt_nvram;
	struct lcrt_slot_info info;
	void *mem, *old;
	size_t budget;
	bool wb;
	u8 policy;
	int ret;

	ret = lcrt_find_region();
	if (ret) {
		pr_info("no NVRAM region configured, not armed\n");
		return ret;
	}
	if (!sysfs_streq(ring, "keep") && !sysfs_streq(ring, "overwrite"))
		pr_warn("lcrt.ring=%s: expected keep or overwrite; keeping\n", ring);
	policy = sysfs_streq(ring, "overwrite") ? LCRT_RING_OVERWRITE :
		 LCRT_RING_KEEP;
	if (!sysfs_streq(mapping, "wc") && !sysfs_streq(mapping, "wb"))
		pr_warn("lcrt.mapping=%s: expected wc or wb; using wc\n", mapping);
	wb = sysfs_streq(mapping, "wb");
	if (wb && !IS_ENABLED(CONFIG_LCRT_ARCH_REGS)) {
		pr_warn("no cache cleaning on this architecture: using wc\n");
		wb = false;
	}
	mem = lcrt_map(lcrt_base, lcrt_size, wb);
	budget = clamp_t(size_t, record_size, LCRT_MIN_RECORD_SIZE,
			 LCRT_MAX_RECORD_SIZE);
	/*
	 * Armed early: swap the early mapping for this one between captures,
	 * and take the region again with this boot's parameters.
	 */
	old = lcrt_early ? r->mem : NULL;
	if (lcrt_early && !lcrt_store_user_lock()) {
		if (mem)
			lcrt_unmap(mem);
		return -EBUSY;
	}
	r->mem = mem;
	r->wb = wb;
	r->phys = lcrt_base;
	ret = mem ? lcrt_region_init(r, lcrt_size, budget, policy,
				     !r->boot_count) : -ENOMEM;
	if (ret)
		r->mem = NULL;
	if (lcrt_early)
		lcrt_store_user_unlock();
	lcrt_early = false;
	/* Nothing uses the early mapping any more. */
	if (lcrt_early_fixmap)
		lcrt_early_unmap(old, lcrt_size);
	lcrt_early_fixmap = false;
	if (ret && mem)
		lcrt_unmap(mem);
	if (ret == -ENOMEM)
		pr_err("cannot map %pa+%zu\n", &lcrt_base, lcrt_size);
	else if (ret)
		pr_err("region of %zu bytes is too small\n", lcrt_size);
	if (ret)
		return ret;
	lcrt_resource.start = lcrt_base;
	lcrt_resource.end = lcrt_base + lcrt_size - 1;
	if (insert_resource(&iomem_resource, &lcrt_resource))
		pr_warn("%pa+%zu overlaps another resource\n", &lcrt_base,
			lcrt_size);
	lcrt_region_scan(r, &info);
	pr_info("NVRAM %pa+%zu (%s): %u slots of %zu bytes, %u records, %u torn, %u corrupt, boot %llu, %llu dropped\n",
		&lcrt_base, lcrt_size, r->wb ? "write-back" : "write-combined",
		r->nslots, r->slot_size, info.valid, info.torn, info.corrupt,
		r->boot_count, r->dropped);
	return 0;
}

struct lcrt_region *lcrt_store(void)
{
	return lcrt_nvram.mem ? &lcrt_nvram : NULL;
}

NOKPROBE_SYMBOL(lcrt_store);

phys_addr_t lcrt_store_base(void)
{
	return lcrt_base;
}

/**
 * lcrt_store_lock() - own the region for a capture
 * @panic: the panicking CPU, which takes the region over after a while
 *
 * Context: die or panic, with interrupts off.
 * Return: true when the capture may write.
 */
bool lcrt_store_lock(bool panic)
{
	return lcrt_owner_get(&lcrt_owner, raw_smp_processor_id(), panic,
			      LCRT_OWNER_WAIT_US);
}

NOKPROBE_SYMBOL(lcrt_store_lock);

/**
 * lcrt_store_unlock() - end a capture
 */
void lcrt_store_unlock(void)
{
	lcrt_owner_put(&lcrt_owner, raw_smp_processor_id());
}

NOKPROBE_SYMBOL(lcrt_store_unlock);

/**
 * lcrt_store_user_lock() - own the region to read or erase it
 *
 * Holds it with interrupts off on this CPU until lcrt_store_user_unlock()
 * (so no crash on this CPU finds its own holder interrupted): nothing may
 * sleep in between.
 *
 * Context: process. A reader on another CPU waits for it, as a capture
 * does; one on this CPU, a crash that interrupted it, takes it over.
 * Return: true when owned; false when another holds it (-EBUSY).
 */
bool lcrt_store_user_lock(void)
{
	unsigned long flags;

	local_irq_save(flags);
	if (lcrt_owner_get(&lcrt_owner,
			   LCRT_OWNER_READER(raw_smp_processor_id()), false,
			   LCRT_OWNER_WAIT_US)) {
		lcrt_user_flags = flags;
		return true;
	}
	local_irq_restore(flags);
	return false;
}

/**
 * lcrt_store_user_unlock() - give the region back to the captures
 *
 * Context: process, after lcrt_store_user_lock() succeeded.
 */
void lcrt_store_user_unlock(void)
{
	unsigned long flags = lcrt_user_flags;

	lcrt_owner_put(&lcrt_owner, LCRT_OWNER_READER(raw_smp_processor_id()));
	local_irq_restore(flags);
}

/**
 * lcrt_store_lost() - count a capture that could not be written
 *
 * The header counts it at the next commit.
 *
 * Context: any, including panic and NMI.
 */
void lcrt_store_lost(void)
{
	atomic_inc(&lcrt_nvram.lost);
}

NOKPROBE_SYMBOL(lcrt_store_lost);

/* Erase records between captures, never during one. */
int lcrt_store_clear(int how, u64 seq)
{
	if (!lcrt_nvram.mem)
		return -ENODEV;
	return lcrt_region_clear(&lcrt_nvram, how, seq, lcrt_store_user_lock,
				 lcrt_store_user_unlock);
}
