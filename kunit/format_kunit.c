// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: the record format (encoding, budget, CRC, bad input).
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

#include "lcrt_kunit.h"

/* ------------------------------------------------------------------------
 * Encoding
 */

static const u8 lcrt_test_id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
static const u8 lcrt_test_boot[LCRT_BOOT_ID_SIZE] = {
	0x8a, 0x1b, 0x3c, 0x4d, 0x5e, 0x6f, 0x47, 0x80,
	0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7, 0x08,
};

struct lcrt_test_record *lcrt_test_record(struct kunit *test,
					  unsigned int nframes)
{
	struct lcrt_test_record *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < ARRAY_SIZE(r->stack); i++)
		r->stack[i] = 0x1000 + i;
	for (i = 0; i < ARRAY_SIZE(r->regs); i++)
		r->regs[i] = 0xa0 + i;
	r->trace.nr = nframes;
	r->trace.unwinder = LCRT_UNW_FRAME_POINTER;
	r->trace.stop = LCRT_STOP_END;
	r->trace.windows = true;
	r->trace.culprit = -1;
	for (i = 0; i < nframes; i++) {
		struct lcrt_frame *f = &r->trace.frames[i];

		f->pc = 0x80001000UL + 0x40 * i + (i & 1 ? 0x10000 : 0);
		f->off = 4 * i;
		f->size = 0x40 + i;
		f->win_lo = (unsigned long)&r->stack[(2 * i) % 56];
		f->win_hi = f->win_lo + 4 * sizeof(unsigned long);
		snprintf(f->name, sizeof(f->name), "lcrt_test_function_%u", i);
	}
	r->facts = (struct lcrt_facts) {
		.event = LCRT_EV_OOPS,
		.context = LCRT_CTX_HARDIRQ,
		.cpu = 3,
		.pid = 4242,
		.preempt_count = 0x10001,
		.taint = 0x80,
		.uptime_ns = 1234567890123ULL,
		.comm = "kunit-task",
		.reason = "Fatal exception in interrupt",
		.release = "6.1.0-kunit",
		.build_id = lcrt_test_id,
		.build_id_len = sizeof(lcrt_test_id),
		.realtime_ns = 1764000000123456789ULL,
		.boot_id = lcrt_test_boot,
		.kaslr_offset = 0x1e00000,
		.regs = r->regs,
		.nregs = ARRAY_SIZE(r->regs),
		.trace = &r->trace,
		.window_words = 8,
	};
	return r;
}

static void lcrt_copy_str(char *dst, size_t size, const u8 *src, size_t len)
{
	len = min(len, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void lcrt_test_view(struct kunit *test, const void *rec, size_t len,
		    struct lcrt_test_view *v)
{
	const struct lcrt_record_header *h = rec;
	size_t off = sizeof(*h);
	struct lcrt_dec d;
	unsigned long pc = 0;
	u8 type, n;

	memset(v, 0, sizeof(*v));
	KUNIT_ASSERT_EQ(test, lcrt_record_check(rec, len), 0);
	v->flags = le16_to_cpu(h->flags);
	v->total = le32_to_cpu(h->total_size);
	while (lcrt_record_next(rec, &off, &type, &d)) {
		switch (type) {
		case LCRT_SEC_EVENT:
			v->event = true;
			v->ev = lcrt_dec_u8(&d);
			v->ctx = lcrt_dec_u8(&d);
			v->cpu = lcrt_dec_varint(&d);
			v->pid = lcrt_dec_varint(&d);
			v->preempt = lcrt_dec_varint(&d);
			v->taint = lcrt_dec_varint(&d);
			v->uptime = lcrt_dec_varint(&d);
			n = lcrt_dec_u8(&d);
			lcrt_copy_str(v->comm, sizeof(v->comm),
				      lcrt_dec_bytes(&d, n) ?: (const u8 *)"", n);
			break;
		case LCRT_SEC_REASON:
			v->reason = true;
			lcrt_copy_str(v->reason_text, sizeof(v->reason_text),
				      d.p, d.len);
			break;
		case LCRT_SEC_KERNEL:
			v->kernel = true;
			n = lcrt_dec_u8(&d);
			lcrt_copy_str(v->release, sizeof(v->release),
				      lcrt_dec_bytes(&d, n) ?: (const u8 *)"", n);
			v->id_len = lcrt_dec_u8(&d);
			if (v->id_len <= sizeof(v->id))
				memcpy(v->id, lcrt_dec_bytes(&d, v->id_len) ?: v->id,
				       v->id_len);
			break;
		case LCRT_SEC_REGS:
			v->regs = true;
			v->nregs = d.len / sizeof(unsigned long);
			memcpy(v->regv, d.p, min(d.len, sizeof(v->regv)));
			break;
		case LCRT_SEC_FRAMES:
			v->frames = true;
			lcrt_dec_u8(&d);
			lcrt_dec_u8(&d);
			v->dropped = lcrt_dec_varint(&d);
			while (d.pos < d.len && v->nframes < LCRT_MAX_FRAMES) {
				unsigned int i = v->nframes++;

				pc += lcrt_dec_svarint(&d);
				v->pc[i] = pc;
				v->off[i] = lcrt_dec_varint(&d);
				v->size[i] = lcrt_dec_varint(&d);
				n = lcrt_dec_u8(&d);
				lcrt_copy_str(v->name[i], sizeof(v->name[i]),
					      lcrt_dec_bytes(&d, n) ?: (const u8 *)"",
					      n);
			}
			break;
		case LCRT_SEC_CULPRIT:
			v->culprit = true;
			v->rule = lcrt_dec_u8(&d);
			v->culprit_idx = lcrt_dec_varint(&d);
			KUNIT_EXPECT_FALSE(test, d.error);
			KUNIT_EXPECT_EQ(test, d.pos, d.len);
			break;
		case LCRT_SEC_EXACT: {
			u64 k, n = lcrt_dec_varint(&d);

			for (k = 0; k < n && !d.error; k++) {
				u64 idx = lcrt_dec_varint(&d);

				KUNIT_EXPECT_LT(test, idx, (u64)v->nframes);
				if (idx < LCRT_MAX_FRAMES)
					v->exact[idx] = true;
				v->nexact++;
			}
			KUNIT_EXPECT_EQ(test, d.pos, d.len);
			break;
		}
		case LCRT_SEC_BOOT:
			v->boot = true;
			v->realtime = lcrt_dec_varint(&d);
			v->boot_id_len = lcrt_dec_u8(&d);
			KUNIT_EXPECT_LE(test, v->boot_id_len, LCRT_BOOT_ID_SIZE);
			if (v->boot_id_len <= LCRT_BOOT_ID_SIZE)
				memcpy(v->boot_id,
				       lcrt_dec_bytes(&d, v->boot_id_len) ?:
				       v->boot_id, v->boot_id_len);
			KUNIT_EXPECT_EQ(test, d.pos, d.len);	/* no more */
			break;
		case LCRT_SEC_LOAD:
			v->load = true;
			v->kaslr = lcrt_dec_varint(&d);
			v->nloads = lcrt_dec_varint(&d);
			for (n = 0; n < v->nloads && !d.error; n++) {
				u64 text = lcrt_dec_varint(&d);

				if (n < ARRAY_SIZE(v->loads))
					v->loads[n] = text;
			}
			KUNIT_EXPECT_EQ(test, d.pos, d.len);	/* no more */
			break;
		case LCRT_SEC_MODULES:
			while (d.pos < d.len && !d.error) {
				unsigned int i = min(v->nmodules++, 1U);

				n = lcrt_dec_u8(&d);
				lcrt_copy_str(v->module[i], sizeof(v->module[i]),
					      lcrt_dec_bytes(&d, n) ?: (const u8 *)"",
					      n);
				v->module_id_len[i] = lcrt_dec_u8(&d);
				if (v->module_id_len[i] <= sizeof(v->module_id[i]))
					memcpy(v->module_id[i],
					       lcrt_dec_bytes(&d, v->module_id_len[i]) ?:
					       v->module_id[i], v->module_id_len[i]);
			}
			break;
		case LCRT_SEC_STACK: {
			u64 idx = lcrt_dec_varint(&d), lo = lcrt_dec_varint(&d);

			KUNIT_EXPECT_LT(test, idx, (u64)LCRT_MAX_FRAMES);
			if (idx < LCRT_MAX_FRAMES)
				v->window_lo[idx] = lo;
			/* Innermost first: windows come in frame order. */
			KUNIT_EXPECT_GE(test, idx, (u64)v->last_window);
			v->last_window = idx + 1;
			if (idx < LCRT_MAX_FRAMES)
				v->window_words[idx] = (d.len - d.pos) /
						       sizeof(unsigned long);
			v->nwindows++;
			break;
		}
		}
		KUNIT_EXPECT_FALSE(test, d.error);
	}
}

/* The size of the record of @r with no limit. */
size_t lcrt_full_size(struct lcrt_test_record *r, u8 *buf)
{
	return lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 1);
}

static void lcrt_test_round_trip(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 5);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	const struct lcrt_record_header *h = (void *)buf;
	unsigned int i;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, v);
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 77);
	lcrt_record_seal(buf, 4321);
	h = (void *)buf;
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->magic), 0U); /* the store commits */
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);

	KUNIT_EXPECT_EQ(test, le64_to_cpu(h->seq), 77ULL);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->capture_ns), 4321U);
	KUNIT_EXPECT_EQ(test, (size_t)h->word_size, sizeof(unsigned long));
	KUNIT_EXPECT_EQ(test, v->total, len);
	KUNIT_EXPECT_EQ(test, v->flags & LCRT_F_TRUNCATED, 0);
	KUNIT_EXPECT_EQ(test, v->ev, LCRT_EV_OOPS);
	KUNIT_EXPECT_EQ(test, v->ctx, LCRT_CTX_HARDIRQ);
	KUNIT_EXPECT_EQ(test, v->cpu, 3ULL);
	KUNIT_EXPECT_EQ(test, v->pid, 4242ULL);
	KUNIT_EXPECT_EQ(test, v->preempt, 0x10001ULL);
	KUNIT_EXPECT_EQ(test, v->taint, 0x80ULL);
	KUNIT_EXPECT_EQ(test, v->uptime, 1234567890123ULL);
	KUNIT_EXPECT_STREQ(test, v->comm, "kunit-task");
	KUNIT_EXPECT_STREQ(test, v->reason_text, "Fatal exception in interrupt");
	KUNIT_EXPECT_STREQ(test, v->release, "6.1.0-kunit");
	KUNIT_EXPECT_EQ(test, v->id_len, (u8)sizeof(lcrt_test_id));
	KUNIT_EXPECT_EQ(test, memcmp(v->id, lcrt_test_id, sizeof(lcrt_test_id)), 0);
	KUNIT_EXPECT_EQ(test, v->nregs, 4U);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, v->regv[i], r->regs[i]);
	KUNIT_ASSERT_EQ(test, v->nframes, 5U);
	KUNIT_EXPECT_EQ(test, v->dropped, 0U);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_EQ(test, v->pc[i], r->trace.frames[i].pc);
		KUNIT_EXPECT_EQ(test, v->off[i], (u64)r->trace.frames[i].off);
		KUNIT_EXPECT_EQ(test, v->size[i], (u64)r->trace.frames[i].size);
		KUNIT_EXPECT_STREQ(test, v->name[i], r->trace.frames[i].name);
		KUNIT_EXPECT_EQ(test, v->window_words[i], 4U);
	}
	KUNIT_EXPECT_EQ(test, v->nwindows, 5U);
	/* When, in which boot, and where the kernel was loaded. */
	KUNIT_EXPECT_TRUE(test, v->boot);
	KUNIT_EXPECT_EQ(test, v->realtime, 1764000000123456789ULL);
	KUNIT_ASSERT_EQ(test, v->boot_id_len, (u8)LCRT_BOOT_ID_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(v->boot_id, lcrt_test_boot,
				     LCRT_BOOT_ID_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, v->load);
	KUNIT_EXPECT_EQ(test, v->kaslr, 0x1e00000ULL);
	KUNIT_EXPECT_EQ(test, v->nloads, 0U);

	/* A crash before the boot id was read: none, and no clock. */
	r->facts.boot_id = NULL;
	r->facts.realtime_ns = 0;
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 78);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_TRUE(test, v->boot);
	KUNIT_EXPECT_EQ(test, v->realtime, 0ULL);
	KUNIT_EXPECT_EQ(test, v->boot_id_len, 0);
	KUNIT_EXPECT_EQ(test, v->flags & LCRT_F_TRUNCATED, 0);
}

/*
 * The exact frames and the modules of the chain: each module once, with
 * its build-id or none, and both before the windows.
 */
static void lcrt_test_exact_modules(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 4);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	static const char mod_a[] = "lcrt_mod_a", mod_b[] = "lcrt_mod_b";
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, v);
	r->trace.frames[0].exact = true;
	r->trace.frames[2].exact = true;
	r->trace.frames[1].module = mod_a;
	r->trace.frames[1].build_id = lcrt_test_id;
	r->trace.frames[2].module = mod_b;
	r->trace.frames[3].module = mod_a;
	r->trace.frames[3].build_id = lcrt_test_id;
	r->trace.frames[1].mod_text = 0xbf000000UL;
	r->trace.frames[2].mod_text = 0xbf100000UL;
	r->trace.frames[3].mod_text = 0xbf000000UL;
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 1);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);

	KUNIT_EXPECT_EQ(test, v->flags & LCRT_F_TRUNCATED, 0);
	KUNIT_EXPECT_EQ(test, v->nexact, 2U);
	KUNIT_EXPECT_TRUE(test, v->exact[0]);
	KUNIT_EXPECT_FALSE(test, v->exact[1]);
	KUNIT_EXPECT_TRUE(test, v->exact[2]);
	KUNIT_EXPECT_FALSE(test, v->exact[3]);
	KUNIT_ASSERT_EQ(test, v->nmodules, 2U);
	KUNIT_EXPECT_STREQ(test, v->module[0], mod_a);
	KUNIT_EXPECT_EQ(test, v->module_id_len[0], (u8)20);
	KUNIT_EXPECT_EQ(test, memcmp(v->module_id[0], lcrt_test_id, 20), 0);
	KUNIT_EXPECT_STREQ(test, v->module[1], mod_b);
	KUNIT_EXPECT_EQ(test, v->module_id_len[1], 0);
	KUNIT_EXPECT_EQ(test, v->nwindows, 4U);
	/* Each module's text, in the modules' order. */
	KUNIT_ASSERT_EQ(test, v->nloads, 2U);
	KUNIT_EXPECT_EQ(test, v->loads[0], 0xbf000000ULL);
	KUNIT_EXPECT_EQ(test, v->loads[1], 0xbf100000ULL);

	/* No exact frame and no module: neither section. */
	r = lcrt_test_record(test, 4);
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 2);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nexact, 0U);
	KUNIT_EXPECT_EQ(test, v->nmodules, 0U);
	KUNIT_EXPECT_EQ(test, v->nloads, 0U);
}

static void lcrt_test_varints(struct kunit *test)
{
	static const u64 values[] = { 0, 1, 127, 128, 300, 0xffffffffULL,
				      0x7fffffffffffffffULL, U64_MAX };
	static const s64 svalues[] = { 0, -1, 1, -64, 64, S64_MIN, S64_MAX };
	u8 buf[256];
	struct lcrt_enc e;
	struct lcrt_dec d;
	unsigned int i;

	lcrt_enc_init(&e, buf, sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(values); i++)
		lcrt_enc_varint(&e, values[i]);
	for (i = 0; i < ARRAY_SIZE(svalues); i++)
		lcrt_enc_svarint(&e, svalues[i]);
	KUNIT_ASSERT_FALSE(test, e.overflow);
	d = (struct lcrt_dec){ .p = buf + sizeof(struct lcrt_record_header),
			       .len = e.pos - sizeof(struct lcrt_record_header) };
	for (i = 0; i < ARRAY_SIZE(values); i++)
		KUNIT_EXPECT_EQ(test, lcrt_dec_varint(&d), values[i]);
	for (i = 0; i < ARRAY_SIZE(svalues); i++)
		KUNIT_EXPECT_EQ(test, lcrt_dec_svarint(&d), svalues[i]);
	KUNIT_EXPECT_FALSE(test, d.error);
	KUNIT_EXPECT_EQ(test, d.pos, d.len);
	/* Reading past the end is an error, not a read. */
	lcrt_dec_u8(&d);
	KUNIT_EXPECT_TRUE(test, d.error);
}

static void lcrt_test_budget_exact(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 12);
	u8 *full = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	size_t n;

	KUNIT_ASSERT_NOT_NULL(test, full);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	n = lcrt_full_size(r, full);
	KUNIT_ASSERT_GT(test, n, (size_t)0);
	KUNIT_EXPECT_EQ(test, lcrt_encode(&r->facts, buf, n, 1), n);
	KUNIT_EXPECT_EQ(test, memcmp(buf, full, n), 0);
}

static void lcrt_test_budget_one_short(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 12);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	const size_t w = sizeof(unsigned long);
	const struct lcrt_frame *last = &r->trace.frames[11];
	unsigned int i, up;
	size_t n, len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, v);
	/* Frames that grow down, then frames above their record (arm64). */
	for (up = 0; up < 2; up++) {
		r->trace.windows_up = up;
		n = lcrt_full_size(r, buf);
		len = lcrt_encode(&r->facts, buf, n - 1, 1);
		lcrt_record_seal(buf, 0);
		((struct lcrt_record_header *)buf)->magic =
			cpu_to_le32(LCRT_MAGIC);
		KUNIT_EXPECT_LE(test, len, n - 1);
		lcrt_test_view(test, buf, len, v);
		/*
		 * Every frame keeps its window: the outermost gives up a word,
		 * the one farthest from its caller, or its frame record's.
		 */
		KUNIT_EXPECT_EQ(test, v->nframes, 12U);
		KUNIT_EXPECT_EQ(test, v->nwindows, 12U);
		for (i = 0; i < 11; i++)
			KUNIT_EXPECT_EQ(test, v->window_words[i], 4U);
		KUNIT_EXPECT_EQ(test, v->window_words[11], 3U);
		KUNIT_EXPECT_EQ(test, v->window_lo[11],
				up ? last->win_lo + w : last->win_hi - 3 * w);
		KUNIT_EXPECT_TRUE(test, v->flags & LCRT_F_TRUNCATED);
		KUNIT_EXPECT_TRUE(test, v->flags & LCRT_F_WINDOWS_CUT);
		KUNIT_EXPECT_FALSE(test, v->flags & LCRT_F_WINDOWS_DROPPED);
	}
}

/*
 * A budget that holds two words of every window but not three: all windows
 * are there, two words each, and the innermost take a third word each
 * while the room lasts.
 */
static void lcrt_test_budget_windows(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 12);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	const size_t w = sizeof(unsigned long);
	unsigned int i;
	size_t n, len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, v);
	n = lcrt_full_size(r, buf);
	/* Two words less for each of the 12 windows, and 3 words more. */
	len = lcrt_encode(&r->facts, buf, n - 24 * w + 3 * w, 1);
	lcrt_record_seal(buf, 0);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nframes, 12U);
	KUNIT_ASSERT_EQ(test, v->nwindows, 12U);
	for (i = 0; i < 12; i++)
		KUNIT_EXPECT_EQ(test, v->window_words[i], i < 3 ? 3U : 2U);
	KUNIT_EXPECT_TRUE(test, v->flags & LCRT_F_WINDOWS_CUT);
	KUNIT_EXPECT_FALSE(test, v->flags & LCRT_F_WINDOWS_DROPPED);

	/* lcrt.window_words=0 keeps no windows, and nothing is cut. */
	r->facts.window_words = 0;
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 1);
	lcrt_record_seal(buf, 0);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nframes, 12U);
	KUNIT_EXPECT_EQ(test, v->nwindows, 0U);
	KUNIT_EXPECT_EQ(test, v->flags & (LCRT_F_TRUNCATED | LCRT_F_WINDOWS_CUT |
					  LCRT_F_WINDOWS_DROPPED), 0);
}

/*
 * The sweep below, on a chain whose outer frames are in two modules and
 * whose culprit is frame 2 (a module's bytes are kept room for, so that
 * they never take the room of windows).
 */
static void lcrt_test_modules_chain(struct lcrt_test_record *r)
{
	static const char mod_a[] = "lcrt_mod_a", mod_b[] = "lcrt_mod_b";
	unsigned int i;

	for (i = LCRT_MAX_FRAMES / 2; i < LCRT_MAX_FRAMES; i++) {
		r->trace.frames[i].module = i & 1 ? mod_a : mod_b;
		r->trace.frames[i].build_id = lcrt_test_id;
		r->trace.frames[i].mod_text = i & 1 ? (unsigned long)-0x3f000000L :
						      (unsigned long)-0x3e000000L;
	}
	r->trace.culprit = 2;
	r->trace.rule = LCRT_CULPRIT_CALLER;
}

/*
 * Recursions folded among the outer frames (a repeat count each): what
 * is kept of them is counted for the frames kept alone, too.
 */
static void lcrt_test_repeats_chain(struct lcrt_test_record *r)
{
	unsigned int i;

	for (i = LCRT_MAX_FRAMES / 2; i < LCRT_MAX_FRAMES; i += 4)
		r->trace.frames[i].repeat = 300 + i;
}

static void lcrt_budget_sweep(struct kunit *test, bool modules, bool repeats)
{
	struct lcrt_test_record *r = lcrt_test_record(test, LCRT_MAX_FRAMES);
	u8 *buf = kunit_kzalloc(test, LCRT_MAX_RECORD_SIZE, GFP_KERNEL);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	unsigned int prev_frames = 0, prev_windows = 0, i;
	unsigned int *prev_words;
	size_t budget, n, len;

	prev_words = kunit_kcalloc(test, LCRT_MAX_FRAMES, sizeof(*prev_words),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, prev_words);
	if (modules)
		lcrt_test_modules_chain(r);
	if (repeats)
		lcrt_test_repeats_chain(r);
	n = lcrt_full_size(r, buf);
	for (budget = sizeof(struct lcrt_record_header); budget <= n; budget++) {
		memset(buf, 0xa5, LCRT_MAX_RECORD_SIZE);
		len = lcrt_encode(&r->facts, buf, budget, 1);
		KUNIT_ASSERT_LE(test, len, budget);
		/* Nothing is written past the budget. */
		KUNIT_ASSERT_EQ(test, buf[budget], 0xa5);
		lcrt_record_seal(buf, 0);
		((struct lcrt_record_header *)buf)->magic =
			cpu_to_le32(LCRT_MAGIC);
		lcrt_test_view(test, buf, len, v);
		/* More room never means fewer frames or windows. */
		KUNIT_ASSERT_GE(test, v->nframes, prev_frames);
		KUNIT_ASSERT_GE(test, v->nwindows, prev_windows);
		/*
		 * No window before every frame is in, but for a culprit's:
		 * room is kept for the windows around it.
		 */
		if (v->nwindows && r->trace.culprit < 0)
			KUNIT_ASSERT_EQ(test, v->nframes, LCRT_MAX_FRAMES);
		/* Windows are left out only when not one word each fits. */
		if (v->nwindows < v->nframes && v->frames && !v->dropped)
			KUNIT_ASSERT_TRUE(test,
					  v->flags & LCRT_F_WINDOWS_DROPPED);
		if (v->nwindows == LCRT_MAX_FRAMES)
			KUNIT_ASSERT_FALSE(test,
					   v->flags & LCRT_F_WINDOWS_DROPPED);
		/*
		 * Every kept frame's window is placed (where it is) before any
		 * window gets a word, the culprit's too.
		 */
		if (v->nwindows < v->nframes)
			for (i = 0; i < LCRT_MAX_FRAMES; i++)
				KUNIT_ASSERT_EQ_MSG(test, v->window_words[i], 0U,
						    "budget %zu, frame %u", budget, i);
		/* No frame before the facts are in. */
		if (v->frames)
			KUNIT_ASSERT_TRUE(test, v->event && v->reason &&
					  v->kernel && v->boot && v->regs);
		if (v->frames)
			KUNIT_ASSERT_EQ(test, v->nframes + v->dropped,
					LCRT_MAX_FRAMES);
		if (budget < n)
			KUNIT_ASSERT_TRUE(test, v->flags & LCRT_F_TRUNCATED);
		/*
		 * A frame comes in at the first budget it fits in: nothing is
		 * kept back for frames that are left out (their modules, load
		 * addresses or windows), so the record then fills the budget
		 * to within a few bytes (a count that shrinks as frames come).
		 */
		if (prev_frames && v->nframes > prev_frames)
			KUNIT_ASSERT_LT_MSG(test, budget - len, (size_t)8,
					    "budget %zu, %u frames", budget,
					    v->nframes);
		/*
		 * Nor any window fewer words; with a culprit, the windows from
		 * its callee to its third caller (LCRT_CORE_CALLERS), while
		 * the others give words to the outer frames that come in.
		 */
		for (i = 0; i < LCRT_MAX_FRAMES; i++) {
			if (r->trace.culprit < 0 ||
			    (i + 1 >= r->trace.culprit && i <= r->trace.culprit + 3))
				KUNIT_ASSERT_GE_MSG(test, v->window_words[i],
						    prev_words[i], "budget %zu",
						    budget);
			prev_words[i] = v->window_words[i];
		}
		prev_frames = v->nframes;
		prev_windows = v->nwindows;
	}
	KUNIT_EXPECT_EQ(test, prev_frames, LCRT_MAX_FRAMES);
}

static void lcrt_test_budget_tiny(struct kunit *test)
{
	lcrt_budget_sweep(test, false, false);
}

static void lcrt_test_budget_modules(struct kunit *test)
{
	lcrt_budget_sweep(test, true, false);
}

static void lcrt_test_budget_repeats(struct kunit *test)
{
	lcrt_budget_sweep(test, true, true);
}

static size_t lcrt_test_sealed(struct kunit *test, u8 *buf)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 6);
	size_t len = lcrt_encode(&r->facts, buf, 1024, 9);

	lcrt_record_seal(buf, 55);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	KUNIT_ASSERT_EQ(test, lcrt_record_check(buf, len), 0);
	return len;
}

static void lcrt_test_crc_flips(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	size_t len, bit;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = lcrt_test_sealed(test, buf);
	for (bit = 0; bit < len * 8; bit++) {
		buf[bit / 8] ^= BIT(bit % 8);
		KUNIT_EXPECT_NE_MSG(test, lcrt_record_check(buf, len), 0,
				    "bit %zu flipped unnoticed", bit);
		buf[bit / 8] ^= BIT(bit % 8);
	}
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len), 0);
}

static void lcrt_test_bad_input(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	struct lcrt_record_header *h = (void *)buf;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = lcrt_test_sealed(test, buf);
	/* Truncated: fewer bytes than the record. */
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len - 1), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, 8), -ENODATA);
	/* Over-long: a total size past what may be read. */
	h->total_size = cpu_to_le32(len + 100);
	lcrt_record_seal(buf, 55);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len + 50), -EMSGSIZE);
	/* A section that runs past the record. */
	h->total_size = cpu_to_le32(len - 1);
	lcrt_record_seal(buf, 55);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len), -EUCLEAN);
	h->total_size = cpu_to_le32(len);
	lcrt_record_seal(buf, 55);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len), 0);
	/* A newer minor version only adds what a reader may skip. */
	h->version = cpu_to_le16(LCRT_VERSION + 1);
	lcrt_record_seal(buf, 55);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len), 0);
	/* Another major version. */
	h->version = cpu_to_le16(LCRT_VERSION + 0x100);
	lcrt_record_seal(buf, 55);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, len), -EPROTO);
	/* An erased slot. */
	memset(buf, 0, 1024);
	KUNIT_EXPECT_EQ(test, lcrt_record_check(buf, 1024), -ENODATA);
}

static struct kunit_case lcrt_record_cases[] = {
	KUNIT_CASE(lcrt_test_varints),
	KUNIT_CASE(lcrt_test_round_trip),
	KUNIT_CASE(lcrt_test_exact_modules),
	KUNIT_CASE(lcrt_test_budget_exact),
	KUNIT_CASE(lcrt_test_budget_one_short),
	KUNIT_CASE(lcrt_test_budget_windows),
	KUNIT_CASE(lcrt_test_budget_tiny),
	KUNIT_CASE(lcrt_test_budget_modules),
	KUNIT_CASE(lcrt_test_budget_repeats),
	KUNIT_CASE(lcrt_test_crc_flips),
	KUNIT_CASE(lcrt_test_bad_input),
	{}
};

static struct kunit_suite lcrt_record_suite = {
	.name = "lcrt_record",
	.test_cases = lcrt_record_cases,
};

kunit_test_suite(lcrt_record_suite);

MODULE_LICENSE("GPL");
