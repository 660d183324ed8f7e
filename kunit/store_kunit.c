// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: the NVRAM region (header, slots, ring policies, torn writes, clear, owner).
 *
 * Run them in a patched tree with:
 *   ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/lcrt
 */
#include <kunit/test.h>
#include <linux/bug.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/crc32.h>
#include <linux/prandom.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/io.h>

#include "lcrt_kunit.h"

/* ------------------------------------------------------------------------
 * The region: header, slots, ring policies, torn writes, clear, owner
 */

#define LCRT_TEST_SLOT	256

/* A region of @nslots slots in memory, as a boot takes it in use. */
static struct lcrt_region *lcrt_test_region(struct kunit *test, u8 *mem,
					    unsigned int nslots, u8 policy)
{
	struct lcrt_region *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	size_t size = LCRT_REGION_SLOTS + nslots * LCRT_TEST_SLOT;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->mem = mem;
	KUNIT_ASSERT_EQ(test, lcrt_region_init(r, size, LCRT_TEST_SLOT, policy,
					       true), 0);
	return r;
}

static u8 *lcrt_test_mem(struct kunit *test, unsigned int nslots)
{
	u8 *mem = kunit_kzalloc(test, LCRT_REGION_SLOTS +
				nslots * LCRT_TEST_SLOT, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	return mem;
}

/* A small sealed record numbered @seq whose reason is @text. */
static size_t lcrt_test_small(u8 *buf, size_t size, u64 seq, const char *text,
			      u16 flags)
{
	struct lcrt_enc e;
	size_t len;

	lcrt_enc_init(&e, buf, size);
	lcrt_enc_section_begin(&e, LCRT_SEC_REASON);
	lcrt_enc_bytes(&e, text, strlen(text));
	lcrt_enc_section_end(&e);
	len = lcrt_enc_finish(&e, seq, flags);
	lcrt_record_seal(buf, 1);
	return len;
}

/* Commit the record the region numbers next; returns its slot. */
static int lcrt_test_commit(struct lcrt_region *r, size_t pad)
{
	u8 buf[LCRT_TEST_SLOT];
	char text[LCRT_TEST_SLOT - 40];
	size_t len;

	memset(text, 'x', sizeof(text));
	text[min(pad, sizeof(text) - 1)] = 0;
	len = lcrt_test_small(buf, sizeof(buf) - LCRT_FOLLOWUP_ROOM,
			      r->next_seq, text, 0);
	return lcrt_region_commit(r, lcrt_region_begin(r), buf, len);
}

/* The seq each slot holds (0: none), as a fresh boot reads them. */
static void lcrt_test_seqs(struct kunit *test, struct lcrt_region *r,
			   u64 *seqs)
{
	unsigned int i;
	int err;

	for (i = 0; i < r->nslots; i++)
		if (lcrt_region_state(r, i, true, &seqs[i], &err) !=
		    LCRT_SLOT_VALID)
			seqs[i] = 0;
}

static void lcrt_test_header_round_trip(struct kunit *test)
{
	u8 *mem = lcrt_test_mem(test, 4);
	struct lcrt_region *r = lcrt_test_region(test, mem, 4, LCRT_RING_KEEP);
	struct lcrt_region_header *a = (void *)mem;
	struct lcrt_region_header *b = (void *)(mem + LCRT_REGION_HDR_SIZE);

	KUNIT_EXPECT_EQ(test, r->boot_count, 1ULL);
	KUNIT_EXPECT_EQ(test, r->next_seq, 1ULL);
	KUNIT_EXPECT_EQ(test, r->nslots, 4U);
	KUNIT_EXPECT_EQ(test, r->slot_size, (size_t)LCRT_TEST_SLOT);
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 0);
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 1);
	/* The next boot goes on counting, and numbering. */
	r = lcrt_test_region(test, mem, 4, LCRT_RING_KEEP);
	KUNIT_EXPECT_EQ(test, r->boot_count, 2ULL);
	KUNIT_EXPECT_EQ(test, r->next_seq, 3ULL);
	/* Taken again in the same boot (armed early, then at initcalls). */
	KUNIT_ASSERT_EQ(test, lcrt_region_init(r, r->size, LCRT_TEST_SLOT,
					       LCRT_RING_OVERWRITE, false), 0);
	KUNIT_EXPECT_EQ(test, r->boot_count, 2ULL);
	KUNIT_EXPECT_EQ(test, r->next_seq, 3ULL);
	KUNIT_EXPECT_EQ(test, r->policy, LCRT_RING_OVERWRITE);
	/* Numbers are not given twice, even when their records are gone. */
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ALL, 0, NULL,
						NULL), 2);
	r = lcrt_test_region(test, mem, 4, LCRT_RING_KEEP);
	KUNIT_EXPECT_EQ(test, r->boot_count, 3ULL);
	KUNIT_EXPECT_EQ(test, r->next_seq, 3ULL);
	/* Two copies: a damaged newer copy leaves the older one. */
	KUNIT_EXPECT_NE(test, le64_to_cpu(a->generation),
			le64_to_cpu(b->generation));
	if (le64_to_cpu(a->generation) > le64_to_cpu(b->generation))
		a->dropped ^= cpu_to_le64(1);
	else
		b->dropped ^= cpu_to_le64(1);
	r = lcrt_test_region(test, mem, 4, LCRT_RING_KEEP);
	KUNIT_EXPECT_EQ(test, r->boot_count, 3ULL);	/* 2 + this boot */
	KUNIT_EXPECT_EQ(test, r->next_seq, 3ULL);
	KUNIT_EXPECT_EQ(test, r->dropped, 0ULL);
	/* Neither copy: a new header, numbers still after the records. */
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 0);
	memset(mem, 0xa5, LCRT_REGION_SLOTS);
	r = lcrt_test_region(test, mem, 4, LCRT_RING_KEEP);
	KUNIT_EXPECT_EQ(test, r->boot_count, 1ULL);
	KUNIT_EXPECT_EQ(test, r->next_seq, 4ULL);
}

static void lcrt_test_geometry_change(struct kunit *test)
{
	u8 *mem = lcrt_test_mem(test, 8);
	size_t size = LCRT_REGION_SLOTS + 8 * LCRT_TEST_SLOT;
	struct lcrt_region *r = lcrt_test_region(test, mem, 8, LCRT_RING_KEEP);
	struct lcrt_region *q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);
	u64 seq;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 0);
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 1);
	/* A boot that asks for bigger slots reads these with their size. */
	q->mem = mem;
	KUNIT_ASSERT_EQ(test, lcrt_region_init(q, size, 2 * LCRT_TEST_SLOT,
					       LCRT_RING_KEEP, true), 0);
	KUNIT_EXPECT_EQ(test, q->slot_size, (size_t)LCRT_TEST_SLOT);
	KUNIT_EXPECT_EQ(test, lcrt_region_state(q, 1, true, &seq, &err),
			LCRT_SLOT_VALID);
	KUNIT_EXPECT_EQ(test, seq, 2ULL);
	/* Once cleared, the next boot takes its own size. */
	lcrt_region_clear(q, LCRT_CLEAR_ALL, 0, NULL, NULL);
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	KUNIT_ASSERT_EQ(test, lcrt_region_init(q, size, 2 * LCRT_TEST_SLOT,
					       LCRT_RING_KEEP, true), 0);
	KUNIT_EXPECT_EQ(test, q->slot_size, (size_t)2 * LCRT_TEST_SLOT);
	KUNIT_EXPECT_EQ(test, q->nslots, 4U);
	KUNIT_EXPECT_EQ(test, q->next_seq, 3ULL);
	/* Too small for one slot. */
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	KUNIT_EXPECT_EQ(test, lcrt_region_init(q, LCRT_REGION_SLOTS + 100,
					       LCRT_TEST_SLOT, LCRT_RING_KEEP,
					       true), -ENOSPC);
}

/* A boot loop of nslots + 2 crashes under each policy. */
static void lcrt_test_ring_policies(struct kunit *test)
{
	static const u64 keep[] = { 1, 2, 3, 6 }, over[] = { 5, 6, 3, 4 };
	u64 seqs[4];
	u8 pol;

	for (pol = LCRT_RING_KEEP; pol <= LCRT_RING_OVERWRITE; pol++) {
		u8 *mem = lcrt_test_mem(test, 4);
		struct lcrt_region *r;
		int i;

		for (i = 0; i < 6; i++) {
			r = lcrt_test_region(test, mem, 4, pol);
			lcrt_test_commit(r, 10 + i);
		}
		r = lcrt_test_region(test, mem, 4, pol);
		lcrt_test_seqs(test, r, seqs);
		KUNIT_EXPECT_EQ(test, memcmp(seqs, pol == LCRT_RING_KEEP ?
					     keep : over, sizeof(seqs)), 0);
		KUNIT_EXPECT_EQ(test, r->dropped, 2ULL);
		KUNIT_EXPECT_EQ(test, r->next_seq, 7ULL);
		/* Captures that could not be written count too. */
		atomic_inc(&r->lost);
		lcrt_test_commit(r, 10);
		r = lcrt_test_region(test, mem, 4, pol);
		KUNIT_EXPECT_EQ(test, r->dropped, 4ULL);
	}
}

/*
 * A full region: the record a capture would replace stays whole until the
 * new one is built; a capture that dies (or fails) before costs no record.
 */
static void lcrt_test_full_keeps_until_commit(struct kunit *test)
{
	u8 *mem = lcrt_test_mem(test, 2);
	struct lcrt_region *r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	u64 seqs[2];
	int slot;

	lcrt_test_commit(r, 10);
	lcrt_test_commit(r, 10);
	/* Begun, then the CPU dies: the next boot finds both records. */
	slot = lcrt_region_begin(r);
	KUNIT_EXPECT_EQ(test, slot, 1);
	r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	lcrt_test_seqs(test, r, seqs);
	KUNIT_EXPECT_EQ(test, seqs[0], 1ULL);
	KUNIT_EXPECT_EQ(test, seqs[1], 2ULL);
	KUNIT_EXPECT_EQ(test, r->dropped, 0ULL);
	/* Begun, then given up: both stay, the lost capture is counted. */
	KUNIT_EXPECT_EQ(test, lcrt_region_begin(r), 1);
	lcrt_region_drop(r);
	r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	lcrt_test_seqs(test, r, seqs);
	KUNIT_EXPECT_EQ(test, seqs[1], 2ULL);
	KUNIT_EXPECT_EQ(test, r->dropped, 1ULL);
	/* Committed: the newest is replaced, and counted dropped. */
	KUNIT_EXPECT_EQ(test, lcrt_test_commit(r, 10), 1);
	r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	lcrt_test_seqs(test, r, seqs);
	KUNIT_EXPECT_EQ(test, seqs[0], 1ULL);
	KUNIT_EXPECT_EQ(test, seqs[1], 3ULL);
	KUNIT_EXPECT_EQ(test, r->dropped, 2ULL);
}

/* Slot @i holds the same bytes in @a and @b. */
static bool lcrt_test_same(const u8 *a, const u8 *b, unsigned int i)
{
	size_t off = LCRT_REGION_SLOTS + i * LCRT_TEST_SLOT;

	return !memcmp(a + off, b + off, LCRT_TEST_SLOT);
}

/* A boot of a region of 3 slots, then a commit cut after @cut bytes. */
static void lcrt_test_cut_commit(struct kunit *test, u8 *mem, u8 *snap,
				 size_t cut)
{
	size_t size = LCRT_REGION_SLOTS + 3 * LCRT_TEST_SLOT;
	struct lcrt_region *r;

	memcpy(mem, snap, size);
	r = lcrt_test_region(test, mem, 3, LCRT_RING_KEEP);
	memcpy(snap, mem, size);	/* with this boot's header */
	r->cut = cut;
	lcrt_test_commit(r, 30);
}

/*
 * Cut the power after every byte of a commit: the other records stay as
 * they were, the one written reads as torn (never as empty), and once its
 * magic is out it is whole. The slot written is empty, or (a full region)
 * holds the record the commit replaces.
 */
static void lcrt_test_torn_commit(struct kunit *test)
{
	size_t size = LCRT_REGION_SLOTS + 3 * LCRT_TEST_SLOT, k, total;
	u8 *mem = lcrt_test_mem(test, 3);
	u8 *snap = kunit_kzalloc(test, size, GFP_KERNEL);
	unsigned int full, i;

	KUNIT_ASSERT_NOT_NULL(test, snap);
	for (full = 0; full <= 1; full++) {
		struct lcrt_region *r;
		u64 seq;
		int st, err;

		memset(mem, 0, size);
		r = lcrt_test_region(test, mem, 3, LCRT_RING_KEEP);
		for (i = 0; i < 2 + full; i++)
			lcrt_test_commit(r, 20);
		memcpy(snap, mem, size);
		/*
		 * The pending mark and header, the slot, the magic, and the
		 * region header when a record is dropped.
		 */
		total = LCRT_TEST_SLOT + 32 + (full ? 64 : 0);
		for (k = 0; k <= total; k++) {
			lcrt_test_cut_commit(test, mem, snap, k);
			r = lcrt_test_region(test, mem, 3, LCRT_RING_KEEP);
			for (i = 0; i < 2; i++) {
				KUNIT_EXPECT_TRUE_MSG(test,
						      lcrt_test_same(mem, snap, i),
						      "cut at %zu: slot %u", k, i);
				st = lcrt_region_state(r, i, true, &seq, &err);
				KUNIT_EXPECT_EQ(test, st, LCRT_SLOT_VALID);
			}
			st = lcrt_region_state(r, 2, true, &seq, &err);
			/* The mark is one store: it is out whole or not. */
			if (k < 4)
				KUNIT_EXPECT_TRUE_MSG(test,
						      lcrt_test_same(mem, snap, 2),
						      "cut at %zu", k);
			else if (k < LCRT_TEST_SLOT + 32)
				KUNIT_EXPECT_EQ_MSG(test, st, LCRT_SLOT_TORN,
						    "cut at %zu", k);
			else
				KUNIT_EXPECT_EQ_MSG(test, st, LCRT_SLOT_VALID,
						    "cut at %zu", k);
			/* A torn record says its number once it is out. */
			if (k >= 32 && k < LCRT_TEST_SLOT + 32)
				KUNIT_EXPECT_EQ(test, seq, 3ULL + full);
			/* Numbers go on whatever the cut. */
			KUNIT_EXPECT_GE(test, r->next_seq, 3ULL + full);
		}
	}
}

/* Commit a record that leaves no room after it in its slot. */
static void lcrt_test_full_slot(struct kunit *test, struct lcrt_region *r)
{
	u8 buf[LCRT_TEST_SLOT];
	char text[LCRT_TEST_SLOT];
	size_t len;

	memset(text, 'y', sizeof(text));
	text[LCRT_TEST_SLOT - 40] = 0;
	len = lcrt_test_small(buf, sizeof(buf), r->next_seq, text, 0);
	KUNIT_ASSERT_EQ(test, lcrt_region_commit(r, lcrt_region_begin(r), buf,
						 len), 0);
}

/* Cut the power after every byte of a follow-up: the record stays whole. */
static void lcrt_test_torn_followup(struct kunit *test)
{
	size_t size = LCRT_REGION_SLOTS + 2 * LCRT_TEST_SLOT, k, len;
	u8 *mem = lcrt_test_mem(test, 2);
	u8 *snap = kunit_kzalloc(test, size, GFP_KERNEL);
	u8 fu[LCRT_FOLLOWUP_ROOM];
	struct lcrt_region *r;
	u64 seq;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, snap);
	r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	KUNIT_ASSERT_EQ(test, lcrt_test_commit(r, 40), 0);
	KUNIT_EXPECT_NULL(test, lcrt_region_followup(r, 0));
	/* Only to the record of the same crash, only where it fits. */
	len = lcrt_test_small(fu, sizeof(fu), 2, "Fatal exception",
			      LCRT_F_FOLLOWUP);
	KUNIT_EXPECT_EQ(test, lcrt_region_append(r, 0, fu, len), -ESTALE);
	KUNIT_EXPECT_EQ(test, lcrt_region_append(r, 1, fu, len), -ESTALE);
	len = lcrt_test_small(fu, sizeof(fu), 1, "Fatal exception",
			      LCRT_F_FOLLOWUP);
	memcpy(snap, mem, size);
	for (k = 0; k <= len + 8; k++) {
		const struct lcrt_record_header *f;

		memcpy(mem, snap, size);
		r->cut = k;
		KUNIT_EXPECT_EQ(test, lcrt_region_append(r, 0, fu, len), 0);
		r->cut = SIZE_MAX;
		KUNIT_EXPECT_EQ(test, lcrt_region_state(r, 0, true, &seq, &err),
				LCRT_SLOT_VALID);
		f = lcrt_region_followup(r, 0);
		if (k < 4)
			KUNIT_EXPECT_NULL(test, f);
		else if (k < len + 4)
			KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(f), "cut at %zu", k);
		else
			KUNIT_EXPECT_FALSE_MSG(test, IS_ERR_OR_NULL(f),
					       "cut at %zu", k);
		if (k >= 4 && k < len + 4)
			KUNIT_EXPECT_EQ(test, PTR_ERR(f), -EINPROGRESS);
	}
	/* No room after a record that fills its slot. */
	r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
	KUNIT_ASSERT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ALL, 0, NULL,
						NULL), 1);
	lcrt_test_full_slot(test, r);
	len = lcrt_test_small(fu, sizeof(fu), r->next_seq - 1, "x",
			      LCRT_F_FOLLOWUP);
	KUNIT_EXPECT_EQ(test, lcrt_region_append(r, 0, fu, len), -ENOSPC);
}

static void lcrt_test_clear(struct kunit *test)
{
	u8 *mem = lcrt_test_mem(test, 5);
	struct lcrt_region *r = lcrt_test_region(test, mem, 5, LCRT_RING_KEEP);
	static const u64 after_one[] = { 1, 0, 3, 4, 0 };
	static const u64 after_to[] = { 0, 0, 0, 4, 0 };
	u64 seqs[5];
	int i;

	for (i = 0; i < 4; i++)
		lcrt_test_commit(r, 10);
	/* Slot 4 holds what LCRT never wrote. */
	memset(mem + LCRT_REGION_SLOTS + 4 * LCRT_TEST_SLOT, 0x5a, 16);
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ONE, 2, NULL,
						NULL), 1);
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ONE, 2, NULL,
						NULL), -ENOENT);
	lcrt_test_seqs(test, r, seqs);
	KUNIT_EXPECT_EQ(test, memcmp(seqs, after_one, sizeof(seqs)), 0);
	/* Up to a seq: the reader's records, not a newer one, not garbage. */
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_TO, 3, NULL,
						NULL), 2);
	lcrt_test_seqs(test, r, seqs);
	KUNIT_EXPECT_EQ(test, memcmp(seqs, after_to, sizeof(seqs)), 0);
	KUNIT_EXPECT_EQ(test, lcrt_region_state(r, 4, true, &seqs[0], &i),
			LCRT_SLOT_CORRUPT);
	/* Everything, garbage included. */
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ALL, 0, NULL,
						NULL), 2);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(mem + LCRT_REGION_SLOTS, 0,
					     5 * LCRT_TEST_SLOT), NULL);
	r = lcrt_test_region(test, mem, 5, LCRT_RING_KEEP);
	KUNIT_EXPECT_EQ(test, r->next_seq, 5ULL);
}

/* A record of garbage sections whose CRC matches them. */
static void lcrt_test_lie(struct lcrt_record_header *h, size_t total)
{
	h->header_size = cpu_to_le16(sizeof(*h));
	h->total_size = cpu_to_le32(total);
	lcrt_record_seal(h, 0);
	h->magic = cpu_to_le32(LCRT_MAGIC);
}

/*
 * Cut the power after every byte of a clear: the header keeps the numbers
 * first, and a slot is a record or empty, never half of one.
 */
static void lcrt_test_torn_clear(struct kunit *test)
{
	size_t size = LCRT_REGION_SLOTS + 2 * LCRT_TEST_SLOT, k;
	u8 *mem = lcrt_test_mem(test, 2);
	struct lcrt_region *r;
	unsigned int i;
	u64 seq;
	int err, st;

	for (k = 0; k <= 64 + 2 * (4 + LCRT_TEST_SLOT); k++) {
		/* Two records of this boot: its header still says seq 1. */
		memset(mem, 0, size);
		r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
		lcrt_test_commit(r, 10);
		lcrt_test_commit(r, 10);
		r->cut = k;
		lcrt_region_clear(r, LCRT_CLEAR_ALL, 0, NULL, NULL);
		r = lcrt_test_region(test, mem, 2, LCRT_RING_KEEP);
		KUNIT_EXPECT_EQ_MSG(test, r->next_seq, 3ULL, "cut at %zu", k);
		for (i = 0; i < 2; i++) {
			st = lcrt_region_state(r, i, true, &seq, &err);
			KUNIT_EXPECT_TRUE_MSG(test, st == LCRT_SLOT_VALID ||
					      st == LCRT_SLOT_EMPTY,
					      "cut at %zu: slot %u is %d", k, i,
					      st);
		}
	}
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(mem + LCRT_REGION_SLOTS, 0,
					     2 * LCRT_TEST_SLOT), NULL);
}

/* A header copy whose CRC is right, whatever its fields say. */
static void lcrt_test_header(u8 *mem, unsigned int copy, u32 slot_size,
			     u32 nslots, u64 generation, u64 next_seq)
{
	struct lcrt_region_header *h = (void *)(mem +
						copy * LCRT_REGION_HDR_SIZE);

	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(LCRT_REGION_MAGIC);
	h->version = cpu_to_le16(LCRT_REGION_VERSION);
	h->header_size = cpu_to_le16(sizeof(*h));
	h->slot_size = cpu_to_le32(slot_size);
	h->nslots = cpu_to_le32(nslots);
	h->generation = cpu_to_le64(generation);
	h->next_seq = cpu_to_le64(next_seq);
	h->crc32 = cpu_to_le32(~crc32_le(~0, (u8 *)h + LCRT_CRC_OFFSET,
					 sizeof(*h) - LCRT_CRC_OFFSET));
}

/* Whatever the region holds, a boot takes it and a capture can write. */
static void lcrt_test_any_content(struct kunit *test)
{
	size_t size = LCRT_REGION_SLOTS + 4 * LCRT_TEST_SLOT;
	u8 *mem = lcrt_test_mem(test, 4);
	unsigned int round, i;

	static const u32 geometry[][2] = {
		{ 0, 4 }, { 7, 4 }, { 65544, 4 }, { 256, 0 }, { 256, 5 },
		{ 128, 100000 }, { 8, 1 }, { 256, 4 },
	};
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 42);
	for (round = 0; round < 40 + ARRAY_SIZE(geometry); round++) {
		struct lcrt_record_header *h = (void *)(mem + LCRT_REGION_SLOTS);
		struct lcrt_region *r;
		struct lcrt_slot_info info;
		u64 seq;
		int slot, err;

		if (round == 0)
			memset(mem, 0, size);
		else if (round == 1)
			memset(mem, 0xff, size);
		else
			prandom_bytes_state(&rnd, mem, size);
		/* Headers that are right but for what they say. */
		if (round >= 40) {
			i = round - 40;
			lcrt_test_header(mem, i & 1, geometry[i][0],
					 geometry[i][1], i ? U64_MAX - i : 0,
					 U64_MAX - i);
		}
		if (round >= 20 && round < 40) {
			/* Magic and lying lengths; or a CRC over garbage. */
			for (i = 0; i < 4; i++, h = (void *)h + LCRT_TEST_SLOT) {
				h->magic = cpu_to_le32(i & 1 ? LCRT_MAGIC :
						       LCRT_MAGIC_PENDING);
				h->version = cpu_to_le16(LCRT_VERSION);
				if (round & 1)
					lcrt_test_lie(h, sizeof(*h) + 20 + i);
			}
		}
		r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r);
		r->mem = mem;
		KUNIT_ASSERT_EQ(test, lcrt_region_init(r, size, LCRT_TEST_SLOT,
						       LCRT_RING_KEEP, true), 0);
		lcrt_region_scan(r, &info);
		KUNIT_EXPECT_EQ(test, info.valid + info.torn + info.corrupt +
				info.empty, r->nslots);
		KUNIT_EXPECT_EQ(test, r->slot_size, (size_t)LCRT_TEST_SLOT);
		KUNIT_EXPECT_LE(test, r->nslots, 4U);
		if (round == 0)
			KUNIT_EXPECT_EQ(test, info.empty, r->nslots);
		else if (round < 20)
			KUNIT_EXPECT_EQ(test, info.valid, 0U);
		slot = lcrt_test_commit(r, 10);
		KUNIT_ASSERT_GE(test, slot, 0);
		KUNIT_EXPECT_EQ(test, lcrt_region_state(r, slot, true, &seq,
							&err), LCRT_SLOT_VALID);
		KUNIT_EXPECT_EQ(test, seq, r->next_seq - 1);
		lcrt_region_followup(r, slot);
	}
}

static void lcrt_test_owner(struct kunit *test)
{
	struct lcrt_owner o = { .owner = ATOMIC_INIT(LCRT_NO_OWNER) };
	int cpu;

	preempt_disable();
	cpu = raw_smp_processor_id();
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, cpu, false, 0));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu);
	/* Re-entered by a crash inside the capture: give up, never wait. */
	KUNIT_EXPECT_FALSE(test, lcrt_owner_get(&o, cpu, true, 1000000));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu);
	/* Owned by this CPU for a task that is gone: abandoned, taken. */
	o.task = (void *)&o;
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, cpu, false, 0));
	lcrt_owner_put(&o, cpu);
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), LCRT_NO_OWNER);
	/* Held by another CPU: give up after the wait, or take it over. */
	atomic_set(&o.owner, cpu + 1);
	KUNIT_EXPECT_FALSE(test, lcrt_owner_get(&o, cpu, false, 10));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu + 1);
	lcrt_owner_put(&o, cpu);	/* not ours to release */
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu + 1);
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, cpu, true, 10));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu);
	lcrt_owner_put(&o, cpu);
	/*
	 * Held by a reader on this CPU (interrupts off): a capture here
	 * interrupted it, and takes the region at once.
	 */
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, LCRT_OWNER_READER(cpu),
					       false, 0));
	KUNIT_EXPECT_FALSE(test, lcrt_owner_get(&o, LCRT_OWNER_READER(cpu),
						false, 10));
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, cpu, false, 0));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu);
	lcrt_owner_put(&o, cpu);
	/*
	 * Held by a reader on another CPU: a reader here that fails changes
	 * nothing, a capture waits, a panic takes it over.
	 */
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, LCRT_OWNER_READER(cpu + 1),
					       false, 0));
	KUNIT_EXPECT_FALSE(test, lcrt_owner_get(&o, LCRT_OWNER_READER(cpu),
						false, 10));
	KUNIT_EXPECT_FALSE(test, lcrt_owner_get(&o, cpu, false, 10));
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), LCRT_OWNER_READER(cpu + 1));
	KUNIT_EXPECT_TRUE(test, lcrt_owner_get(&o, cpu, true, 10));
	/* The owner taken over learns it before it commits. */
	KUNIT_EXPECT_FALSE(test, lcrt_owner_held(&o,
						 LCRT_OWNER_READER(cpu + 1)));
	KUNIT_EXPECT_TRUE(test, lcrt_owner_held(&o, cpu));
	lcrt_owner_put(&o, LCRT_OWNER_READER(cpu + 1));	/* taken over */
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), cpu);
	lcrt_owner_put(&o, cpu);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, atomic_read(&o.owner), LCRT_NO_OWNER);
}

/* What a region given by a person must be before LCRT writes to it. */
static void lcrt_test_region_check(struct kunit *test)
{
	const u64 page = PAGE_SIZE, at = 64 * page;
	static const char * const reasons[] = {
		"too small", "not 8-byte aligned", "past the end",
		"beyond the physical addresses",
	};
	const struct {
		u64 base, size;
		int bad;	/* index in reasons[], or -1 */
	} cases[] = {
		{ at, page, -1 },
		{ at, 16 * page, -1 },
		{ at, 0, 0 },
		{ at, LCRT_REGION_SLOTS + LCRT_MIN_RECORD_SIZE - 8, 0 },
		{ at + 256, 2 * page - 512, -1 },
		{ at + 4, page, 1 },
		{ at, page + 4, 1 },
		{ U64_MAX - page + 1, 2 * page, 2 },
		{ (u64)PHYS_ADDR_MAX - page + 1, page, -1 },
		{ (u64)PHYS_ADDR_MAX - page + 1, 2 * page,
		  sizeof(phys_addr_t) == sizeof(u64) ? 2 : 3 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		int ret = lcrt_region_check(cases[i].base, cases[i].size, &why);

		if (cases[i].bad < 0) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "case %u: %s", i, why);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "case %u", i);
		KUNIT_ASSERT_NOT_NULL(test, why);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, reasons[cases[i].bad]),
					  "case %u: %s", i, why);
	}
}

/*
 * A region that only Kconfig names, which nothing reserves: never one in
 * System RAM, which the page allocator hands out.
 */
static void lcrt_test_fixed_region(struct kunit *test)
{
	const u64 top = (u64)PHYS_ADDR_MAX - PAGE_SIZE + 1;
	void *buf = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	const char *why = NULL;
	u64 ram;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* No board has RAM in the top page of the physical address space. */
	KUNIT_EXPECT_EQ(test, lcrt_fixed_region_check(top, PAGE_SIZE, &why), 0);
	/* What lcrt_region_check() refuses, it refuses too. */
	KUNIT_EXPECT_EQ(test, lcrt_fixed_region_check(top + 4, PAGE_SIZE - 8,
						      &why), -EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "aligned"));
	if (IS_ENABLED(CONFIG_UML))
		kunit_skip(test, "UML's memory is no System RAM resource");
	/* A page the page allocator has just handed out. */
	ram = ALIGN(virt_to_phys(buf), 8);
	why = NULL;
	KUNIT_EXPECT_EQ(test, lcrt_fixed_region_check(ram, PAGE_SIZE, &why),
			-EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "system RAM"));
}

/*
 * A NOR chip as a medium: a program ANDs each byte into the chip, and
 * counts a byte that it would have to set a bit of; only chip_budget more
 * bytes reach it (a power cut). The region's image is region.c's memory.
 */
static u8 *lcrt_chip;
static size_t lcrt_chip_budget;
static unsigned int lcrt_chip_sets, lcrt_chip_clears;

static void lcrt_chip_program(struct lcrt_region *r, size_t off, size_t len)
{
	size_t i;

	/* The region header lives in memory only, as on mtd.c's flash. */
	if (off < LCRT_REGION_SLOTS)
		return;
	for (i = 0; i < len && lcrt_chip_budget; i++, lcrt_chip_budget--) {
		lcrt_chip_sets += !!(r->mem[off + i] & ~lcrt_chip[off + i]);
		lcrt_chip[off + i] &= r->mem[off + i];
	}
}

static bool lcrt_chip_ready(const struct lcrt_region *r, unsigned int i)
{
	const u8 *p = lcrt_chip + LCRT_REGION_SLOTS + i * r->slot_size;

	return !memchr_inv(p, 0xff, r->slot_size);
}

static void lcrt_chip_cleared(struct lcrt_region *r)
{
	lcrt_chip_clears++;
}

static void lcrt_chip_flush(struct lcrt_region *r)
{
}

static const struct lcrt_medium lcrt_chip_medium = {
	.name = "chip",
	.kind = LCRT_MEDIUM_FLASH,
	.and_only = true,
	.program = lcrt_chip_program,
	.ready = lcrt_chip_ready,
	.cleared = lcrt_chip_cleared,
	.flush = lcrt_chip_flush,
};

/* A boot: the region's image read from the chip, the region taken. */
static struct lcrt_region *lcrt_chip_boot(struct kunit *test, u8 *image,
					  unsigned int nslots)
{
	struct lcrt_region *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	size_t size = LCRT_REGION_SLOTS + nslots * LCRT_TEST_SLOT;

	KUNIT_ASSERT_NOT_NULL(test, r);
	memcpy(image, lcrt_chip, size);
	r->mem = image;
	r->medium = &lcrt_chip_medium;
	lcrt_chip_budget = SIZE_MAX;
	KUNIT_ASSERT_EQ(test, lcrt_region_init(r, size, LCRT_TEST_SLOT,
					       LCRT_RING_KEEP, true), 0);
	return r;
}

/*
 * On NOR: a cut after every byte of a commit, and of its follow-up, leaves
 * the record before it whole, and this one empty (nothing out), torn or
 * whole; no write ever asks the chip to set a bit. A full ring programs
 * nothing; a clear only clears bits and tells the medium.
 */
static void lcrt_test_nor(struct kunit *test)
{
	size_t size = LCRT_REGION_SLOTS + 3 * LCRT_TEST_SLOT, k, len;
	u8 *image = kunit_kzalloc(test, size, GFP_KERNEL);
	u8 *snap = kunit_kzalloc(test, size, GFP_KERNEL);
	u8 buf[LCRT_TEST_SLOT];
	struct lcrt_region *r;
	int slot, st, err;
	u64 seq;

	lcrt_chip = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, image);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_NOT_NULL(test, lcrt_chip);
	memset(lcrt_chip + LCRT_REGION_SLOTS, 0xff, size - LCRT_REGION_SLOTS);
	lcrt_chip_sets = 0;
	r = lcrt_chip_boot(test, image, 3);
	KUNIT_ASSERT_EQ(test, lcrt_test_commit(r, 20), 0);
	memcpy(snap, lcrt_chip, size);
	len = lcrt_test_small(buf, sizeof(buf), 2, "second", 0);
	/* The mark (its word, the rest of its header), the body, the commit. */
	for (k = 0; k <= 32 + len; k++) {
		memcpy(lcrt_chip, snap, size);
		r = lcrt_chip_boot(test, image, 3);
		lcrt_chip_budget = k;
		slot = lcrt_region_begin(r);
		KUNIT_ASSERT_EQ(test, slot, 1);
		lcrt_region_commit(r, slot, buf, len);
		r = lcrt_chip_boot(test, image, 3);
		st = lcrt_region_state(r, 0, true, &seq, &err);
		KUNIT_EXPECT_EQ_MSG(test, st, LCRT_SLOT_VALID, "cut at %zu", k);
		KUNIT_EXPECT_EQ(test, seq, 1ULL);
		st = lcrt_region_state(r, 1, true, &seq, &err);
		if (!k)
			KUNIT_EXPECT_EQ(test, st, LCRT_SLOT_EMPTY);
		else if (k < 32 + len)
			KUNIT_EXPECT_EQ_MSG(test, st, LCRT_SLOT_TORN,
					    "cut at %zu", k);
		else
			KUNIT_EXPECT_EQ(test, st, LCRT_SLOT_VALID);
		/* Once the mark's header is out, a torn one says its seq. */
		if (k >= 32)
			KUNIT_EXPECT_EQ_MSG(test, seq, 2ULL, "cut at %zu", k);
		KUNIT_EXPECT_EQ_MSG(test, lcrt_chip_sets, 0U, "cut at %zu", k);
	}
	/* A follow-up of record 2, cut after every byte: its pending word,
	 * its body, its commit word.
	 */
	memcpy(snap, lcrt_chip, size);
	len = lcrt_test_small(buf, sizeof(buf), 2, "then", LCRT_F_FOLLOWUP);
	for (k = 0; k <= len + 4; k++) {
		const struct lcrt_record_header *f;

		memcpy(lcrt_chip, snap, size);
		r = lcrt_chip_boot(test, image, 3);
		lcrt_chip_budget = k;
		KUNIT_EXPECT_EQ(test, lcrt_region_append(r, 1, buf, len), 0);
		r = lcrt_chip_boot(test, image, 3);
		st = lcrt_region_state(r, 1, true, &seq, &err);
		KUNIT_EXPECT_EQ_MSG(test, st, LCRT_SLOT_VALID, "cut at %zu", k);
		f = lcrt_region_followup(r, 1);
		if (!k)
			KUNIT_EXPECT_NULL(test, f);
		else if (k < len + 4)
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(f), -EINPROGRESS,
					    "cut at %zu", k);
		else
			KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(f));
		KUNIT_EXPECT_EQ_MSG(test, lcrt_chip_sets, 0U, "cut at %zu", k);
	}
	/* Full: no erased slot, nothing programmed, the records kept. */
	r = lcrt_chip_boot(test, image, 3);
	KUNIT_ASSERT_EQ(test, lcrt_test_commit(r, 20), 2);
	memcpy(snap, lcrt_chip, size);
	KUNIT_EXPECT_EQ(test, lcrt_region_begin(r), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(snap, lcrt_chip, size), 0);
	/* Clear: first words cleared, the medium told to erase. */
	lcrt_chip_clears = 0;
	KUNIT_EXPECT_EQ(test, lcrt_region_clear(r, LCRT_CLEAR_ALL, 0, NULL,
						NULL), 3);
	KUNIT_EXPECT_EQ(test, lcrt_chip_clears, 1U);
	KUNIT_EXPECT_EQ(test, lcrt_chip_sets, 0U);
	r = lcrt_chip_boot(test, image, 3);
	for (k = 0; k < 3; k++) {
		KUNIT_EXPECT_EQ(test, lcrt_region_state(r, k, true, &seq, &err),
				LCRT_SLOT_EMPTY);
		KUNIT_EXPECT_FALSE(test, lcrt_chip_ready(r, k));
	}
	KUNIT_EXPECT_EQ(test, lcrt_region_begin(r), -ENOSPC);
	/*
	 * A word a cut mark leaves on flash (the erased word with the mark's
	 * bits cleared) is torn there, and garbage in NVRAM.
	 */
	*(__le32 *)lcrt_region_slot_ptr(r, 0) =
		cpu_to_le32(0xffff0000 | (LCRT_MAGIC_NOR_PENDING & 0xffff));
	KUNIT_EXPECT_EQ(test, lcrt_region_state(r, 0, false, &seq, &err),
			LCRT_SLOT_TORN);
	r->medium = NULL;
	KUNIT_EXPECT_EQ(test, lcrt_region_state(r, 0, false, &seq, &err),
			LCRT_SLOT_CORRUPT);
}

static struct kunit_case lcrt_store_cases[] = {
	KUNIT_CASE(lcrt_test_region_check),
	KUNIT_CASE(lcrt_test_fixed_region),
	KUNIT_CASE(lcrt_test_header_round_trip),
	KUNIT_CASE(lcrt_test_geometry_change),
	KUNIT_CASE(lcrt_test_ring_policies),
	KUNIT_CASE(lcrt_test_full_keeps_until_commit),
	KUNIT_CASE(lcrt_test_torn_commit),
	KUNIT_CASE(lcrt_test_torn_followup),
	KUNIT_CASE(lcrt_test_nor),
	KUNIT_CASE(lcrt_test_clear),
	KUNIT_CASE(lcrt_test_torn_clear),
	KUNIT_CASE(lcrt_test_any_content),
	KUNIT_CASE(lcrt_test_owner),
	{}
};

static struct kunit_suite lcrt_store_suite = {
	.name = "lcrt_store",
	.test_cases = lcrt_store_cases,
};

kunit_test_suite(lcrt_store_suite);
