// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: encode and decode one record.
 *
 * The format is defined in include/uapi/linux/lcrt.h. The encoder runs in
 * panic context: it only writes into the buffer it is given, never past its
 * budget, and a put that does not fit sets a flag instead of writing.
 */
#include <linux/buildid.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "lcrt.h"

#define HDR_SIZE sizeof(struct lcrt_record_header)
#define SEC_SIZE sizeof(struct lcrt_section)
#define WORD sizeof(unsigned long)
/* The culprit's section: rule and a one-byte frame index. */
#define LCRT_CULPRIT_SIZE (SEC_SIZE + 2)
/* Callers of the culprit whose windows a record keeps before outer frames. */
#define LCRT_CORE_CALLERS 3

void lcrt_enc_init(struct lcrt_enc *e, void *buf, size_t size)
{
	e->buf = buf;
	e->size = size;
	e->pos = HDR_SIZE;
	e->sec = 0;
	e->overflow = size < HDR_SIZE;
	if (!e->overflow)
		memset(buf, 0, HDR_SIZE);
}

NOKPROBE_SYMBOL(lcrt_enc_init);

static bool lcrt_enc_room(struct lcrt_enc *e, size_t n)
{
	if (e->overflow || n > e->size - e->pos) {
		e->overflow = true;
		return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_enc_room);

void lcrt_enc_bytes(struct lcrt_enc *e, const void *p, size_t len)
{
	if (!lcrt_enc_room(e, len))
		return;
	memcpy(e->buf + e->pos, p, len);
	e->pos += len;
}

NOKPROBE_SYMBOL(lcrt_enc_bytes);

void lcrt_enc_u8(struct lcrt_enc *e, u8 v)
{
	lcrt_enc_bytes(e, &v, 1);
}

NOKPROBE_SYMBOL(lcrt_enc_u8);

void lcrt_enc_varint(struct lcrt_enc *e, u64 v)
{
	u8 tmp[LCRT_VARINT_MAX];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	lcrt_enc_bytes(e, tmp, n);
}

NOKPROBE_SYMBOL(lcrt_enc_varint);

void lcrt_enc_svarint(struct lcrt_enc *e, s64 v)
{
	lcrt_enc_varint(e, ((u64)v << 1) ^ (u64)(v >> 63));
}

NOKPROBE_SYMBOL(lcrt_enc_svarint);

/* A string of at most @max bytes, after a one-byte length. */
void lcrt_enc_str8(struct lcrt_enc *e, const char *s, size_t max)
{
	size_t len = s ? strnlen(s, min_t(size_t, max, U8_MAX)) : 0;

	lcrt_enc_u8(e, len);
	lcrt_enc_bytes(e, s, len);
}

NOKPROBE_SYMBOL(lcrt_enc_str8);

void lcrt_enc_section_begin(struct lcrt_enc *e, u8 type)
{
	struct lcrt_section sec = { .type = type };

	e->sec = e->pos;
	lcrt_enc_bytes(e, &sec, SEC_SIZE);
}

NOKPROBE_SYMBOL(lcrt_enc_section_begin);

/*
 * Close the open section. If anything in it did not fit, the whole section
 * is taken back and false is returned: the record stays decodable.
 */
bool lcrt_enc_section_end(struct lcrt_enc *e)
{
	size_t payload = e->pos - e->sec - SEC_SIZE;
	struct lcrt_section *sec;

	if (e->overflow || payload > U16_MAX) {
		e->pos = e->sec;
		e->sec = 0;
		e->overflow = false;
		return false;
	}
	sec = (struct lcrt_section *)(e->buf + e->sec);
	/* Sections are byte-aligned: store the size byte by byte. */
	((u8 *)&sec->size)[0] = payload & 0xff;
	((u8 *)&sec->size)[1] = payload >> 8;
	e->sec = 0;
	return true;
}

NOKPROBE_SYMBOL(lcrt_enc_section_end);

/* Fill in the header. The record is sealed by lcrt_record_seal(). */
size_t lcrt_enc_finish(struct lcrt_enc *e, u64 seq, u16 flags)
{
	struct lcrt_record_header *h = (struct lcrt_record_header *)e->buf;

	if (e->size < HDR_SIZE)
		return 0;
	h->magic = 0;
	h->version = cpu_to_le16(LCRT_VERSION);
	h->header_size = cpu_to_le16(HDR_SIZE);
	h->total_size = cpu_to_le32(e->pos);
	h->seq = cpu_to_le64(seq);
	h->word_size = sizeof(unsigned long);
	h->flags = cpu_to_le16(flags);
	h->arch = lcrt_arch_id();
	return e->pos;
}

NOKPROBE_SYMBOL(lcrt_enc_finish);

static bool lcrt_put_event(struct lcrt_enc *e, const struct lcrt_facts *f)
{
	lcrt_enc_section_begin(e, LCRT_SEC_EVENT);
	lcrt_enc_u8(e, f->event);
	lcrt_enc_u8(e, f->context);
	lcrt_enc_varint(e, f->cpu);
	lcrt_enc_varint(e, f->pid);
	lcrt_enc_varint(e, f->preempt_count);
	lcrt_enc_varint(e, f->taint);
	lcrt_enc_varint(e, f->uptime_ns);
	lcrt_enc_str8(e, f->comm, U8_MAX);
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_event);

/*
 * The reason, cut to what the budget has left rather than dropped. Returns
 * false when it was cut: nothing else fits then.
 */
static bool lcrt_put_reason(struct lcrt_enc *e, const char *reason)
{
	size_t len = reason ? strlen(reason) : 0, room = e->size - e->pos;

	if (!reason)
		return true;
	if (room <= SEC_SIZE)
		return false;
	lcrt_enc_section_begin(e, LCRT_SEC_REASON);
	lcrt_enc_bytes(e, reason, min(len, room - SEC_SIZE));
	return lcrt_enc_section_end(e) && len <= room - SEC_SIZE;
}

NOKPROBE_SYMBOL(lcrt_put_reason);

static bool lcrt_put_kernel(struct lcrt_enc *e, const struct lcrt_facts *f)
{
	lcrt_enc_section_begin(e, LCRT_SEC_KERNEL);
	lcrt_enc_str8(e, f->release, U8_MAX);
	lcrt_enc_u8(e, f->build_id_len);
	lcrt_enc_bytes(e, f->build_id, f->build_id_len);
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_kernel);

/* When the crash came, by the wall clock, and in which boot. */
static bool lcrt_put_boot(struct lcrt_enc *e, const struct lcrt_facts *f)
{
	lcrt_enc_section_begin(e, LCRT_SEC_BOOT);
	lcrt_enc_varint(e, f->realtime_ns);
	lcrt_enc_u8(e, f->boot_id ? LCRT_BOOT_ID_SIZE : 0);
	if (f->boot_id)
		lcrt_enc_bytes(e, f->boot_id, LCRT_BOOT_ID_SIZE);
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_boot);

static bool lcrt_put_regs(struct lcrt_enc *e, const struct lcrt_facts *f)
{
	if (!f->regs || !f->nregs)
		return true;
	lcrt_enc_section_begin(e, LCRT_SEC_REGS);
	lcrt_enc_bytes(e, f->regs, f->nregs * sizeof(*f->regs));
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_regs);

/*
 * The name a frame is recorded with: none for the crash machinery strictly
 * between the first frame and the culprit's callee (an interrupt's or a
 * trap's plumbing), whose pc a symbol table still names, so that the room
 * goes to the frames that matter and to the other CPUs.
 */
static const char *lcrt_frame_name(const struct lcrt_trace *t, unsigned int i)
{
	const struct lcrt_frame *fr = &t->frames[i];

	if (fr->machinery && i && t->culprit > 0 &&
	    i + 1 < (unsigned int)t->culprit)
		return "";
	return fr->name;
}

NOKPROBE_SYMBOL(lcrt_frame_name);

/*
 * The frames, innermost first, as many as the budget holds. Returns how
 * many outer frames were left out; the record says so too.
 */
static unsigned int lcrt_put_frames(struct lcrt_enc *e,
				    const struct lcrt_trace *t)
{
	unsigned long prev = 0;
	unsigned int i;
	size_t mark;

	lcrt_enc_section_begin(e, LCRT_SEC_FRAMES);
	lcrt_enc_u8(e, t->unwinder);
	lcrt_enc_u8(e, t->stop);
	mark = e->pos;
	lcrt_enc_varint(e, 0);	/* frames dropped: one byte, set below */
	for (i = 0; i < t->nr && !e->overflow; i++) {
		const struct lcrt_frame *fr = &t->frames[i];
		size_t before = e->pos;

		lcrt_enc_svarint(e, (s64)(u64)fr->pc - (s64)(u64)prev);
		lcrt_enc_varint(e, fr->off);
		lcrt_enc_varint(e, fr->size);
		lcrt_enc_str8(e, lcrt_frame_name(t, i), LCRT_NAME_MAX);
		if (e->overflow) {
			e->pos = before;
			e->overflow = false;
			break;
		}
		prev = fr->pc;
	}
	if (i < t->nr && !e->overflow)
		e->buf[mark] = t->nr - i;	/* < 128: a one-byte varint */
	if (!lcrt_enc_section_end(e))
		return t->nr;
	return t->nr - i;
}

NOKPROBE_SYMBOL(lcrt_put_frames);

/* Which of the first @nframes frames hold where the CPU was. */
static bool lcrt_put_exact(struct lcrt_enc *e, const struct lcrt_trace *t,
			   unsigned int nframes)
{
	unsigned int i, n = 0;

	for (i = 0; i < nframes; i++)
		n += t->frames[i].exact;
	if (!n)
		return true;
	lcrt_enc_section_begin(e, LCRT_SEC_EXACT);
	lcrt_enc_varint(e, n);
	for (i = 0; i < nframes; i++) {
		if (t->frames[i].exact)
			lcrt_enc_varint(e, i);
	}
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_exact);

/* The frames of the first @nframes that fold a recursion, and how deep. */
static bool lcrt_put_repeats(struct lcrt_enc *e, const struct lcrt_trace *t,
			     unsigned int nframes)
{
	unsigned int i, n = 0;

	for (i = 0; i < nframes; i++)
		n += !!t->frames[i].repeat;
	if (!n)
		return true;
	lcrt_enc_section_begin(e, LCRT_SEC_REPEATS);
	lcrt_enc_varint(e, n);
	for (i = 0; i < nframes; i++) {
		if (!t->frames[i].repeat)
			continue;
		lcrt_enc_varint(e, i);
		lcrt_enc_varint(e, t->frames[i].repeat);
	}
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_repeats);

/* The bytes of the section of the first @nframes frames' repeats, at most. */
static size_t lcrt_repeats_size(const struct lcrt_trace *t,
				unsigned int nframes)
{
	unsigned int i, n = 0;

	BUILD_BUG_ON(LCRT_MAX_FRAMES > 127);	/* one-byte indices */
	for (i = 0; i < nframes && i < t->nr; i++)
		n += !!t->frames[i].repeat;
	/* An index takes a byte, a repeat count at most three. */
	return n ? SEC_SIZE + 1 + n * 4 : 0;
}

NOKPROBE_SYMBOL(lcrt_repeats_size);

/* The bytes of the section of which of the first @nframes frames are exact. */
static size_t lcrt_exact_size(const struct lcrt_trace *t, unsigned int nframes)
{
	unsigned int i, n = 0;

	for (i = 0; i < nframes; i++)
		n += t->frames[i].exact;
	/* Indices and counts below LCRT_MAX_FRAMES take one byte each. */
	BUILD_BUG_ON(LCRT_MAX_FRAMES >= 128);
	return n ? SEC_SIZE + 1 + n : 0;
}

NOKPROBE_SYMBOL(lcrt_exact_size);

/* Is frame @i the first of the frames in its module? */
static bool lcrt_module_first(const struct lcrt_trace *t, unsigned int i)
{
	unsigned int k;

	if (!t->frames[i].module)
		return false;
	for (k = 0; k < i; k++) {
		if (t->frames[k].module == t->frames[i].module)
			return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_module_first);

/* The modules of the first @nframes frames, each once, with build-ids. */
static bool lcrt_put_modules(struct lcrt_enc *e, const struct lcrt_trace *t,
			     unsigned int nframes)
{
	unsigned int i;
	bool any = false, id;

	for (i = 0; i < nframes; i++) {
		const struct lcrt_frame *fr = &t->frames[i];

		if (!lcrt_module_first(t, i))
			continue;
		if (!any)
			lcrt_enc_section_begin(e, LCRT_SEC_MODULES);
		any = true;
		lcrt_enc_str8(e, fr->module, MODULE_NAME_LEN);
		/* A module linked without a build-id note has one of zeros. */
		id = fr->build_id &&
		     memchr_inv(fr->build_id, 0, BUILD_ID_SIZE_MAX);
		lcrt_enc_u8(e, id ? BUILD_ID_SIZE_MAX : 0);
		if (id)
			lcrt_enc_bytes(e, fr->build_id, BUILD_ID_SIZE_MAX);
	}
	return !any || lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_modules);

/*
 * Where the code was loaded: the KASLR offset, then the text of each module
 * of the first @nframes frames, in lcrt_put_modules()' order.
 */
static bool lcrt_put_load(struct lcrt_enc *e, const struct lcrt_facts *f,
			  unsigned int nframes)
{
	const struct lcrt_trace *t = f->trace;
	unsigned int i, n = 0;

	for (i = 0; i < nframes; i++)
		n += lcrt_module_first(t, i);
	lcrt_enc_section_begin(e, LCRT_SEC_LOAD);
	lcrt_enc_varint(e, f->kaslr_offset);
	lcrt_enc_varint(e, n);
	for (i = 0; i < nframes; i++) {
		if (lcrt_module_first(t, i))
			lcrt_enc_varint(e, t->frames[i].mod_text);
	}
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_load);

/* The culprit: why, and its frame, if the frames kept hold it. */
static bool lcrt_put_culprit(struct lcrt_enc *e, const struct lcrt_trace *t,
			     unsigned int nframes)
{
	if (t->culprit < 0 || (unsigned int)t->culprit >= nframes)
		return true;
	lcrt_enc_section_begin(e, LCRT_SEC_CULPRIT);
	lcrt_enc_u8(e, t->rule);
	lcrt_enc_varint(e, t->culprit);
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_culprit);

/* The blocked task of a hung-task panic, whose chain the record holds. */
static bool lcrt_put_blocked(struct lcrt_enc *e, const struct lcrt_hung *h)
{
	if (!h)
		return true;
	lcrt_enc_section_begin(e, LCRT_SEC_BLOCKED);
	lcrt_enc_varint(e, h->pid);
	lcrt_enc_varint(e, h->state);
	lcrt_enc_varint(e, h->waited_ms);
	lcrt_enc_str8(e, h->comm, sizeof(h->comm));
	return lcrt_enc_section_end(e);
}

NOKPROBE_SYMBOL(lcrt_put_blocked);

/*
 * Each other CPU at a panic, one section each, as many as fit: where it
 * stopped and a few frames, names cut to LCRT_CPU_NAME_MAX.
 */
static bool lcrt_put_cpus(struct lcrt_enc *e, const struct lcrt_facts *f)
{
	unsigned int i, k;

	for (i = 0; i < f->ncpus; i++) {
		const struct lcrt_cpu *c = &f->cpus[i];
		unsigned long prev = 0;

		lcrt_enc_section_begin(e, LCRT_SEC_CPU);
		lcrt_enc_varint(e, c->cpu);
		lcrt_enc_u8(e, c->state);
		lcrt_enc_u8(e, c->user ? LCRT_CPUF_USER : 0);
		lcrt_enc_u8(e, c->nr);
		for (k = 0; k < c->nr && k < LCRT_CPU_FRAMES; k++) {
			lcrt_enc_svarint(e, (s64)(u64)c->frames[k].pc -
					    (s64)(u64)prev);
			lcrt_enc_varint(e, c->frames[k].off);
			lcrt_enc_varint(e, c->frames[k].size);
			lcrt_enc_str8(e, c->user ? "" : c->frames[k].name,
				      LCRT_CPU_NAME_MAX);
			prev = c->frames[k].pc;
		}
		if (!lcrt_enc_section_end(e))
			return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_put_cpus);

/* Frame records at the bottom of an upward frame (arm64: fp and lr). */
#define LCRT_RECORD_WORDS	2

static unsigned int lcrt_varint_len(u64 v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

NOKPROBE_SYMBOL(lcrt_varint_len);

/*
 * The levels of frame @i's window: none when the unwinder knows no window
 * for it, else one for the window itself (where the frame's stack is, even
 * when it has no words of its own, as a leaf) and one per word, at most
 * @max words.
 */
static unsigned int lcrt_window_levels(const struct lcrt_trace *t,
				       unsigned int i, unsigned int max)
{
	const struct lcrt_frame *fr = &t->frames[i];

	if (!max || !fr->win_lo || fr->win_hi < fr->win_lo)
		return 0;
	/*
	 * The crash machinery between the crash and its culprit keeps no
	 * words, but for the culprit's callee, whose frame holds the
	 * culprit's saved registers.
	 */
	if (fr->machinery && t->culprit > 0 && i + 1 < (unsigned int)t->culprit)
		return 0;
	return 1 + min_t(unsigned long, (fr->win_hi - fr->win_lo) / WORD, max);
}

NOKPROBE_SYMBOL(lcrt_window_levels);

/*
 * Frame @i's window cut to @words words: a frame that grows down keeps the
 * words nearest its caller (its saved registers); an upward one first
 * leaves out its frame record, which the chain already holds, then the
 * words farthest from it. Returns the first address.
 */
static unsigned long lcrt_window_lo(const struct lcrt_trace *t, unsigned int i,
				    unsigned int words)
{
	const struct lcrt_frame *fr = &t->frames[i];
	unsigned long all = (fr->win_hi - fr->win_lo) / WORD;

	if (!t->windows_up)
		return fr->win_hi - words * WORD;
	return fr->win_lo + min_t(unsigned long, all - words,
				  LCRT_RECORD_WORDS) * WORD;
}

NOKPROBE_SYMBOL(lcrt_window_lo);

/* The bytes of frame @i's window section at @levels levels. */
static size_t lcrt_window_cost(const struct lcrt_trace *t, unsigned int i,
			       unsigned int levels)
{
	if (!levels)
		return 0;
	return SEC_SIZE + lcrt_varint_len(i) +
	       lcrt_varint_len(lcrt_window_lo(t, i, levels - 1)) +
	       (levels - 1) * WORD;
}

NOKPROBE_SYMBOL(lcrt_window_cost);

/*
 * Give frames [@from, @to) their levels up to @top, level by level,
 * innermost first, each window at most @max words, while @room lasts;
 * *@used counts the bytes. False when the room ran out.
 */
static bool lcrt_share_levels(const struct lcrt_trace *t, unsigned int from,
			      unsigned int to, unsigned int max,
			      unsigned int top, size_t room, u8 *levels,
			      size_t *used)
{
	unsigned int i, l;
	size_t cost;

	for (l = 1; l <= top; l++) {
		for (i = from; i < to; i++) {
			if (lcrt_window_levels(t, i, max) < l || levels[i] >= l)
				continue;
			cost = lcrt_window_cost(t, i, l) -
			       lcrt_window_cost(t, i, levels[i]);
			if (*used + cost > room)
				return false;
			*used += cost;
			levels[i] = l;
		}
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_share_levels);

/*
 * The levels each of the first @n frames' windows get in @room bytes, at
 * most @max words. First where every window is; then a record with a
 * culprit gives whole windows to the culprit's callee, the culprit and
 * LCRT_CORE_CALLERS of its callers, whose saved registers recover their
 * arguments; then level by level, innermost first, until one does not fit. So every frame keeps
 * its window when the windows' addresses fit, a word more goes to each
 * frame in turn, the innermost keep the most, and more room never gives
 * any window fewer words. Returns false when a frame's window was left
 * out.
 */
static bool lcrt_window_share(const struct lcrt_trace *t, unsigned int n,
			      unsigned int max, size_t room, u8 *levels)
{
	unsigned int i, lo, hi;
	size_t used = 0;

	BUILD_BUG_ON(LCRT_WINDOW_MAX >= U8_MAX);
	memset(levels, 0, n);
	/* Where every window is, then the core's words, then the rest's. */
	lcrt_share_levels(t, 0, n, max, 1, room, levels, &used);
	if (t->culprit >= 0 && (unsigned int)t->culprit < n) {
		lo = t->culprit ? t->culprit - 1 : 0;
		hi = min_t(unsigned int, n,
			   t->culprit + 1 + LCRT_CORE_CALLERS);
		lcrt_share_levels(t, lo, hi, max, max + 1, room, levels,
				  &used);
	}
	lcrt_share_levels(t, 0, n, max, max + 1, room, levels, &used);
	for (i = 0; i < n; i++)
		if (lcrt_window_levels(t, i, max) && !levels[i])
			return false;
	return true;
}

NOKPROBE_SYMBOL(lcrt_window_share);

/*
 * The stack windows of the first @nframes frames, innermost first, at the
 * levels @levels gives them. Returns false when one was left out.
 */
static bool lcrt_put_windows(struct lcrt_enc *e, const struct lcrt_trace *t,
			     unsigned int nframes, const u8 *levels)
{
	unsigned long word, a, lo;
	unsigned int i;

	for (i = 0; i < nframes; i++) {
		if (!levels[i])
			continue;
		lo = lcrt_window_lo(t, i, levels[i] - 1);
		lcrt_enc_section_begin(e, LCRT_SEC_STACK);
		lcrt_enc_varint(e, i);
		lcrt_enc_varint(e, lo);
		for (a = lo; a < lo + (levels[i] - 1) * WORD; a += WORD) {
			if (copy_from_kernel_nofault(&word, (const void *)a,
						     WORD))
				break;
			lcrt_enc_bytes(e, &word, WORD);
		}
		if (!lcrt_enc_section_end(e))
			return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_put_windows);

/* The bytes of a varint-coded zigzag value. */
static unsigned int lcrt_svarint_len(s64 v)
{
	return lcrt_varint_len(((u64)v << 1) ^ (u64)(v >> 63));
}

NOKPROBE_SYMBOL(lcrt_svarint_len);

/* The bytes of the other CPUs' sections. */
static size_t lcrt_cpus_size(const struct lcrt_facts *f)
{
	unsigned int i, k;
	size_t n = 0;

	for (i = 0; i < f->ncpus; i++) {
		const struct lcrt_cpu *c = &f->cpus[i];
		unsigned long prev = 0;

		n += SEC_SIZE + lcrt_varint_len(c->cpu) + 3;
		for (k = 0; k < c->nr && k < LCRT_CPU_FRAMES; k++) {
			n += lcrt_svarint_len((s64)(u64)c->frames[k].pc -
					      (s64)(u64)prev) +
			     lcrt_varint_len(c->frames[k].off) +
			     lcrt_varint_len(c->frames[k].size) + 1 +
			     (c->user ? 0 : strnlen(c->frames[k].name,
						    LCRT_CPU_NAME_MAX));
			prev = c->frames[k].pc;
		}
	}
	return n;
}

NOKPROBE_SYMBOL(lcrt_cpus_size);

/*
 * The bytes of the first @nframes frames' windows at their first level
 * (where each is), and of the whole windows of the culprit's callee, the
 * culprit and LCRT_CORE_CALLERS of its callers among them: what a record
 * with a culprit that keeps @nframes frames keeps for their windows.
 */
static size_t lcrt_core_windows_size(const struct lcrt_trace *t,
				     unsigned int max, unsigned int nframes)
{
	unsigned int i, lo, hi;
	size_t n = 0;

	if (!t->windows || !max)
		return 0;
	lo = t->culprit ? t->culprit - 1 : 0;
	hi = min_t(unsigned int, nframes, t->culprit + 1 + LCRT_CORE_CALLERS);
	for (i = 0; i < nframes; i++) {
		unsigned int l = lcrt_window_levels(t, i, max);

		if (l)
			n += lcrt_window_cost(t, i, i >= lo && i < hi ? l : 1);
	}
	return n;
}

NOKPROBE_SYMBOL(lcrt_core_windows_size);

/* The bytes of the frame list's first @n frames, as lcrt_put_frames() puts. */
static size_t lcrt_frames_size(const struct lcrt_trace *t, unsigned int n)
{
	unsigned long prev = 0;
	size_t len = SEC_SIZE + 3;
	unsigned int i;

	for (i = 0; i < n && i < t->nr; i++) {
		const struct lcrt_frame *fr = &t->frames[i];

		len += lcrt_svarint_len((s64)(u64)fr->pc - (s64)(u64)prev) +
		       lcrt_varint_len(fr->off) + lcrt_varint_len(fr->size) +
		       1 + strnlen(lcrt_frame_name(t, i), LCRT_NAME_MAX);
		prev = fr->pc;
	}
	return len;
}

NOKPROBE_SYMBOL(lcrt_frames_size);

/* The bytes of the modules' section for the first @nframes frames, at most. */
static size_t lcrt_modules_size(const struct lcrt_trace *t, unsigned int nframes)
{
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < nframes; i++) {
		if (lcrt_module_first(t, i))
			n += 2 + strnlen(t->frames[i].module, MODULE_NAME_LEN) +
			     BUILD_ID_SIZE_MAX;
	}
	return n ? SEC_SIZE + n : 0;
}

NOKPROBE_SYMBOL(lcrt_modules_size);

/* The bytes of the load section for the first @nframes frames, at most. */
static size_t lcrt_load_size(const struct lcrt_facts *f, unsigned int nframes)
{
	const struct lcrt_trace *t = f->trace;
	unsigned int i, n = 0;
	size_t len = SEC_SIZE + lcrt_varint_len(f->kaslr_offset);

	for (i = 0; i < nframes; i++) {
		if (lcrt_module_first(t, i)) {
			len += lcrt_varint_len(t->frames[i].mod_text);
			n++;
		}
	}
	return len + lcrt_varint_len(n);
}

NOKPROBE_SYMBOL(lcrt_load_size);

/* What is left of @room after @used, or 0. */
static size_t lcrt_left(size_t room, size_t used)
{
	return room > used ? room - used : 0;
}

NOKPROBE_SYMBOL(lcrt_left);

/*
 * The room a record with a culprit that keeps @n frames holds back from
 * @room for what follows its frames, in this order once the frames up to
 * the culprit are in: the other CPUs (@cpus bytes, lcrt_cpus_size()); the
 * frames of LCRT_CORE_CALLERS of its callers; the @n frames' window
 * addresses and the whole windows around the culprit. 0 without a culprit.
 */
static size_t lcrt_core_reserve(const struct lcrt_trace *t, size_t cpus,
				unsigned int max, size_t room, unsigned int n)
{
	size_t core;

	if (t->culprit < 0 || (unsigned int)t->culprit >= t->nr)
		return 0;
	room = lcrt_left(room, lcrt_frames_size(t, t->culprit + 1));
	cpus = min(cpus, room);
	room = lcrt_left(room - cpus,
			 lcrt_frames_size(t, t->culprit + 1 + LCRT_CORE_CALLERS) -
			 lcrt_frames_size(t, t->culprit + 1));
	core = min(lcrt_core_windows_size(t, max, n), room);
	return cpus + core;
}

NOKPROBE_SYMBOL(lcrt_core_reserve);

/*
 * Encode a whole record of @f into @buf, never more than @budget bytes, in
 * order of importance: event, reason, kernel, time and boot, the blocked
 * task of a hung task, registers, the frames innermost first, the culprit,
 * which of them are exact, the recursions folded, their modules' build-ids
 * and where the code was loaded, the other
 * CPUs at a panic, then
 * a stack window for every frame, cut to fewer words where the budget needs
 * it (the innermost keep the most; the machinery between the crash and its
 * culprit keeps none). Where
 * something does not fit, what follows it is left out too (so that more
 * room never gives less), and the record says so; but a record with a
 * culprit keeps room for the other CPUs and for the windows of the frames
 * around the culprit, and leaves out outer frames for them first. Returns
 * its size; seal it with lcrt_record_seal().
 */
size_t lcrt_encode(const struct lcrt_facts *f, void *buf, size_t budget,
		   u64 seq)
{
	const struct lcrt_trace *t = f->trace;
	unsigned int i, n, kept, max = min_t(unsigned int, f->window_words,
					  LCRT_WINDOW_MAX);
	u8 levels[LCRT_MAX_FRAMES];
	struct lcrt_enc e;
	bool whole, ok, cpus, windows = false;
	size_t reserve, core, fixed, cpus_size;
	u16 flags = 0;

	lcrt_enc_init(&e, buf, budget);
	whole = lcrt_put_event(&e, f) && lcrt_put_reason(&e, f->reason) &&
		lcrt_put_kernel(&e, f) && lcrt_put_boot(&e, f) &&
		lcrt_put_blocked(&e, f->blocked) &&
		lcrt_put_regs(&e, f);
	if (t && !t->windows)
		flags |= LCRT_F_NO_WINDOWS;
	if (t && t->poked)
		flags |= LCRT_F_POKED_NAMES;
	if (whole && t && t->nr <= LCRT_MAX_FRAMES) {
		/*
		 * Which frames are exact, and the culprit, are kept even when
		 * outer frames go; with a culprit, so are the other CPUs and
		 * the windows of the frames around it.
		 */
		/*
		 * The most frames that leave room for what must follow them:
		 * what is kept of only the frames kept (their modules, the
		 * addresses of their windows) is counted for those alone.
		 */
		cpus_size = lcrt_cpus_size(f);
		for (n = t->nr; ; n--) {
			fixed = min(lcrt_exact_size(t, n) + LCRT_CULPRIT_SIZE +
				    lcrt_repeats_size(t, n) +
				    lcrt_modules_size(t, n) +
				    lcrt_load_size(f, n), e.size - e.pos);
			core = lcrt_core_reserve(t, cpus_size, max,
						 e.size - e.pos - fixed, n);
			if (!n || lcrt_frames_size(t, n) + fixed + core <=
			    e.size - e.pos)
				break;
		}
		/* Exactly those frames: what they leave is for the rest. */
		reserve = e.size - e.pos -
			  min(e.size - e.pos, lcrt_frames_size(t, n));
		e.size -= reserve;
		kept = t->nr - lcrt_put_frames(&e, t);
		e.size += reserve;
		whole = kept == t->nr;
		ok = lcrt_put_culprit(&e, t, kept) &&
		     lcrt_put_exact(&e, t, kept) &&
		     lcrt_put_repeats(&e, t, kept) &&
		     lcrt_put_modules(&e, t, kept) &&
		     lcrt_put_load(&e, f, kept);
		whole &= ok;
		if (ok && (whole || core)) {
			cpus = lcrt_put_cpus(&e, f);
			if (t->windows) {
				windows = lcrt_window_share(t, kept, max,
							    e.size - e.pos,
							    levels);
				windows &= lcrt_put_windows(&e, t, kept,
							    levels);
				for (i = 0; i < kept; i++) {
					if (levels[i] && levels[i] <
					    lcrt_window_levels(t, i, max))
						flags |= LCRT_F_WINDOWS_CUT;
				}
				whole &= windows &&
					 !(flags & LCRT_F_WINDOWS_CUT);
			}
			whole &= cpus;
		}
	}
	if (t && t->windows && !windows)
		flags |= LCRT_F_WINDOWS_DROPPED;
	if (!whole)
		flags |= LCRT_F_TRUNCATED;
	if (!IS_ENABLED(CONFIG_KALLSYMS))
		flags |= LCRT_F_NO_KALLSYMS;
	return lcrt_enc_finish(&e, seq, flags);
}

NOKPROBE_SYMBOL(lcrt_encode);

static u32 lcrt_crc(const struct lcrt_record_header *h, size_t total)
{
	return crc32_le(~0U, (const u8 *)h + LCRT_CRC_OFFSET,
			total - LCRT_CRC_OFFSET) ^ ~0U;
}

NOKPROBE_SYMBOL(lcrt_crc);

/* Set the capture time and the CRC. The magic is left to the store. */
void lcrt_record_seal(void *rec, u32 capture_ns)
{
	struct lcrt_record_header *h = rec;

	h->capture_ns = cpu_to_le32(capture_ns);
	h->crc32 = cpu_to_le32(lcrt_crc(h, le32_to_cpu(h->total_size)));
}

NOKPROBE_SYMBOL(lcrt_record_seal);

/*
 * Is there a whole, valid record at @rec, of which @avail bytes may be read?
 * Returns 0, -ENODATA (no record), -EPROTO (unknown version), -EMSGSIZE
 * (sizes out of bounds), -EBADMSG (CRC mismatch) or -EUCLEAN (sections do
 * not tile the record).
 */
int lcrt_record_check(const void *rec, size_t avail)
{
	const struct lcrt_record_header *h = rec;
	size_t total, hsize, off;
	struct lcrt_dec d;
	u8 type;

	if (avail < HDR_SIZE || le32_to_cpu(h->magic) != LCRT_MAGIC)
		return -ENODATA;
	if (LCRT_VERSION_MAJOR(le16_to_cpu(h->version)) !=
	    LCRT_VERSION_MAJOR(LCRT_VERSION))
		return -EPROTO;
	total = le32_to_cpu(h->total_size);
	hsize = le16_to_cpu(h->header_size);
	if (hsize < HDR_SIZE || total < hsize || total > avail)
		return -EMSGSIZE;
	if (lcrt_crc(h, total) != le32_to_cpu(h->crc32))
		return -EBADMSG;
	off = hsize;
	while (lcrt_record_next(rec, &off, &type, &d))
		;
	return off == total ? 0 : -EUCLEAN;
}

/*
 * Step to the section at *@off of a checked record. Returns false at the end
 * or at a section that does not fit; *@off then stays at that section.
 */
bool lcrt_record_next(const void *rec, size_t *off, u8 *type,
		      struct lcrt_dec *payload)
{
	const struct lcrt_record_header *h = rec;
	size_t total = le32_to_cpu(h->total_size);
	const struct lcrt_section *sec;
	size_t size;

	if (*off >= total || total - *off < SEC_SIZE)
		return false;
	sec = (const struct lcrt_section *)((const u8 *)rec + *off);
	size = lcrt_le(&sec->size, sizeof(sec->size));
	if (size > total - *off - SEC_SIZE)
		return false;
	*type = sec->type;
	payload->p = (const u8 *)(sec + 1);
	payload->len = size;
	payload->pos = 0;
	payload->error = false;
	*off += SEC_SIZE + size;
	return true;
}

/* A little-endian number of @size bytes at @p, whatever its alignment. */
u64 lcrt_le(const void *p, size_t size)
{
	const u8 *b = p;
	u64 v = 0;

	while (size--)
		v = v << 8 | b[size];
	return v;
}

const u8 *lcrt_dec_bytes(struct lcrt_dec *d, size_t len)
{
	const u8 *p;

	if (d->error || len > d->len - d->pos) {
		d->error = true;
		return NULL;
	}
	p = d->p + d->pos;
	d->pos += len;
	return p;
}

u8 lcrt_dec_u8(struct lcrt_dec *d)
{
	const u8 *p = lcrt_dec_bytes(d, 1);

	return p ? *p : 0;
}

u64 lcrt_dec_varint(struct lcrt_dec *d)
{
	u64 v = 0;
	int i;

	for (i = 0; i < LCRT_VARINT_MAX; i++) {
		const u8 *p = lcrt_dec_bytes(d, 1);

		if (!p)
			return 0;
		v |= (u64)(*p & 0x7f) << (7 * i);
		if (!(*p & 0x80))
			return v;
	}
	d->error = true;
	return 0;
}

s64 lcrt_dec_svarint(struct lcrt_dec *d)
{
	u64 v = lcrt_dec_varint(d);

	return (s64)(v >> 1) ^ -(s64)(v & 1);
}
