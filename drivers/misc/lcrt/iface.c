// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: what user space sees.
 *
 *   /proc/lcrt                   the newest record, in words
 *   /sys/kernel/lcrt/control     "clear" erases every record, "clear N"
 *                                the record N, "clear to N" every record
 *                                numbered N or lower
 *   /sys/kernel/lcrt/record      the newest record (and its follow-up), raw
 *   /sys/kernel/lcrt/nvram       the whole region with its header, raw
 *   /sys/kernel/lcrt/status      region, header, slots and record counts
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/panic.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/time.h>

#include "lcrt.h"

static DEFINE_MUTEX(lcrt_iface_lock);

static const char * const lcrt_events[] = LCRT_EV_NAMES;
static const char * const lcrt_contexts[] = LCRT_CTX_NAMES;
static const char * const lcrt_unwinders[] = LCRT_UNW_NAMES;
static const char * const lcrt_stops[] = LCRT_STOP_NAMES;
static const char * const lcrt_rules[] = LCRT_CULPRIT_NAMES;
static const char * const lcrt_cpu_states[] = LCRT_CPU_NAMES;

/* A name from one of the uapi tables, or "unknown". */
static const char *lcrt_pick(const char * const *table, size_t n,
			     unsigned int i)
{
	return i < n ? table[i] : "unknown";
}

static const char *lcrt_error_name(int err)
{
	switch (err) {
	case -EPROTO:	return "unknown format version";
	case -EMSGSIZE:	return "sizes out of bounds";
	case -EBADMSG:	return "CRC mismatch";
	case -EUCLEAN:	return "sections do not fit the record";
	case -EINPROGRESS: return "torn: its write did not finish";
	case -ENODATA:	return "not an LCRT record";
	default:	return "unreadable";
	}
}

static void lcrt_show_event(struct seq_file *m, struct lcrt_dec *d)
{
	u8 ev = lcrt_dec_u8(d), ctx = lcrt_dec_u8(d);
	u64 cpu = lcrt_dec_varint(d), pid = lcrt_dec_varint(d);
	u64 preempt = lcrt_dec_varint(d), taint = lcrt_dec_varint(d);
	u64 uptime = lcrt_dec_varint(d);
	u8 len = lcrt_dec_u8(d);
	const u8 *comm = lcrt_dec_bytes(d, len);
	u64 secs;
	u32 ns;
	int i;

	if (d->error) {
		seq_puts(m, "event:   (malformed)\n");
		return;
	}
	seq_printf(m, "event:   %s\n",
		   lcrt_pick(lcrt_events, ARRAY_SIZE(lcrt_events), ev));
	seq_printf(m, "task:    %*pE (pid %llu) on CPU %llu\n", len, comm,
		   pid, cpu);
	seq_printf(m, "context: %s, preempt count %#llx\n",
		   lcrt_pick(lcrt_contexts, ARRAY_SIZE(lcrt_contexts), ctx),
		   preempt);
	seq_printf(m, "taint:   %#llx ", taint);
	for (i = 0; i < TAINT_FLAGS_COUNT && i < 64; i++)
		if (taint & BIT_ULL(i))
			seq_putc(m, taint_flags[i].c_true);
	secs = div_u64_rem(uptime, NSEC_PER_SEC, &ns);
	seq_printf(m, "\nuptime:  %llu.%09u s\n", secs, ns);
}

static void lcrt_show_kernel(struct seq_file *m, struct lcrt_dec *d)
{
	u8 len = lcrt_dec_u8(d);
	const u8 *rel = lcrt_dec_bytes(d, len);
	u8 idlen = lcrt_dec_u8(d);
	const u8 *id = lcrt_dec_bytes(d, idlen);

	if (d->error) {
		seq_puts(m, "kernel:  (malformed)\n");
		return;
	}
	seq_printf(m, "kernel:  %*pE build-id %*phN\n", len, rel, idlen, id);
}

/* A section of a checked record, by type: false when it has none. */
static bool lcrt_find_section(const void *rec, u8 want, struct lcrt_dec *d)
{
	const struct lcrt_record_header *h = rec;
	size_t off = le16_to_cpu(h->header_size);
	u8 type;

	while (lcrt_record_next(rec, &off, &type, d))
		if (type == want)
			return true;
	return false;
}

/* When the crash came by the wall clock, and in which boot. */
static void lcrt_show_boot(struct seq_file *m, struct lcrt_dec *d)
{
	u64 ns = lcrt_dec_varint(d);
	u8 idlen = lcrt_dec_u8(d);
	const u8 *id = lcrt_dec_bytes(d, idlen);
	struct tm tm;
	u32 rem;

	if (d->error || (idlen && idlen != LCRT_BOOT_ID_SIZE)) {
		seq_puts(m, "time:    (malformed)\n");
		return;
	}
	if (ns) {
		time64_to_tm(div_u64_rem(ns, NSEC_PER_SEC, &rem), 0, &tm);
		seq_printf(m, "time:    %04ld-%02d-%02d %02d:%02d:%02d.%09u UTC\n",
			   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			   tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
	} else {
		seq_puts(m, "time:    unknown (no wall clock)\n");
	}
	if (idlen)
		seq_printf(m, "boot:    %pUb\n", id);
	else
		seq_puts(m, "boot:    unknown (the crash came before LCRT read it)\n");
}

/* Where the code was loaded, each module named from the record's modules. */
static void lcrt_show_load(struct seq_file *m, struct lcrt_dec *d,
			   const void *rec)
{
	u64 kaslr = lcrt_dec_varint(d), n = lcrt_dec_varint(d), text, i;
	struct lcrt_dec md = { .error = true };
	const u8 *name = NULL;
	u8 len = 0;

	if (d->error) {
		seq_puts(m, "load:    (malformed)\n");
		return;
	}
	seq_printf(m, "load:    KASLR offset %#llx\n", kaslr);
	if (n && !lcrt_find_section(rec, LCRT_SEC_MODULES, &md))
		md.error = true;	/* no names: numbered */
	for (i = 0; i < n && i < LCRT_MAX_FRAMES; i++) {
		text = lcrt_dec_varint(d);
		if (!md.error) {
			len = lcrt_dec_u8(&md);
			name = lcrt_dec_bytes(&md, len);
			lcrt_dec_bytes(&md, lcrt_dec_u8(&md));
		}
		if (d->error) {
			seq_puts(m, "load:    (malformed)\n");
			return;
		}
		if (md.error)
			seq_printf(m, "load:    module %llu text at %#llx\n", i,
				   text);
		else
			seq_printf(m, "load:    %*pE text at %#llx\n", len, name,
				   text);
	}
}

/* How many more times frame @n repeats, from the record's repeats. */
static u64 lcrt_repeats_of(const void *rec, unsigned int n)
{
	struct lcrt_dec d;
	u64 i, count;

	if (!lcrt_find_section(rec, LCRT_SEC_REPEATS, &d))
		return 0;
	count = lcrt_dec_varint(&d);
	for (i = 0; i < count && i < LCRT_MAX_FRAMES && !d.error; i++) {
		u64 idx = lcrt_dec_varint(&d), times = lcrt_dec_varint(&d);

		if (!d.error && idx == n)
			return times;
	}
	return 0;
}

static void lcrt_show_frames(struct seq_file *m, struct lcrt_dec *d,
			     const void *rec)
{
	u8 unwinder = lcrt_dec_u8(d), stop = lcrt_dec_u8(d);
	u64 dropped = lcrt_dec_varint(d);
	unsigned long pc = 0;
	unsigned int n;

	seq_printf(m, "call chain (innermost first, %s unwinder, ended at %s):\n",
		   lcrt_pick(lcrt_unwinders, ARRAY_SIZE(lcrt_unwinders), unwinder),
		   lcrt_pick(lcrt_stops, ARRAY_SIZE(lcrt_stops), stop));
	for (n = 0; d->pos < d->len && n < 256; n++) {
		u64 off, size, times;
		const u8 *name;
		u8 len;

		pc += lcrt_dec_svarint(d);
		off = lcrt_dec_varint(d);
		size = lcrt_dec_varint(d);
		len = lcrt_dec_u8(d);
		name = lcrt_dec_bytes(d, len);
		if (d->error)
			break;
		if (len) {
			/* "func [module]": the offset goes after func. */
			const u8 *sp = memchr(name, ' ', len);
			int flen = sp ? sp - name : len;

			seq_printf(m, "  #%-2u %*pE+%#llx/%#llx%*pE [%#lx]", n,
				   flen, name, off, size, len - flen, name + flen,
				   pc);
		} else {
			seq_printf(m, "  #%-2u [%#lx]", n, pc);
		}
		times = lcrt_repeats_of(rec, n);
		if (times)
			seq_printf(m, " (x%llu)", times + 1);
		seq_putc(m, '\n');
	}
	if (d->error)
		seq_puts(m, "  (malformed frame list)\n");
	if (dropped)
		seq_printf(m, "  ... %llu outer frames dropped for the budget\n",
			   dropped);
}

/*
 * The culprit, near the top: "culprit: func+off/size [module] (rule)",
 * its frame looked up in the frame list.
 */
static void lcrt_show_culprit(struct seq_file *m, const void *rec)
{
	struct lcrt_dec c, d;
	unsigned long pc = 0;
	u64 idx, i, off = 0, size = 0;
	const u8 *name = NULL;
	u8 rule, len = 0;

	if (!lcrt_find_section(rec, LCRT_SEC_CULPRIT, &c))
		return;
	rule = lcrt_dec_u8(&c);
	idx = lcrt_dec_varint(&c);
	if (c.error || !lcrt_find_section(rec, LCRT_SEC_FRAMES, &d)) {
		seq_puts(m, "culprit: (malformed)\n");
		return;
	}
	lcrt_dec_u8(&d);
	lcrt_dec_u8(&d);
	lcrt_dec_varint(&d);
	for (i = 0; i <= idx && i < LCRT_MAX_FRAMES && !d.error; i++) {
		pc += lcrt_dec_svarint(&d);
		off = lcrt_dec_varint(&d);
		size = lcrt_dec_varint(&d);
		len = lcrt_dec_u8(&d);
		name = lcrt_dec_bytes(&d, len);
	}
	if (d.error || i <= idx) {
		seq_puts(m, "culprit: (malformed)\n");
	} else if (len) {
		const u8 *sp = memchr(name, ' ', len);
		int flen = sp ? sp - name : len;

		seq_printf(m, "culprit: %*pE+%#llx/%#llx%*pE (%s, frame #%llu)\n",
			   flen, name, off, size, len - flen, name + flen,
			   lcrt_pick(lcrt_rules, ARRAY_SIZE(lcrt_rules), rule),
			   idx);
	} else {
		seq_printf(m, "culprit: [%#lx] (%s, frame #%llu)\n", pc,
			   lcrt_pick(lcrt_rules, ARRAY_SIZE(lcrt_rules), rule),
			   idx);
	}
}

/* The task a hung-task panic found blocked: the chain is its. */
static void lcrt_show_blocked(struct seq_file *m, struct lcrt_dec *d)
{
	u64 pid = lcrt_dec_varint(d), state = lcrt_dec_varint(d);
	u64 ms = lcrt_dec_varint(d);
	u8 len = lcrt_dec_u8(d);
	const u8 *comm = lcrt_dec_bytes(d, len);
	u32 rem;

	if (d->error) {
		seq_puts(m, "blocked: (malformed)\n");
		return;
	}
	ms = div_u64_rem(ms, MSEC_PER_SEC, &rem);
	seq_printf(m, "blocked: %*pE (pid %llu), state %#llx, waited %llu.%03u s; the call chain is this task's\n",
		   len, comm, pid, state, ms, rem);
}

/* Another CPU at the panic, under the crashing CPU's chain. */
static void lcrt_show_cpu(struct seq_file *m, struct lcrt_dec *d)
{
	u64 cpu = lcrt_dec_varint(d);
	u8 state = lcrt_dec_u8(d), flags = lcrt_dec_u8(d), n = lcrt_dec_u8(d);
	unsigned long pc = 0;
	unsigned int i;

	if (d->error) {
		seq_puts(m, "cpu:     (malformed)\n");
		return;
	}
	seq_printf(m, "cpu %llu:   %s%s\n", cpu,
		   lcrt_pick(lcrt_cpu_states, ARRAY_SIZE(lcrt_cpu_states), state),
		   flags & LCRT_CPUF_USER ? ", in user space" : "");
	for (i = 0; i < n && i < LCRT_MAX_FRAMES; i++) {
		u64 off, size;
		const u8 *name;
		u8 len;

		pc += lcrt_dec_svarint(d);
		off = lcrt_dec_varint(d);
		size = lcrt_dec_varint(d);
		len = lcrt_dec_u8(d);
		name = lcrt_dec_bytes(d, len);
		if (d->error) {
			seq_puts(m, "  (malformed frame list)\n");
			return;
		}
		if (len) {
			const u8 *sp = memchr(name, ' ', len);
			int flen = sp ? sp - name : len;

			seq_printf(m, "  #%-2u %*pE+%#llx/%#llx%*pE [%#lx]\n", i,
				   flen, name, off, size, len - flen, name + flen,
				   pc);
		} else {
			seq_printf(m, "  #%-2u [%#lx]\n", i, pc);
		}
	}
}

static const char * const lcrt_regs_arm[] = LCRT_REGS_ARM_NAMES;
static const char * const lcrt_regs_arm64[] = LCRT_REGS_ARM64_NAMES;
static const char * const lcrt_regs_x86_64[] = LCRT_REGS_X86_64_NAMES;
static_assert(ARRAY_SIZE(lcrt_regs_arm) == LCRT_REGS_ARM);
static_assert(ARRAY_SIZE(lcrt_regs_arm64) == LCRT_REGS_ARM64);
static_assert(ARRAY_SIZE(lcrt_regs_x86_64) == LCRT_REGS_X86_64);

static u64 lcrt_dec_word(struct lcrt_dec *d, unsigned int size)
{
	const u8 *p = lcrt_dec_bytes(d, size);

	if (!p)
		return 0;
	return lcrt_le(p, size);
}

static void lcrt_show_regs(struct seq_file *m, struct lcrt_dec *d, u8 arch,
			   unsigned int wsize)
{
	const char * const *names = NULL;
	unsigned int n = 0, i;

	if (arch == LCRT_ARCH_ARM) {
		names = lcrt_regs_arm;
		n = LCRT_REGS_ARM;
	} else if (arch == LCRT_ARCH_ARM64) {
		names = lcrt_regs_arm64;
		n = LCRT_REGS_ARM64;
	} else if (arch == LCRT_ARCH_X86_64) {
		names = lcrt_regs_x86_64;
		n = LCRT_REGS_X86_64;
	}
	if ((wsize != 4 && wsize != 8) || d->len != n * wsize) {
		seq_printf(m, "registers: (%zu bytes, unknown layout)\n", d->len);
		return;
	}
	seq_puts(m, "registers:");
	for (i = 0; i < n; i++)
		seq_printf(m, "%s%-7s %0*llx", i % 4 ? "  " : "\n  ",
			   names[i], wsize * 2, lcrt_dec_word(d, wsize));
	seq_putc(m, '\n');
}

/* The frames whose pc is where the CPU was, not a return address. */
static void lcrt_show_exact(struct seq_file *m, struct lcrt_dec *d)
{
	u64 n = lcrt_dec_varint(d), i;

	seq_puts(m, "exact:  ");
	for (i = 0; i < n && i < LCRT_MAX_FRAMES && !d->error; i++) {
		u64 idx = lcrt_dec_varint(d);

		if (!d->error)
			seq_printf(m, " #%llu", idx);
	}
	seq_puts(m, d->error || n > LCRT_MAX_FRAMES ? " (malformed)\n" :
		 " (where the CPU was; other pcs are return addresses)\n");
}

static void lcrt_show_modules(struct seq_file *m, struct lcrt_dec *d)
{
	unsigned int i;

	for (i = 0; d->pos < d->len && i < LCRT_MAX_FRAMES; i++) {
		u8 len = lcrt_dec_u8(d);
		const u8 *name = lcrt_dec_bytes(d, len);
		u8 idlen = lcrt_dec_u8(d);
		const u8 *id = lcrt_dec_bytes(d, idlen);

		if (d->error) {
			seq_puts(m, "module:  (malformed)\n");
			return;
		}
		if (idlen)
			seq_printf(m, "module:  %*pE build-id %*phN\n", len, name,
				   idlen, id);
		else
			seq_printf(m, "module:  %*pE (no build-id)\n", len, name);
	}
}

static void lcrt_show_stack(struct seq_file *m, struct lcrt_dec *d,
			    unsigned int wsize, bool *first)
{
	u64 idx = lcrt_dec_varint(d), addr = lcrt_dec_varint(d);
	unsigned int i;

	if (d->error || (wsize != 4 && wsize != 8)) {
		seq_puts(m, "  (malformed stack window)\n");
		return;
	}
	if (*first)
		seq_puts(m, "stack windows (per frame, lowest address first):\n");
	*first = false;
	if (d->pos + wsize > d->len) {
		seq_printf(m, "  #%-2llu %0*llx: (no stack words of its own)\n",
			   idx, wsize * 2, addr);
		return;
	}
	for (i = 0; d->pos + wsize <= d->len && i < LCRT_WINDOW_MAX; i++) {
		if (i % 4 == 0) {
			if (i)
				seq_puts(m, "\n      ");
			else
				seq_printf(m, "  #%-2llu ", idx);
			seq_printf(m, "%0*llx:", wsize * 2, addr + i * wsize);
		}
		seq_printf(m, " %0*llx", wsize * 2, lcrt_dec_word(d, wsize));
	}
	seq_putc(m, '\n');
}

/*
 * @fu: the follow-up record, NULL, or an ERR_PTR when it is torn or damaged.
 * Its reason is what the crash ended in: "panic (after oops)".
 */
static void lcrt_show_reason(struct seq_file *m, struct lcrt_dec *d,
			     const struct lcrt_record_header *fu)
{
	struct lcrt_dec fd;
	size_t off;
	u8 type;

	if (!IS_ERR_OR_NULL(fu)) {
		off = le16_to_cpu(fu->header_size);
		while (lcrt_record_next(fu, &off, &type, &fd)) {
			if (type != LCRT_SEC_REASON)
				continue;
			seq_printf(m, "reason:  %*pE (after %*pE)\n", (int)fd.len,
				   fd.p, (int)d->len, d->p);
			return;
		}
	}
	seq_printf(m, "reason:  %*pE\n", (int)d->len, d->p);
	if (IS_ERR(fu))
		seq_printf(m, "note:    what followed is lost: %s\n",
			   lcrt_error_name(PTR_ERR(fu)));
}

static void lcrt_show_record(struct seq_file *m, const void *rec, int slot,
			     const struct lcrt_record_header *fu)
{
	const struct lcrt_record_header *h = rec;
	size_t off = le16_to_cpu(h->header_size);
	u16 flags = le16_to_cpu(h->flags);
	bool first_window = true;
	struct lcrt_dec d;
	u8 type;

	seq_printf(m, "LCRT record %llu (slot %d, %u bytes, captured in %u ns%s)\n",
		   le64_to_cpu(h->seq), slot, le32_to_cpu(h->total_size),
		   le32_to_cpu(h->capture_ns),
		   flags & LCRT_F_TRUNCATED ? ", truncated" : "");
	lcrt_show_culprit(m, rec);
	if (flags & LCRT_F_WINDOWS_DROPPED)
		seq_puts(m, "note:    outer stack windows left out for the budget\n");
	if (flags & LCRT_F_WINDOWS_CUT)
		seq_puts(m, "note:    stack windows cut to fewer words for the budget\n");
	if (flags & LCRT_F_POKED_NAMES)
		seq_puts(m, "note:    names from -mpoke-function-name (no kallsyms)\n");
	else if (flags & LCRT_F_NO_KALLSYMS)
		seq_puts(m, "note:    no kallsyms: addresses only (see System.map)\n");
	while (lcrt_record_next(rec, &off, &type, &d)) {
		switch (type) {
		case LCRT_SEC_EVENT:
			lcrt_show_event(m, &d);
			break;
		case LCRT_SEC_REASON:
			lcrt_show_reason(m, &d, fu);
			break;
		case LCRT_SEC_KERNEL:
			lcrt_show_kernel(m, &d);
			break;
		case LCRT_SEC_BOOT:
			lcrt_show_boot(m, &d);
			break;
		case LCRT_SEC_LOAD:
			lcrt_show_load(m, &d, rec);
			break;
		case LCRT_SEC_FRAMES:
			lcrt_show_frames(m, &d, rec);
			if (flags & LCRT_F_NO_WINDOWS)
				seq_puts(m, "stack windows: none (no frame pointers)\n");
			break;
		case LCRT_SEC_REGS:
			lcrt_show_regs(m, &d, h->arch, h->word_size);
			break;
		case LCRT_SEC_EXACT:
			lcrt_show_exact(m, &d);
			break;
		case LCRT_SEC_MODULES:
			lcrt_show_modules(m, &d);
			break;
		case LCRT_SEC_BLOCKED:
			lcrt_show_blocked(m, &d);
			break;
		case LCRT_SEC_CPU:
			lcrt_show_cpu(m, &d);
			break;
		case LCRT_SEC_CULPRIT:
		case LCRT_SEC_REPEATS:
			break;	/* shown with the culprit and the frames */
		case LCRT_SEC_STACK:
			lcrt_show_stack(m, &d, h->word_size, &first_window);
			break;
		default:
			seq_printf(m, "section %u: %zu bytes\n", type, d.len);
			break;
		}
	}
}

/*
 * A copy of the newest record's slot, taken between captures, or NULL with
 * what the reader should be told. The caller frees it.
 */
static void *lcrt_newest(struct lcrt_region *r, struct lcrt_slot_info *info,
			 const struct lcrt_record_header **fu)
{
	const struct lcrt_record_header *f;
	const u8 *slot;
	void *copy;

	copy = kmalloc(r->slot_size, GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&lcrt_iface_lock);
	lcrt_region_scan(r, info);
	if (info->newest < 0) {
		mutex_unlock(&lcrt_iface_lock);
		kfree(copy);
		return NULL;
	}
	if (!lcrt_store_user_lock()) {
		mutex_unlock(&lcrt_iface_lock);
		kfree(copy);
		return ERR_PTR(-EBUSY);
	}
	slot = lcrt_region_slot_ptr(r, info->newest);
	memcpy(copy, slot, r->slot_size);
	f = lcrt_region_followup(r, info->newest);
	lcrt_store_user_unlock();
	mutex_unlock(&lcrt_iface_lock);
	*fu = IS_ERR_OR_NULL(f) ? f : copy + ((const u8 *)f - slot);
	return copy;
}

static int lcrt_proc_show(struct seq_file *m, void *v)
{
	const struct lcrt_record_header *fu = NULL;
	struct lcrt_region *r = lcrt_store();
	struct lcrt_slot_info info;
	void *rec;

	rec = lcrt_newest(r, &info, &fu);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	if (info.newest_bad >= 0)
		seq_printf(m, "the newest record (slot %d) is %s%s\n",
			   info.newest_bad,
			   info.newest_err == -EINPROGRESS ? "" : "corrupt: ",
			   lcrt_error_name(info.newest_err));
	if (!rec) {
		if (info.newest_bad < 0)
			seq_puts(m, "no crash record\n");
		return 0;
	}
	if (!lcrt_record_check(rec, r->slot_size))
		lcrt_show_record(m, rec, info.newest, fu);
	else
		seq_puts(m, "the record changed while it was read\n");
	kfree(rec);
	return 0;
}

/* A decimal sequence number, digits only. */
static int lcrt_parse_seq(const char *tok, u64 *seq)
{
	if (!tok || !isdigit(*tok))
		return -EINVAL;
	return kstrtou64(tok, 10, seq);
}

/**
 * lcrt_control_parse() - what a write to the control file asks
 * @buf: the bytes written (not NUL-terminated)
 * @count: how many
 * @how: set to LCRT_CLEAR_ALL ("clear"), LCRT_CLEAR_ONE ("clear N", N > 0)
 *	or LCRT_CLEAR_TO ("clear to N": every record numbered N or lower)
 * @seq: set to N
 *
 * Words are separated by any white space, before, between and after.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int lcrt_control_parse(const char *buf, size_t count, int *how, u64 *seq)
{
	char line[48], *p, *w[3];
	int n = 0;

	*seq = 0;
	if (count >= sizeof(line))
		return -EINVAL;
	memcpy(line, buf, count);
	line[count] = 0;
	if (strlen(line) != count)
		return -EINVAL;		/* a NUL inside */
	for (p = skip_spaces(line); *p; p = skip_spaces(p)) {
		if (n == ARRAY_SIZE(w))
			return -EINVAL;
		w[n++] = p;
		while (*p && !isspace(*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	if (!n || strcmp(w[0], "clear"))
		return -EINVAL;
	if (n == 1)
		*how = LCRT_CLEAR_ALL;
	else if (n == 2 && !lcrt_parse_seq(w[1], seq) && *seq)
		*how = LCRT_CLEAR_ONE;
	else if (n == 3 && !strcmp(w[1], "to") && !lcrt_parse_seq(w[2], seq))
		*how = LCRT_CLEAR_TO;
	else
		return -EINVAL;
	return 0;
}

static ssize_t control_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int how, ret;
	u64 seq;

	ret = lcrt_control_parse(buf, count, &how, &seq);
	if (ret)
		return ret;
	mutex_lock(&lcrt_iface_lock);
	ret = lcrt_store_clear(how, seq);
	mutex_unlock(&lcrt_iface_lock);
	return ret < 0 ? ret : count;
}

static struct kobj_attribute control_attr = __ATTR_WO(control);

static ssize_t status_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct lcrt_region *r = lcrt_store();
	struct lcrt_slot_info info;
	phys_addr_t base = lcrt_store_base();

	mutex_lock(&lcrt_iface_lock);
	lcrt_region_scan(r, &info);
	mutex_unlock(&lcrt_iface_lock);
	return sysfs_emit(buf,
			  "region %pa+%zu\nmapping %s\nslot_size %zu\nslots %u\npolicy %s\nrecords %u\ntorn %u\ncorrupt %u\nempty %u\nnext_seq %llu\nboot_count %llu\ndropped %llu\nselftest %d\nmedium %s\n",
			  &base, r->size, r->medium ? "none" : r->wb ? "wb" : "wc",
			  r->slot_size,
			  r->nslots,
			  r->policy == LCRT_RING_OVERWRITE ? "overwrite" : "keep",
			  info.valid, info.torn, info.corrupt, info.empty,
			  r->next_seq, r->boot_count,
			  r->dropped + atomic_read(&r->lost),
			  lcrt_selftest_frames(),
			  r->medium ? r->medium->name : "nvram");
}

static struct kobj_attribute status_attr = __ATTR(status, 0400, status_show,
						   NULL);

static ssize_t lcrt_read_bytes(const void *src, size_t len, char *buf,
			       loff_t off, size_t count)
{
	if (off >= len)
		return 0;
	count = min_t(size_t, count, len - off);
	memcpy(buf, src + off, count);
	return count;
}

/* The newest record, and its follow-up when it has one. */
static ssize_t record_read(struct file *filp, struct kobject *kobj,
			   struct bin_attribute *attr, char *buf, loff_t off,
			   size_t count)
{
	const struct lcrt_record_header *fu = NULL, *h;
	struct lcrt_region *r = lcrt_store();
	struct lcrt_slot_info info;
	ssize_t ret = 0;
	size_t len;

	h = lcrt_newest(r, &info, &fu);
	if (IS_ERR_OR_NULL(h))
		return PTR_ERR_OR_ZERO(h);
	len = le32_to_cpu(h->total_size);
	if (!IS_ERR_OR_NULL(fu))
		len = (const u8 *)fu - (const u8 *)h +
		      le32_to_cpu(fu->total_size);
	ret = lcrt_read_bytes(h, min(len, r->slot_size), buf, off, count);
	kfree(h);
	return ret;
}

static BIN_ATTR(record, 0400, record_read, NULL, 0);

static ssize_t nvram_read(struct file *filp, struct kobject *kobj,
			  struct bin_attribute *attr, char *buf, loff_t off,
			  size_t count)
{
	struct lcrt_region *r = lcrt_store();
	ssize_t ret;

	mutex_lock(&lcrt_iface_lock);
	ret = lcrt_read_bytes(r->mem, r->size, buf, off, count);
	mutex_unlock(&lcrt_iface_lock);
	return ret;
}

static BIN_ATTR(nvram, 0400, nvram_read, NULL, 0);

static struct attribute *lcrt_attrs[] = {
	&control_attr.attr,
	&status_attr.attr,
	NULL,
};

static struct bin_attribute *lcrt_bin_attrs[] = {
	&bin_attr_record,
	&bin_attr_nvram,
	NULL,
};

static const struct attribute_group lcrt_group = {
	.attrs = lcrt_attrs,
	.bin_attrs = lcrt_bin_attrs,
};

/**
 * lcrt_iface_register() - give user space the store's files
 *
 * Once, when the store holds a region: at the subsystem initcall for an
 * NVRAM region, or when a medium is attached later.
 *
 * Context: process, after sysfs has /sys/kernel.
 * Return: 0, or -errno when the sysfs files could not be made.
 */
int lcrt_iface_register(void)
{
	static DEFINE_MUTEX(lock);
	static bool done;
	struct kobject *kobj;
	int ret = 0;

	mutex_lock(&lock);
	if (done || !lcrt_store())
		goto out;
	done = true;
	if (!proc_create_single("lcrt", 0400, NULL, lcrt_proc_show))
		pr_warn("cannot create /proc/lcrt\n");
	bin_attr_nvram.size = lcrt_store()->size;
	kobj = kobject_create_and_add("lcrt", kernel_kobj);
	if (!kobj) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sysfs_create_group(kobj, &lcrt_group);
	if (ret)
		kobject_put(kobj);
out:
	mutex_unlock(&lock);
	return ret;
}

static int __init lcrt_iface_init(void)
{
	return lcrt_iface_register();
}

/* After sysfs has /sys/kernel (core_initcall), before drivers probe. */
subsys_initcall(lcrt_iface_init);
