// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the region's format on its medium.
 *
 * A region starts with two copies of a region header (geometry, persistent
 * sequence, boot count, records dropped) and is cut into slots of the
 * record budget after them; each slot holds one record, a torn record, or
 * nothing (include/uapi/linux/lcrt.h).
 *
 * Every write reaches the medium in the order the format needs: a record is
 * marked pending, written, then committed by its magic; a header copy is
 * written whole over the older copy. A cut at any byte leaves every other
 * record as it was, and the one being written reads as torn, never as empty.
 * A write-back mapping is cleaned to the point of coherency after every
 * step (lcrt_arch_clean()); a write barrier drains write-combining buffers.
 *
 * A region on another medium (struct lcrt_medium: an MTD partition, UEFI
 * variables) lives in memory as the same image, and each put reaches the
 * medium in order through r->medium->program(), or each synced range
 * through r->medium->sync(). Flash programs bits from 1 to 0 only: its
 * pending mark is LCRT_MAGIC_NOR_PENDING and programs only the fields that
 * keep their value, nothing is zeroed that a later write would set, a
 * record goes only into a slot that the medium says is erased, and the
 * region header is the medium's business (it keeps the sequence floor).
 * A medium that rewrites in place (UEFI variables) keeps the rules of
 * memory.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/atomic.h>
#include <linux/crc32.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/string.h>

#include "lcrt.h"

#define RHDR_SIZE sizeof(struct lcrt_region_header)
static_assert(sizeof(struct lcrt_region_header) <= LCRT_REGION_HDR_SIZE);
static_assert(2 * LCRT_REGION_HDR_SIZE <= LCRT_REGION_SLOTS);

/*
 * How many of @len bytes reach the medium: all of them, but in KUnit,
 * which models a power cut by letting only r->cut more bytes through.
 */
static size_t lcrt_region_reach(struct lcrt_region *r, size_t len)
{
#if IS_ENABLED(CONFIG_LCRT_KUNIT_TEST)
	len = min(len, r->cut);
	r->cut -= len;
#endif
	return len;
}

NOKPROBE_SYMBOL(lcrt_region_reach);

static void lcrt_region_put(struct lcrt_region *r, size_t off, const void *src,
			    size_t len)
{
	size_t n = lcrt_region_reach(r, len);

	if (src)
		memcpy(r->mem + off, src, n);
	else
		memset(r->mem + off, 0, n);
	if (r->medium && r->medium->program && n)
		r->medium->program(r, off, n);
}

NOKPROBE_SYMBOL(lcrt_region_put);

/* What was put reaches the medium before anything put after it. */
static void lcrt_region_sync(struct lcrt_region *r, size_t off, size_t len)
{
	if (r->wb)
		lcrt_arch_clean(r->mem + off, r->phys + off, len);
	/* Drains write-combining buffers: what follows is written after. */
	wmb();
	if (r->medium && r->medium->sync)
		r->medium->sync(r, off, len);
}

NOKPROBE_SYMBOL(lcrt_region_sync);

/*
 * One aligned 32-bit store, which reaches the medium whole or not at all:
 * a cut sees the old word or the new one.
 */
static void lcrt_region_put32(struct lcrt_region *r, size_t off, u32 v)
{
	if (lcrt_region_reach(r, sizeof(u32)) != sizeof(u32))
		return;
	WRITE_ONCE(*(__le32 *)(r->mem + off), cpu_to_le32(v));
	if (r->medium && r->medium->program)
		r->medium->program(r, off, sizeof(u32));
	lcrt_region_sync(r, off, sizeof(u32));
}

NOKPROBE_SYMBOL(lcrt_region_put32);

/* The pending mark: on flash, one that the commit turns into LCRT_MAGIC. */
static u32 lcrt_region_pending(const struct lcrt_region *r)
{
	return r->medium && r->medium->and_only ? LCRT_MAGIC_NOR_PENDING :
		LCRT_MAGIC_PENDING;
}

NOKPROBE_SYMBOL(lcrt_region_pending);

/*
 * A first word that says a write began and did not end: a pending mark,
 * or on flash a program that a cut left with some of its bits (a mark
 * over the erased word, a commit over LCRT_MAGIC_NOR_PENDING).
 */
static bool lcrt_magic_torn(const struct lcrt_region *r, u32 m)
{
	if (m == LCRT_MAGIC_PENDING || m == LCRT_MAGIC_NOR_PENDING)
		return true;
	if (!r->medium || !r->medium->and_only)
		return false;
	return (m != LCRT_MAGIC && (m & LCRT_MAGIC) == LCRT_MAGIC &&
		!(m & ~LCRT_MAGIC_NOR_PENDING)) ||
	       (m != LCRT_MAGIC_BLANK &&
		(m & LCRT_MAGIC_NOR_PENDING) == LCRT_MAGIC_NOR_PENDING);
}

NOKPROBE_SYMBOL(lcrt_magic_torn);

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

/**
 * lcrt_region_header_pick() - the header copy a region takes
 * @mem: the region's first bytes
 * @len: how many there are (a copy past them is not valid)
 *
 * Return: the valid copy with the higher generation, or NULL.
 */
const struct lcrt_region_header *lcrt_region_header_pick(const u8 *mem,
							 size_t len)
{
	const struct lcrt_region_header *a = (const void *)mem;
	const struct lcrt_region_header *b =
		(const void *)(mem + LCRT_REGION_HDR_SIZE);
	bool va = len >= LCRT_REGION_HDR_SIZE && lcrt_rhdr_valid(a);
	bool vb = len >= 2 * LCRT_REGION_HDR_SIZE && lcrt_rhdr_valid(b);

	if (!va && !vb)
		return NULL;
	return vb && (!va || le64_to_cpu(b->generation) >
		      le64_to_cpu(a->generation)) ? b : a;
}

/*
 * The valid header copy with the higher generation, or NULL; r->hdr says
 * which copy it is, and the next write goes to the other.
 */
static const struct lcrt_region_header *
lcrt_rhdr_pick(struct lcrt_region *r)
{
	const struct lcrt_region_header *h =
		lcrt_region_header_pick(r->mem, LCRT_REGION_SLOTS);

	r->hdr = h && (const u8 *)h != r->mem;
	return h;
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
		.medium = r->medium ? r->medium->kind : LCRT_MEDIUM_MEMORY,
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
	if (!magic || magic == LCRT_MAGIC_BLANK) {
		*seq = 0;
		return LCRT_SLOT_EMPTY;
	}
	if (lcrt_magic_torn(r, magic))
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
 * @r: the region, zeroed but for @mem, @phys, @wb, @medium and @seq_floor
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
	r->next_seq = max_t(u64, r->seq_floor, 1);
	r->protect = -1;
	r->replaces = false;
#if IS_ENABLED(CONFIG_LCRT_KUNIT_TEST)
	if (!r->cut)
		r->cut = SIZE_MAX;
#endif
	slot_size = round_down(slot_size, 8);
	h = size >= LCRT_REGION_SLOTS ? lcrt_rhdr_pick(r) : NULL;
	if (h) {
		r->generation = le64_to_cpu(h->generation);
		r->next_seq = max_t(u64, le64_to_cpu(h->next_seq), 1);
		r->next_seq = max(r->next_seq, r->seq_floor);
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

/*
 * Where the next record goes, by the policy; *@drops: it replaces one.
 * On a medium that erases ahead, only a slot that it says is erased:
 * UINT_MAX when none is.
 */
static unsigned int lcrt_region_pick(const struct lcrt_region *r, bool *drops)
{
	unsigned int i, garbage = UINT_MAX, newest = 0, oldest = 0;
	u64 hi = 0, lo = U64_MAX, seq;
	int err;

	*drops = false;
	for (i = 0; i < r->nslots; i++) {
		int st = lcrt_region_state(r, i, false, &seq, &err);

		if (r->medium && r->medium->ready) {
			if (st == LCRT_SLOT_EMPTY && r->medium->ready(r, i))
				return i;
			continue;
		}
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
	if (garbage != UINT_MAX || (r->medium && r->medium->ready))
		return garbage;
	*drops = true;
	return r->policy == LCRT_RING_OVERWRITE ? oldest : newest;
}

NOKPROBE_SYMBOL(lcrt_region_pick);

/*
 * Mark @slot pending with the number of the record to come: a cut from
 * here on reads as that record torn, never as empty nor as another.
 */
static void lcrt_region_mark(struct lcrt_region *r, unsigned int slot)
{
	struct lcrt_record_header h;
	size_t off = lcrt_slot_off(r, slot);

	/* On flash every other field stays erased, for the body to program. */
	memset(&h, r->medium && r->medium->and_only ? 0xff : 0, sizeof(h));
	h.version = cpu_to_le16(LCRT_VERSION);
	h.header_size = cpu_to_le16(sizeof(h));
	if (!r->medium || !r->medium->and_only)
		h.total_size = cpu_to_le32(sizeof(h));
	h.seq = cpu_to_le64(r->next_seq);
	lcrt_region_put32(r, off, lcrt_region_pending(r));
	lcrt_region_put(r, off + sizeof(u32), (u8 *)&h + sizeof(u32),
			sizeof(h) - sizeof(u32));
	lcrt_region_sync(r, off, sizeof(h));
}

NOKPROBE_SYMBOL(lcrt_region_mark);

/**
 * lcrt_region_begin() - mark the slot of the next record pending
 * @r: the region
 *
 * Before a capture unwinds: if it never ends (a fault, a hang, a reset),
 * the slot reads as torn and says the seq, rather than nothing. The slot
 * is an empty one, else one that holds no record, else the one the policy
 * picks, never r->protect. A slot that holds a record keeps it until the
 * record that replaces it is built: lcrt_region_commit() marks it pending
 * then, and counts the old record dropped; a capture that dies before
 * costs no record.
 *
 * Context: panic; no locks, no allocation. The caller owns the region.
 * Return: the slot, or -ENOSPC when the only candidate is r->protect or
 * a medium has no erased slot.
 */
int lcrt_region_begin(struct lcrt_region *r)
{
	unsigned int slot;
	bool drops;

	if (!r->mem || !r->nslots)
		return -EINVAL;
	slot = lcrt_region_pick(r, &drops);
	if (slot == UINT_MAX || (int)slot == r->protect)
		return -ENOSPC;
	r->replaces = drops;
	if (!drops)
		lcrt_region_mark(r, slot);
	return slot;
}

NOKPROBE_SYMBOL(lcrt_region_begin);

/*
 * Write the record over its pending mark: everything after the magic (and
 * zeroes up to @end, but on flash, whose erased bytes read as nothing),
 * then the magic. Each step is out before the next.
 */
static void lcrt_region_write_body(struct lcrt_region *r, size_t off,
				   const void *rec, size_t len, size_t end)
{
	lcrt_region_put(r, off + sizeof(u32), rec + sizeof(u32),
			len - sizeof(u32));
	if (!r->medium || !r->medium->and_only)
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
	/* The record it replaces goes now, not before this one was built. */
	if (r->replaces) {
		lcrt_region_mark(r, slot);
		r->dropped++;
		r->replaces = false;
	}
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
	r->replaces = false;
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
	lcrt_region_put32(r, off, lcrt_region_pending(r));
	lcrt_region_write_body(r, off, rec, len, off + len);
	return 0;
}

NOKPROBE_SYMBOL(lcrt_region_append);

/*
 * Erase one slot: invalid first, so that a cut mid-way leaves no record.
 * On flash only the first word: the medium erases the slot's block later.
 */
static void lcrt_region_erase(struct lcrt_region *r, unsigned int i)
{
	size_t off = lcrt_slot_off(r, i);

	lcrt_region_put32(r, off, 0);
	if (r->medium && r->medium->and_only)
		return;
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
 * A medium is told after the slots are marked erased, to erase them.
 *
 * Context: process.
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
	if (n && r->medium && r->medium->cleared)
		r->medium->cleared(r);
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
	case LCRT_MAGIC_BLANK:
		return NULL;
	}
	if (lcrt_magic_torn(r, le32_to_cpu(f->magic)))
		return ERR_PTR(-EINPROGRESS);
	ret = lcrt_record_check(f, r->slot_size - off);
	if (!ret && (!(le16_to_cpu(f->flags) & LCRT_F_FOLLOWUP) ||
		     f->seq != h->seq))
		ret = -EUCLEAN;
	return ret ? ERR_PTR(ret) : f;
}
