// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: the record encoding, the NVRAM region and the call
 * chain walker.
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

#include "lcrt.h"

/* ------------------------------------------------------------------------
 * Encoding
 */

struct lcrt_test_record {
	struct lcrt_trace trace;
	unsigned long regs[4];
	unsigned long stack[64];	/* the frames' windows point here */
	struct lcrt_facts facts;
};

static const u8 lcrt_test_id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };

static struct lcrt_test_record *lcrt_test_record(struct kunit *test,
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
		.regs = r->regs,
		.nregs = ARRAY_SIZE(r->regs),
		.trace = &r->trace,
		.window_words = 8,
	};
	return r;
}

/* What a record says, read back through the decoder. */
struct lcrt_test_view {
	bool event, reason, kernel, regs, frames;
	u8 ev, ctx;
	u64 cpu, pid, preempt, taint, uptime;
	char comm[32], reason_text[64], release[32];
	u8 id[20], id_len;
	unsigned long regv[8];
	unsigned int nregs, nframes, nwindows, dropped;
	u64 last_window;	/* one past the index of the last window */
	unsigned long pc[LCRT_MAX_FRAMES];
	char name[LCRT_MAX_FRAMES][LCRT_NAME_MAX + 1];
	u64 off[LCRT_MAX_FRAMES], size[LCRT_MAX_FRAMES];
	unsigned int window_words[LCRT_MAX_FRAMES];
	unsigned long window_lo[LCRT_MAX_FRAMES];
	bool exact[LCRT_MAX_FRAMES];
	unsigned int nexact, nmodules;
	bool culprit;
	u8 rule;
	u64 culprit_idx;
	char module[2][LCRT_NAME_MAX + 1];
	u8 module_id[2][20], module_id_len[2];
	u16 flags;
	size_t total;
};

static void lcrt_copy_str(char *dst, size_t size, const u8 *src, size_t len)
{
	len = min(len, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void lcrt_test_view(struct kunit *test, const void *rec, size_t len,
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

	/* No exact frame and no module: neither section. */
	r = lcrt_test_record(test, 4);
	len = lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 2);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nexact, 0U);
	KUNIT_EXPECT_EQ(test, v->nmodules, 0U);
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

/* The size of the record of @r with no limit. */
static size_t lcrt_full_size(struct lcrt_test_record *r, u8 *buf)
{
	return lcrt_encode(&r->facts, buf, LCRT_MAX_RECORD_SIZE, 1);
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

static void lcrt_test_budget_tiny(struct kunit *test)
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
		/* No window before every frame is in. */
		if (v->nwindows)
			KUNIT_ASSERT_EQ(test, v->nframes, LCRT_MAX_FRAMES);
		/* Windows are left out only when not one word each fits. */
		if (v->nwindows < v->nframes && v->frames && !v->dropped)
			KUNIT_ASSERT_TRUE(test,
					  v->flags & LCRT_F_WINDOWS_DROPPED);
		if (v->nwindows == LCRT_MAX_FRAMES)
			KUNIT_ASSERT_FALSE(test,
					   v->flags & LCRT_F_WINDOWS_DROPPED);
		/* No frame before the facts are in. */
		if (v->frames)
			KUNIT_ASSERT_TRUE(test, v->event && v->reason &&
					  v->kernel && v->regs);
		if (v->frames)
			KUNIT_ASSERT_EQ(test, v->nframes + v->dropped,
					LCRT_MAX_FRAMES);
		if (budget < n)
			KUNIT_ASSERT_TRUE(test, v->flags & LCRT_F_TRUNCATED);
		/* Nor any window fewer words. */
		for (i = 0; i < LCRT_MAX_FRAMES; i++) {
			KUNIT_ASSERT_GE(test, v->window_words[i], prev_words[i]);
			prev_words[i] = v->window_words[i];
		}
		prev_frames = v->nframes;
		prev_windows = v->nwindows;
	}
	KUNIT_EXPECT_EQ(test, prev_frames, LCRT_MAX_FRAMES);
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
	KUNIT_CASE(lcrt_test_crc_flips),
	KUNIT_CASE(lcrt_test_bad_input),
	{}
};

static struct kunit_suite lcrt_record_suite = {
	.name = "lcrt_record",
	.test_cases = lcrt_record_cases,
};

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

static struct kunit_case lcrt_store_cases[] = {
	KUNIT_CASE(lcrt_test_region_check),
	KUNIT_CASE(lcrt_test_header_round_trip),
	KUNIT_CASE(lcrt_test_geometry_change),
	KUNIT_CASE(lcrt_test_ring_policies),
	KUNIT_CASE(lcrt_test_full_keeps_until_commit),
	KUNIT_CASE(lcrt_test_torn_commit),
	KUNIT_CASE(lcrt_test_torn_followup),
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

/* ------------------------------------------------------------------------
 * Unwinding
 */

static struct lcrt_trace *lcrt_chain_trace;

/*
 * The words of each frame's window, copied while the frames are live: once
 * the chain has returned, an interrupt may write over its dead frames.
 */
static unsigned long lcrt_chain_words[LCRT_MAX_FRAMES][LCRT_WINDOW_MAX];

static noinline void lcrt_test_leaf(void)
{
	struct lcrt_trace *t = lcrt_chain_trace;
	unsigned int i, n;

	lcrt_unwind(t, NULL);
	for (i = 0; i < t->nr; i++) {
		n = min_t(unsigned long, LCRT_WINDOW_MAX,
			  (t->frames[i].win_hi - t->frames[i].win_lo) /
			  sizeof(long));
		if (t->frames[i].win_lo < t->frames[i].win_hi)
			memcpy(lcrt_chain_words[i], (void *)t->frames[i].win_lo,
			       n * sizeof(long));
	}
	lcrt_symbolize(t);
	barrier();	/* no tail call: this frame stays */
}

static noinline void lcrt_test_middle(void)
{
	lcrt_test_leaf();
	barrier();
}

static noinline void lcrt_test_outer(void)
{
	lcrt_test_middle();
	barrier();
}

static int lcrt_find(const struct lcrt_trace *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->frames[i].name, name))
			return i;
	return -1;
}

/* The chain as walked, when a test did not find what it expected. */
static void lcrt_show_trace(struct kunit *test, const struct lcrt_trace *t)
{
	unsigned int i;

	kunit_info(test, "unwinder %u, stop %u, %u frames:\n", t->unwinder,
		   t->stop, t->nr);
	for (i = 0; i < t->nr; i++)
		kunit_info(test, "  #%u %s %lx [%lx, %lx)\n", i,
			   t->frames[i].name, t->frames[i].pc,
			   t->frames[i].win_lo, t->frames[i].win_hi);
}

/* Did @t's frame @i hold the word @val in its window (as copied)? */
static bool lcrt_window_holds(const struct lcrt_trace *t, int i,
			      unsigned long val)
{
	unsigned long n = (t->frames[i].win_hi - t->frames[i].win_lo) /
			  sizeof(long);
	unsigned int k;

	for (k = 0; k < min_t(unsigned long, n, LCRT_WINDOW_MAX); k++)
		if (lcrt_chain_words[i][k] == val)
			return true;
	return false;
}

/*
 * Frames @i, @i + 1 and @i + 2 of a chain of non-leaf functions: each window
 * ends where its caller's begins, and each holds the return address into
 * its caller, which the function saved in its own frame.
 */
static void lcrt_expect_own_frames(struct kunit *test,
				   const struct lcrt_trace *t, int i)
{
	int k;

	for (k = i; k < i + 2; k++) {
		KUNIT_EXPECT_LT(test, t->frames[k].win_lo, t->frames[k].win_hi);
		KUNIT_EXPECT_EQ(test, t->frames[k].win_hi,
				t->frames[k + 1].win_lo);
		KUNIT_EXPECT_TRUE(test, lcrt_window_holds(t, k,
							  t->frames[k + 1].pc));
	}
}

static void lcrt_test_real_chain(struct kunit *test)
{
	int leaf, middle, outer;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "needs CONFIG_KALLSYMS to name the frames");
	lcrt_chain_trace = kunit_kzalloc(test, sizeof(*lcrt_chain_trace),
					 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lcrt_chain_trace);
	lcrt_test_outer();
	/*
	 * UML's stack_trace_save() reports only the frames it can prove with
	 * frame pointers: without them (kunit.py's default UML config) the
	 * kernel's unwinder gives nothing to check.
	 */
	if (IS_ENABLED(CONFIG_UML) && !lcrt_have_fp() && !lcrt_chain_trace->nr)
		kunit_skip(test, "UML's unwinder needs CONFIG_FRAME_POINTER");
	leaf = lcrt_find(lcrt_chain_trace, "lcrt_test_leaf");
	middle = lcrt_find(lcrt_chain_trace, "lcrt_test_middle");
	outer = lcrt_find(lcrt_chain_trace, "lcrt_test_outer");
	if (leaf < 0 || outer != leaf + 2)
		lcrt_show_trace(test, lcrt_chain_trace);
	KUNIT_EXPECT_GE(test, leaf, 0);
	KUNIT_EXPECT_EQ(test, middle, leaf + 1);
	KUNIT_EXPECT_EQ(test, outer, middle + 1);
	KUNIT_EXPECT_GE(test, lcrt_find(lcrt_chain_trace, "lcrt_test_real_chain"),
			outer + 1);
	if (lcrt_have_fp())
		KUNIT_EXPECT_EQ(test, lcrt_chain_trace->unwinder,
				LCRT_UNW_FRAME_POINTER);
	if (IS_ENABLED(CONFIG_LCRT_ARCH_UNWIND) && !lcrt_have_fp() &&
	    leaf >= 0 && outer == leaf + 2) {
		KUNIT_EXPECT_EQ(test, lcrt_chain_trace->unwinder,
				IS_ENABLED(CONFIG_ARM_UNWIND) ?
				LCRT_UNW_ARM_TABLES : LCRT_UNW_ORC);
		lcrt_expect_own_frames(test, lcrt_chain_trace, leaf);
	}
}

/*
 * A real exception entry and two stacks: an interrupt (irq_work, raised by
 * a self-IPI where the architecture has one, else at the next tick) walks
 * from its handler on the IRQ stack, across the entry, into the task it
 * interrupted. The pc found past the entry is exact, and the interrupted
 * function, with its window on the task stack, is in the chain.
 */
static struct lcrt_trace *lcrt_irq_trace;
static int lcrt_irq_done;

static noinline void lcrt_test_irq_handler(struct irq_work *work)
{
	lcrt_unwind(lcrt_irq_trace, NULL);
	lcrt_symbolize(lcrt_irq_trace);
	WRITE_ONCE(lcrt_irq_done, 1);
	barrier();	/* no tail call: this frame stays */
}

/* Preemption off: the interrupt comes on this CPU, to this task. */
static noinline bool lcrt_test_interrupted(struct irq_work *work)
{
	unsigned long end = jiffies + 5 * HZ;
	bool done;

	preempt_disable();
	irq_work_queue(work);
	while (!READ_ONCE(lcrt_irq_done) && time_before(jiffies, end))
		cpu_relax();
	done = READ_ONCE(lcrt_irq_done);
	preempt_enable();
	return done;
}

static bool lcrt_on_task_stack(unsigned long lo, unsigned long hi)
{
	unsigned long task = (unsigned long)task_stack_page(current);

	return lo >= task && hi <= task + THREAD_SIZE;
}

static void lcrt_test_irq_chain(struct kunit *test)
{
	struct irq_work work = IRQ_WORK_INIT_HARD(lcrt_test_irq_handler);
	const struct lcrt_trace *t;
	int handler, spin, k, exact = -1;
	bool done;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "needs CONFIG_KALLSYMS to name the frames");
	if (!lcrt_have_fp() && !IS_ENABLED(CONFIG_LCRT_ARCH_UNWIND))
		kunit_skip(test, "no unwinder that knows each frame's stack");
	if (IS_ENABLED(CONFIG_ARM) && lcrt_have_fp())
		kunit_skip(test, "APCS frames do not lead across __irq_svc");
	lcrt_irq_trace = kunit_kzalloc(test, sizeof(*lcrt_irq_trace),
				       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lcrt_irq_trace);
	WRITE_ONCE(lcrt_irq_done, 0);
	done = lcrt_test_interrupted(&work);
	/* The work and the trace must outlive the handler, run or not. */
	irq_work_sync(&work);
	KUNIT_ASSERT_TRUE_MSG(test, done, "the irq_work did not run within 5 s");
	t = lcrt_irq_trace;
	handler = lcrt_find(t, "lcrt_test_irq_handler");
	spin = lcrt_find(t, "lcrt_test_interrupted");
	for (k = handler + 1; handler >= 0 && k <= spin; k++) {
		if (t->frames[k].exact) {
			exact = k;
			break;
		}
	}
	if (handler < 0 || spin <= handler || exact < 0)
		lcrt_show_trace(test, t);
	KUNIT_ASSERT_GE(test, handler, 0);
	KUNIT_ASSERT_GT(test, spin, handler);
	/* Past the entry: where the CPU was, not a return address. */
	KUNIT_EXPECT_GT(test, exact, handler);
	/* The handler ran on another stack than the task it interrupted. */
	KUNIT_EXPECT_TRUE(test, t->frames[handler].win_lo <
				t->frames[handler].win_hi);
	KUNIT_EXPECT_FALSE(test, lcrt_on_task_stack(t->frames[handler].win_lo,
						    t->frames[handler].win_hi));
	KUNIT_EXPECT_TRUE(test, t->frames[spin].win_lo < t->frames[spin].win_hi);
	KUNIT_EXPECT_TRUE(test, lcrt_on_task_stack(t->frames[spin].win_lo,
						   t->frames[spin].win_hi));
	KUNIT_EXPECT_GE(test, lcrt_find(t, "lcrt_test_irq_chain"), spin + 1);
}

/*
 * Synthetic stacks, for each architecture's frame record: a buffer that is
 * the only stack the walk may read, with frames where a test puts them.
 */
static const struct lcrt_fp_layout lcrt_layouts[] = {
	{ .next_fp = -12, .ret_pc = -4, .top = 4, .saved_pc = 0,
	  .pc_adjust = 12 },					/* arm */
	{ .next_fp = 0, .ret_pc = 8, .top = 16, .up = true,
	  .saved_pc = INT_MIN },				/* arm64 */
	{ .next_fp = 0, .ret_pc = 8, .top = 16, .saved_pc = INT_MIN },	/* x86_64 */
};

#define LCRT_TEST_WORDS	256

struct lcrt_synth {
	unsigned long *stack;
	struct lcrt_walk walk;
	struct lcrt_trace trace;
	const struct lcrt_fp_layout *l;
};

static unsigned long lcrt_text(unsigned int i)
{
	/* Return addresses must be kernel text: use this file's functions. */
	return (unsigned long)lcrt_test_middle + 4 + 4 * (i % 4);
}

static struct lcrt_synth *lcrt_synth(struct kunit *test, unsigned int layout)
{
	struct lcrt_synth *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->stack = kunit_kzalloc(test, LCRT_TEST_WORDS * sizeof(long),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->stack);
	s->l = &lcrt_layouts[layout];
	s->walk.stacks[0].lo = (unsigned long)s->stack;
	s->walk.stacks[0].hi = (unsigned long)(s->stack + LCRT_TEST_WORDS);
	s->walk.nstacks = 1;
	s->walk.pc = lcrt_text(0);
	return s;
}

static unsigned long lcrt_slot(struct lcrt_synth *s, unsigned int word)
{
	return (unsigned long)&s->stack[word];
}

/* A frame record at word @word of the stack, linking to @next with @ret. */
static void lcrt_put_frame(struct lcrt_synth *s, unsigned int word,
			   unsigned long next, unsigned long ret)
{
	unsigned long fp = lcrt_slot(s, word);

	*(unsigned long *)(fp + s->l->next_fp) = next;
	*(unsigned long *)(fp + s->l->ret_pc) = ret;
}

/* A well-formed chain of @n frames, 8 words apart, ending in a zero fp. */
static void lcrt_put_chain(struct lcrt_synth *s, unsigned int n)
{
	unsigned int i, base = 16;

	for (i = 0; i < n; i++)
		lcrt_put_frame(s, base + 8 * i,
			       i + 1 < n ? lcrt_slot(s, base + 8 * (i + 1)) : 0,
			       lcrt_text(i + 1));
	s->walk.fp = lcrt_slot(s, base);
	s->walk.sp = lcrt_slot(s, base - 4);
}

static void lcrt_test_synthetic_chain(struct kunit *test)
{
	unsigned int layout, i;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_chain(s, 5);
		lcrt_fp_walk(&s->trace, &s->walk, s->l);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.stop, LCRT_STOP_END,
				    "layout %u", layout);
		/* The start pc, then the return address of every record. */
		KUNIT_ASSERT_EQ_MSG(test, s->trace.nr, 6U, "layout %u", layout);
		for (i = 0; i < 6; i++) {
			const struct lcrt_frame *f = &s->trace.frames[i];

			KUNIT_EXPECT_EQ(test, f->pc, lcrt_text(i));
			if (i == 5)
				break;
			/* Each window lies inside the stack and its frame. */
			KUNIT_EXPECT_LT(test, f->win_lo, f->win_hi);
			KUNIT_EXPECT_GE(test, f->win_lo, s->walk.stacks[0].lo);
			KUNIT_EXPECT_LE(test, f->win_hi, s->walk.stacks[0].hi);
			KUNIT_EXPECT_LE(test, f->win_hi - f->win_lo,
					8 * sizeof(long) + s->l->top);
		}
	}
}

static void lcrt_expect_stop(struct kunit *test, struct lcrt_synth *s, u8 stop,
			     unsigned int min_frames)
{
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, stop);
	KUNIT_EXPECT_GE(test, s->trace.nr, min_frames);
	KUNIT_EXPECT_LE(test, s->trace.nr, (unsigned int)LCRT_MAX_FRAMES);
}

/*
 * A chain across three stacks, as an NMI that came in an interrupt: the
 * buffer cut in three, two frames on each, from the third stack to the
 * second to the task stack (the first). Back to a stack it left, or off
 * the task stack to another, the walk stops.
 */
static void lcrt_test_synthetic_stacks(struct kunit *test)
{
	static const unsigned int at[] = { 176, 184, 96, 104, 16, 24 };
	unsigned int layout, i;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);
		struct lcrt_walk *w = &s->walk;

		for (i = 0; i < 3; i++) {
			w->stacks[i].lo = lcrt_slot(s, 86 * i);
			w->stacks[i].hi = lcrt_slot(s, 86 * (i + 1) - 6 * !!i);
		}
		w->stacks[2].hi = lcrt_slot(s, LCRT_TEST_WORDS);
		w->nstacks = 3;
		for (i = 0; i < ARRAY_SIZE(at); i++)
			lcrt_put_frame(s, at[i], i + 1 < ARRAY_SIZE(at) ?
				       lcrt_slot(s, at[i + 1]) : 0,
				       lcrt_text(i + 1));
		w->fp = lcrt_slot(s, at[0]);
		w->sp = w->fp - 4 * sizeof(long);
		lcrt_fp_walk(&s->trace, w, s->l);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.stop, LCRT_STOP_END,
				    "layout %u", layout);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.nr, 7U, "layout %u", layout);

		/* From the second stack back to the third, which it left. */
		lcrt_put_frame(s, at[3], lcrt_slot(s, 192), lcrt_text(4));
		lcrt_put_frame(s, 192, 0, lcrt_text(5));
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 4);
		/* From the task stack to another. */
		lcrt_put_frame(s, at[3], lcrt_slot(s, at[4]), lcrt_text(4));
		lcrt_put_frame(s, at[5], lcrt_slot(s, 120), lcrt_text(6));
		lcrt_put_frame(s, 120, 0, lcrt_text(7));
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 6);
	}
}

static void lcrt_test_synthetic_loop(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* A frame that points at itself. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 32), lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_LOOP, 2);
		/* Two frames that point at each other. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 40), lcrt_text(1));
		lcrt_put_frame(s, 40, lcrt_slot(s, 32), lcrt_text(2));
		lcrt_expect_stop(test, s, LCRT_STOP_LOOP, 3);
	}
}

static void lcrt_test_synthetic_range(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* The second frame pointer points past the stack. */
		lcrt_put_frame(s, 32, s->walk.stacks[0].hi + 64, lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 2);
		/* The first one points below it. */
		s->walk.fp = s->walk.stacks[0].lo - 256;
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 1);
		/* A record that would straddle the end of the stack. */
		s->walk.fp = s->walk.stacks[0].hi - sizeof(long);
		if (s->l->ret_pc > 0)
			lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 1);
	}
}

static void lcrt_test_synthetic_align(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_frame(s, 32, lcrt_slot(s, 40) + 1, lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_ALIGN, 2);
	}
}

static void lcrt_test_synthetic_zero(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* No frame pointer at all: just the pc. */
		s->walk.fp = 0;
		lcrt_expect_stop(test, s, LCRT_STOP_ZERO, 1);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 1U);
		/* A zero return address ends the chain. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 40), 0);
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_END, 1);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 1U);
	}
}

static void lcrt_test_synthetic_depth(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_chain(s, 28);	/* 28 frames * 8 words fit in 256 */
		s->walk.stacks[0].hi = lcrt_slot(s, LCRT_TEST_WORDS);
		lcrt_fp_walk(&s->trace, &s->walk, s->l);
		KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 29U);
	}
	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);
		unsigned int i;

		/* A chain longer than the limit: frames 4 words apart. */
		for (i = 0; i < 60; i++)
			lcrt_put_frame(s, 8 + 4 * i, lcrt_slot(s, 12 + 4 * i),
				       lcrt_text(i));
		s->walk.fp = lcrt_slot(s, 8);
		lcrt_expect_stop(test, s, LCRT_STOP_DEPTH, LCRT_MAX_FRAMES);
	}
}

static void lcrt_test_synthetic_fault(struct kunit *test)
{
	struct lcrt_synth *s;

	if (IS_ENABLED(CONFIG_UML))
		kunit_skip(test, "UML's nofault reads do not survive unmapped addresses");
	s = lcrt_synth(test, 2);
	/* A stack the walk may use, but that is not mapped. */
	s->walk.stacks[0].lo = 0x100;
	s->walk.stacks[0].hi = 0x1000;
	s->walk.fp = 0x200;
	lcrt_expect_stop(test, s, LCRT_STOP_FAULT, 1);
}

/* A fake exception frame: three words, pc, fp and sp of the interrupted. */
static bool lcrt_test_entry_regs(unsigned long regs, unsigned long *pc,
				 unsigned long *fp, unsigned long *sp)
{
	const unsigned long *r = (const unsigned long *)regs;

	*pc = r[0];
	*fp = r[1];
	*sp = r[2];
	return true;
}

static void lcrt_test_synthetic_exception(struct kunit *test)
{
	struct lcrt_fp_layout l = lcrt_layouts[2];
	struct lcrt_synth *s = lcrt_synth(test, 2);
	unsigned long interrupted = lcrt_text(3);

	l.entry_regs = lcrt_test_entry_regs;
	l.regs_size = 3 * sizeof(long);
	s->l = &l;
	/* Frame 0 at word 16 returns into entry code whose fp marks regs. */
	lcrt_put_frame(s, 16, lcrt_slot(s, 32) + 1, lcrt_text(1));
	s->stack[32] = interrupted;
	s->stack[33] = lcrt_slot(s, 48);	/* the interrupted fp */
	s->stack[34] = lcrt_slot(s, 40);	/* and sp */
	lcrt_put_frame(s, 48, 0, lcrt_text(2));
	s->walk.fp = lcrt_slot(s, 16);
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
	KUNIT_ASSERT_EQ(test, s->trace.nr, 4U);
	/* The entry frame, then the interrupted pc itself, exactly. */
	KUNIT_EXPECT_EQ(test, s->trace.frames[1].pc, lcrt_text(1));
	KUNIT_EXPECT_EQ(test, s->trace.frames[2].pc, interrupted);
	KUNIT_EXPECT_TRUE(test, s->trace.frames[2].exact);
	KUNIT_EXPECT_FALSE(test, s->trace.frames[1].exact);
	KUNIT_EXPECT_EQ(test, s->trace.frames[3].pc, lcrt_text(2));
	/* The interrupted frame's window starts at its sp. */
	KUNIT_EXPECT_EQ(test, s->trace.frames[2].win_lo, lcrt_slot(s, 40));
}

/*
 * An entry from user mode (the arch's entry_regs() gives pc 0 for it): the
 * kernel's chain ends there, whatever fp the registers hold.
 */
static void lcrt_test_synthetic_user_entry(struct kunit *test)
{
	struct lcrt_fp_layout l = lcrt_layouts[2];
	struct lcrt_synth *s = lcrt_synth(test, 2);
	unsigned int i;

	l.entry_regs = lcrt_test_entry_regs;
	l.regs_size = 3 * sizeof(long);
	s->l = &l;
	lcrt_put_frame(s, 16, lcrt_slot(s, 32) + 1, lcrt_text(1));
	s->stack[32] = 0;			/* from user mode */
	s->stack[33] = lcrt_slot(s, 48);	/* an fp that looks fine */
	s->stack[34] = lcrt_slot(s, 40);
	lcrt_put_frame(s, 48, 0, lcrt_text(2));
	s->walk.fp = lcrt_slot(s, 16);
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
	KUNIT_EXPECT_EQ(test, s->trace.nr, 2U);
	for (i = 0; i < s->trace.nr; i++)
		KUNIT_EXPECT_NE(test, s->trace.frames[i].pc, lcrt_text(2));
}

static void lcrt_test_poke_name(struct kunit *test)
{
	/* "lcrt_func\0\0\0", 0xff00000c, then the function. */
	static const u32 image[] __aligned(8) = {
		0x7472636c, 0x6e75665f, 0x00000063, 0xff00000c, 0xe1a0c00d,
	};
	char name[LCRT_NAME_MAX + 1];
	unsigned long func = (unsigned long)&image[4];

	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func, name, sizeof(name)), 9U);
	KUNIT_EXPECT_STREQ(test, name, "lcrt_func");
	/* No marker before the function: no name. */
	KUNIT_EXPECT_EQ(test, lcrt_poke_name((unsigned long)&image[3], name,
					     sizeof(name)), 0U);
	/* A name longer than the buffer is refused, not cut. */
	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func, name, 8), 0U);
	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func + 2, name, sizeof(name)), 0U);
}

static struct kunit_case lcrt_unwind_cases[] = {
	KUNIT_CASE(lcrt_test_real_chain),
	KUNIT_CASE(lcrt_test_irq_chain),
	KUNIT_CASE(lcrt_test_synthetic_chain),
	KUNIT_CASE(lcrt_test_synthetic_stacks),
	KUNIT_CASE(lcrt_test_synthetic_loop),
	KUNIT_CASE(lcrt_test_synthetic_range),
	KUNIT_CASE(lcrt_test_synthetic_align),
	KUNIT_CASE(lcrt_test_synthetic_zero),
	KUNIT_CASE(lcrt_test_synthetic_depth),
	KUNIT_CASE(lcrt_test_synthetic_fault),
	KUNIT_CASE(lcrt_test_synthetic_exception),
	KUNIT_CASE(lcrt_test_synthetic_user_entry),
	KUNIT_CASE(lcrt_test_poke_name),
	{}
};

static struct kunit_suite lcrt_unwind_suite = {
	.name = "lcrt_unwind",
	.test_cases = lcrt_unwind_cases,
};

/* ------------------------------------------------------------------------
 * The culprit: which frame is blamed, and the machinery that is not
 */

/* A named chain for lcrt_culprit(): @names innermost first. */
static struct lcrt_trace *lcrt_test_named(struct kunit *test,
					  const char * const *names,
					  unsigned int n, bool exact_first)
{
	struct lcrt_trace *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->nr = n;
	t->exact_first = exact_first;
	t->culprit = -1;
	for (i = 0; i < n; i++) {
		/*
		 * Code (this function's), in no entry, scheduler or lock
		 * section: only the names say what a frame is.
		 */
		t->frames[i].pc = (unsigned long)lcrt_test_named + 16 + 4 * i;
		t->frames[i].exact = !i && exact_first;
		strscpy(t->frames[i].name, names[i], sizeof(t->frames[i].name));
	}
	return t;
}

/**
 * struct lcrt_culprit_case - a chain and what lcrt_culprit() makes of it
 * @what: what the case shows
 * @names: the chain's functions, innermost first, NULL after the last
 * @event: LCRT_EV_* of the crash
 * @reason: its reason
 * @exact_first: the first frame is a faulting pc, not a return address
 * @culprit: the frame to blame, -1 for none
 * @rule: LCRT_CULPRIT_* that blames it
 * @machinery: bit i set when frame i is machinery
 */
struct lcrt_culprit_case {
	const char *what;
	const char *names[8];
	u8 event;
	const char *reason;
	bool exact_first;
	int culprit;
	u8 rule;
	u32 machinery;
};

static const struct lcrt_culprit_case lcrt_culprit_table[] = {
	{ "a fault is the faulting function's",
	  { "drv_poke.isra.0 [drv]", "drv_ioctl [drv]", "vfs_ioctl" },
	  LCRT_EV_OOPS, "Oops, err 0x805", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "a fault in a string or memory helper is its caller's",
	  { "memset", "drv_fill", "drv_probe" },
	  LCRT_EV_OOPS, "Oops", true, 1, LCRT_CULPRIT_CALLER, 0 },
	{ "arm's user-copy routine is a helper too",
	  { "__copy_to_user_std", "arm_copy_to_user", "drv_read [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "and so is an out-of-line copy of the inline one (6.12)",
	  { "__copy_to_user_std", "_inline_copy_to_user", "drv_read [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "not every mem* or str* is a helper",
	  { "mem_cgroup_charge", "drv_alloc", "drv_probe" },
	  LCRT_EV_OOPS, "Oops", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "a module's function is never machinery, whatever its name",
	  { "watchdog [drv]", "drv_probe [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "hardened usercopy fails on behalf of its caller",
	  { "usercopy_abort", "__check_object_size.cold", "drv_read [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "a refcount check, also in a module's copy, is its caller's",
	  { "refcount_warn_saturate", "__refcount_add.constprop.0 [drv]",
	    "drv_get [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "the out-of-line refcount helpers are checks too",
	  { "refcount_dec_not_one", "refcount_dec_and_lock",
	    "drv_put [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "a list check is its caller's",
	  { "__list_add_valid_or_report", "drv_queue [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 1, LCRT_CULPRIT_CALLER, 0x1 },
	{ "a double free that the allocator traps is its caller's",
	  { "kmem_cache_free", "drv_release [drv]", "drv_close [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 1, LCRT_CULPRIT_CALLER, 0 },
	{ "and so is one through kvfree()",
	  { "kfree", "kvfree", "drv_release [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "a KFENCE report from a fault is the faulting function's",
	  { "kfence_report_error", "kfence_handle_page_fault",
	    "__do_kernel_fault", "do_page_fault", "drv_read [drv]" },
	  LCRT_EV_WARN, "panic_on_warn set ...", false, 4,
	  LCRT_CULPRIT_CALLER, 0xf },
	{ "a smashed stack is the caller's of __stack_chk_fail()",
	  { "__stack_chk_fail", "drv_parse", "drv_write", "vfs_write" },
	  LCRT_EV_PANIC,
	  "stack-protector: Kernel stack is corrupted in: drv_parse",
	  false, 1, LCRT_CULPRIT_CALLER, 0x1 },
	{ "a sleep in atomic context is the sleeper's",
	  { "__schedule_bug", "msleep", "drv_timer_fn [drv]",
	    "call_timer_fn" },
	  LCRT_EV_PANIC, "scheduling while atomic", false, 2,
	  LCRT_CULPRIT_CALLER, 0x3 },
	{ "a panic through vpanic() is its caller's (6.12)",
	  { "vpanic", "panic", "drv_fatal [drv]", "drv_probe [drv]" },
	  LCRT_EV_PANIC, "drv: fatal", false, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "nothing but machinery: no culprit rather than a wrong one",
	  { "die", "notifier_call_chain", "lcrt_capture" },
	  LCRT_EV_PANIC, "x", false, -1, 0, 0x7 },
};

static void lcrt_culprit_desc(const struct lcrt_culprit_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lcrt_culprit_table, lcrt_culprit_table, lcrt_culprit_desc);

static void lcrt_test_culprit_table(struct kunit *test)
{
	const struct lcrt_culprit_case *c = test->param_value;
	unsigned int n = 0, i;
	struct lcrt_trace *t;

	while (n < ARRAY_SIZE(c->names) && c->names[n])
		n++;
	t = lcrt_test_named(test, c->names, n, c->exact_first);
	lcrt_culprit(t, c->event, c->reason, 0);
	KUNIT_EXPECT_EQ(test, t->culprit, c->culprit);
	KUNIT_EXPECT_EQ(test, t->rule, c->rule);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, t->frames[i].machinery,
				    (bool)(c->machinery & BIT(i)), "frame %u: %s",
				    i, c->names[i]);
}

static u32 lcrt_test_data[4];

/*
 * A pc that is no code, named or not, is a jump there: the caller is to
 * blame. Code with no name is still code.
 */
static void lcrt_test_culprit_data(struct kunit *test)
{
	static const char * const chain[] = {
		"", "drv_call [drv]", "drv_ioctl [drv]",
	};
	static const char * const named[] = {
		"drv_ops [drv]", "drv_call [drv]", "drv_ioctl [drv]",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	t->frames[0].pc = (unsigned long)lcrt_test_data;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_CALLER);

	/* The heap, whatever a name says (a module's data is named too). */
	t = lcrt_test_named(test, named, ARRAY_SIZE(named), true);
	t->frames[0].pc = (unsigned long)t;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);

	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	t->frames[0].pc = 0;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);

	/* Unnamed code (the test's pcs are this file's text) is blamed. */
	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 0);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_FAULT);
}

#ifdef CONFIG_GENERIC_BUG
extern struct bug_entry __start___bug_table[], __stop___bug_table[];

/* The address of a WARN's trap in this kernel, from its bug table. */
static unsigned long lcrt_test_warn_site(void)
{
	struct bug_entry *bug;

	for (bug = __start___bug_table; bug < __stop___bug_table; bug++) {
		if (!(bug->flags & BUGFLAG_WARNING))
			continue;
#ifdef CONFIG_GENERIC_BUG_RELATIVE_POINTERS
		return (unsigned long)&bug->bug_addr_disp + bug->bug_addr_disp;
#else
		return bug->bug_addr;
#endif
	}
	return 0;
}
#else
static unsigned long lcrt_test_warn_site(void)
{
	return 0;
}
#endif

static void lcrt_test_culprit_warn(struct kunit *test)
{
	static const char * const warn[] = {
		"check_panic_on_warn", "__warn", "report_bug", "bug_handler",
		"handler_of_no_name_we_know", "drv_check [drv]", "drv_probe [drv]",
	};
	unsigned long site = lcrt_test_warn_site();
	struct lcrt_trace *t;

	/*
	 * panic_on_warn: where the WARN trapped, as the bug table says, even
	 * past plumbing the table of machinery does not name.
	 */
	if (site) {
		t = lcrt_test_named(test, warn, ARRAY_SIZE(warn), false);
		t->frames[5].exact = true;
		t->frames[5].pc = site;
		lcrt_culprit(t, LCRT_EV_WARN, "panic_on_warn set ...", 0);
		KUNIT_EXPECT_EQ(test, t->culprit, 5);
		KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_FAULT);
	}
	/*
	 * A frame an interrupt stopped is not a WARN's trap (a WARN that
	 * calls warn_slowpath_fmt(), scheduling while atomic): the caller.
	 */
	t = lcrt_test_named(test, warn, ARRAY_SIZE(warn), false);
	t->frames[5].exact = true;
	lcrt_culprit(t, LCRT_EV_WARN, "panic_on_warn set ...", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 4);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_CALLER);
}

static void lcrt_test_culprit_stuck(struct kunit *test)
{
	static const char * const lockup[] = {
		"watchdog_timer_fn", "__hrtimer_run_queues", "hrtimer_interrupt",
		"arch_timer_handler_virt", "queued_spin_lock_slowpath",
		"do_raw_spin_lock [drv]", "drv_lock_twice [drv]",
		"drv_work [drv]", "process_one_work",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	t->frames[4].exact = true;
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "softlockup: hung tasks",
		     t->frames[4].pc);
	/*
	 * Not the lock's slow path, nor a module's copy of an inline lock
	 * helper: the function that took the lock.
	 */
	KUNIT_EXPECT_EQ(test, t->culprit, 6);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_STUCK);
	/* The interrupt's plumbing is machinery, whatever its name. */
	KUNIT_EXPECT_TRUE(test, t->frames[1].machinery);

	/*
	 * The interrupted pc is not in the chain, or there is none (a
	 * lockup seen from another CPU): no culprit, not the detector's.
	 */
	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "softlockup: hung tasks", 0x42);
	KUNIT_EXPECT_EQ(test, t->culprit, -1);
	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "Watchdog detected hard LOCKUP", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, -1);
}

static void lcrt_test_culprit_recursion(struct kunit *test)
{
	static const char * const deep[] = {
		"mmioset", "recurse.constprop.0", "recurse.constprop.0",
		"recurse.constprop.0", "drv_start",
	};
	static const char * const cut[] = { "mmioset", "recurse" };
	struct lcrt_trace *t;

	t = lcrt_test_named(test, deep, ARRAY_SIZE(deep), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "kernel stack overflow, err 0x0", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_RECURSION);

	/* The walk stopped at the guard page: the caller of the helper. */
	t = lcrt_test_named(test, cut, ARRAY_SIZE(cut), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "kernel stack overflow", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_RECURSION);
}

static void lcrt_test_culprit_blocked(struct kunit *test)
{
	static const char * const hung[] = {
		"schedule", "drv_wait_reset [drv]", "drv_probe [drv]",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, hung, ARRAY_SIZE(hung), false);
	/* The scheduler is known by its text section, not by name. */
	t->frames[0].pc = (unsigned long)schedule + 8;
	t->rule_hint = LCRT_CULPRIT_BLOCKED;
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "hung_task: blocked tasks", 0);
	KUNIT_EXPECT_TRUE(test, t->frames[0].machinery);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_BLOCKED);
}

/* The record keeps the culprit, and gives machinery's words to others. */
static void lcrt_test_culprit_record(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 5);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	r->trace.frames[0].machinery = true;
	r->trace.frames[1].machinery = true;
	r->trace.frames[4].machinery = true;
	r->trace.culprit = 2;
	r->trace.rule = LCRT_CULPRIT_CALLER;
	len = lcrt_encode(&r->facts, buf, 1024, 7);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_TRUE(test, v->culprit);
	KUNIT_EXPECT_EQ(test, v->culprit_idx, 2ULL);
	KUNIT_EXPECT_EQ(test, v->rule, LCRT_CULPRIT_CALLER);
	KUNIT_EXPECT_EQ(test, v->nframes, 5U);
	/*
	 * Frame 0 is machinery inner to the culprit: no words; 1 is the
	 * culprit's callee and 4 is outer to it: they keep theirs.
	 */
	KUNIT_EXPECT_EQ(test, v->window_words[0], 0U);
	KUNIT_EXPECT_EQ(test, v->window_words[1], 4U);
	KUNIT_EXPECT_EQ(test, v->window_words[2], 4U);
	KUNIT_EXPECT_EQ(test, v->window_words[4], 4U);
	KUNIT_EXPECT_EQ(test, v->nwindows, 4U);

	/*
	 * A budget too small for every frame: outer frames go, and the
	 * culprit, its callee and its callers keep their windows.
	 */
	r = lcrt_test_record(test, 12);
	r->trace.frames[0].machinery = true;
	r->trace.culprit = 1;
	r->trace.rule = LCRT_CULPRIT_FAULT;
	len = lcrt_encode(&r->facts, buf, lcrt_full_size(r, buf) / 2, 9);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_GT(test, v->dropped, 0U);
	KUNIT_EXPECT_TRUE(test, v->culprit);
	KUNIT_EXPECT_EQ(test, v->culprit_idx, 1ULL);
	KUNIT_EXPECT_GT(test, v->window_words[0], 0U);	/* the callee's */
	KUNIT_EXPECT_GT(test, v->window_words[1], 0U);
	KUNIT_EXPECT_GT(test, v->window_words[2], 0U);
	KUNIT_EXPECT_TRUE(test, v->flags & LCRT_F_TRUNCATED);

	/*
	 * An interrupt's plumbing between the first frame and the culprit's
	 * callee is recorded without names; the rest keep theirs.
	 */
	r = lcrt_test_record(test, 6);
	r->trace.frames[1].machinery = true;
	r->trace.frames[2].machinery = true;
	r->trace.frames[3].machinery = true;
	r->trace.culprit = 4;
	r->trace.rule = LCRT_CULPRIT_STUCK;
	len = lcrt_encode(&r->facts, buf, 1024, 10);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nframes, 6U);
	KUNIT_EXPECT_STREQ(test, v->name[0], "lcrt_test_function_0");
	KUNIT_EXPECT_STREQ(test, v->name[1], "");
	KUNIT_EXPECT_STREQ(test, v->name[2], "");
	KUNIT_EXPECT_STREQ(test, v->name[3], "lcrt_test_function_3");
	KUNIT_EXPECT_STREQ(test, v->name[4], "lcrt_test_function_4");
	KUNIT_EXPECT_EQ(test, v->pc[2], r->trace.frames[2].pc);

	/* No culprit: no section. */
	r->trace.culprit = -1;
	len = lcrt_encode(&r->facts, buf, 1024, 8);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_FALSE(test, v->culprit);
}

static noinline unsigned long lcrt_test_callee(void)
{
	unsigned long ret = (unsigned long)__builtin_return_address(0);

	barrier();
	return ret;
}

static noinline unsigned long lcrt_test_other(void)
{
	barrier();
	return 1;
}

/* The proof of a caller: the instruction before the return is its call. */
static void lcrt_test_arch_calls(struct kunit *test)
{
	unsigned long callee = (unsigned long)lcrt_test_callee;
	unsigned long other = (unsigned long)lcrt_test_other;
	unsigned long self = (unsigned long)lcrt_test_arch_calls;
	unsigned long ret;

	if (!IS_ENABLED(CONFIG_LCRT_ARCH_REGS))
		kunit_skip(test, "no per-architecture code on this arch");
	ret = lcrt_test_callee();
	barrier();
	/* The call before the return address names its target. */
	KUNIT_EXPECT_TRUE(test, lcrt_arch_calls(ret, callee));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_calls(ret, other));
	/* Not a return address at all: the start of a function. */
	KUNIT_EXPECT_FALSE(test, lcrt_arch_calls(other, callee));
	KUNIT_EXPECT_TRUE(test, lcrt_proven_caller(ret, callee));
	KUNIT_EXPECT_FALSE(test, lcrt_proven_caller(0, callee));
	/*
	 * This function calls others (its lr is not kept) and nothing
	 * before @ret calls it: no proof.
	 */
	KUNIT_EXPECT_FALSE(test, lcrt_proven_caller(ret, self + 4));
}

/* The other proof: a function that never writes its link register. */
static void lcrt_test_lr_kept(struct kunit *test)
{
	unsigned long leaf = (unsigned long)lcrt_test_other;
	unsigned long self = (unsigned long)lcrt_test_lr_kept;
	unsigned long size, off;

	if (!IS_ENABLED(CONFIG_ARM64))
		kunit_skip(test, "only arm64 proves a caller from a kept lr");
	KUNIT_ASSERT_TRUE(test, kallsyms_lookup_size_offset(leaf, &size, &off));
	KUNIT_EXPECT_TRUE(test, lcrt_arch_lr_kept(leaf, size));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_lr_kept(leaf, 0));
	/* This function calls others: its lr is not kept. */
	KUNIT_ASSERT_TRUE(test, kallsyms_lookup_size_offset(self, &size, &off));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_lr_kept(self, size));
}

/*
 * Outside of a panic every other CPU is online: each is recorded as one
 * that did not stop, with no frames, and this CPU is not among them.
 */
static void lcrt_test_other_cpus(struct kunit *test)
{
	struct lcrt_cpu *c = kunit_kcalloc(test, LCRT_CPUS_MAX, sizeof(*c),
					   GFP_KERNEL);
	unsigned int n, i, self;

	KUNIT_ASSERT_NOT_NULL(test, c);
	preempt_disable();
	self = smp_processor_id();
	n = lcrt_other_cpus(c, LCRT_CPUS_MAX);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, n, min_t(unsigned int, num_active_cpus() - 1,
				       LCRT_CPUS_MAX));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_NE(test, c[i].cpu, self);
		KUNIT_EXPECT_EQ(test, c[i].state, LCRT_CPU_RUNNING);
		KUNIT_EXPECT_EQ(test, c[i].nr, 0);
	}
}

static struct kunit_case lcrt_culprit_cases[] = {
	KUNIT_CASE_PARAM(lcrt_test_culprit_table,
			 lcrt_culprit_table_gen_params),
	KUNIT_CASE(lcrt_test_culprit_data),
	KUNIT_CASE(lcrt_test_culprit_warn),
	KUNIT_CASE(lcrt_test_culprit_stuck),
	KUNIT_CASE(lcrt_test_culprit_recursion),
	KUNIT_CASE(lcrt_test_culprit_blocked),
	KUNIT_CASE(lcrt_test_culprit_record),
	KUNIT_CASE(lcrt_test_arch_calls),
	KUNIT_CASE(lcrt_test_lr_kept),
	KUNIT_CASE(lcrt_test_other_cpus),
	{}
};

static struct kunit_suite lcrt_culprit_suite = {
	.name = "lcrt_culprit",
	.test_cases = lcrt_culprit_cases,
};

kunit_test_suites(&lcrt_record_suite, &lcrt_store_suite,
		  &lcrt_unwind_suite, &lcrt_culprit_suite);

MODULE_LICENSE("GPL");
