// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the records on NOR flash.
 *
 * An MTD partition named "lcrt" (a device-tree fixed-partitions label) or
 * lcrt.mtd=NAME keeps the records when no NVRAM region is armed. Its first
 * erase blocks (up to LCRT_MTD_BLOCKS_MAX) each start with a struct
 * lcrt_flash_block and hold a few slots (include/uapi/linux/lcrt.h). The
 * region of region.c lives in memory as the image of those slots, and each
 * of its writes reaches the flash in order through lcrt_mtd_program():
 *
 *  - at a panic, on the panicking CPU: at once, with mtd_panic_write(),
 *    after whatever an oops queued before;
 *  - from die() (an oops that may not panic) and from process context:
 *    queued, then written by a work with mtd_write(). A lazy irq_work
 *    queues the work at the next tick: die() may hold any lock, and a
 *    single-core GIC delivers no IPI to its own CPU (irq_work's raise);
 *  - erases only in the work, never at a panic: a block is erased ahead
 *    when none of its slots holds a record (after a clear, or when it was
 *    never formatted), and a record goes only into a slot read back erased
 *    (lcrt_mtd_ready()). With lcrt.ring=overwrite, the block of the oldest
 *    records is erased ahead when no erased slot is left.
 *
 * Only a chip driver with a panic write (AMD/Spansion CFI NOR, map_ram)
 * and a NOR or RAM device are taken: a NAND page is programmed once, and
 * the pending mark, the body and the commit word are three programs.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mtd/mtd.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "lcrt.h"

#define LCRT_MTD_BLOCKS_MAX	8	/* erase blocks LCRT uses */
#define LCRT_MTD_SPB_MAX	4	/* slots it uses in a block */
#define LCRT_MTD_SLOTS_MAX	(LCRT_MTD_BLOCKS_MAX * LCRT_MTD_SPB_MAX)
#define LCRT_MTD_QUEUE		64	/* writes queued outside a panic */

static char *mtd_name = "lcrt";
module_param_named(mtd, mtd_name, charp, 0400);
MODULE_PARM_DESC(mtd, "the MTD partition of the records (no NVRAM region)");

/* One write of region.c, as it reaches the flash. */
struct lcrt_mtd_step {
	u32 off;		/* in the region's image */
	u32 len;
	__le32 word;		/* a 4-byte write's value when it was put */
};

static struct lcrt_mtd {
	struct mtd_info *mtd;
	u8 *image;		/* the region: what the slots hold */
	size_t size;
	size_t slot_size;
	unsigned int spb;	/* slots in a block */
	unsigned int nblocks;
	u32 erases[LCRT_MTD_BLOCKS_MAX];
	DECLARE_BITMAP(formatted, LCRT_MTD_BLOCKS_MAX);
	DECLARE_BITMAP(bad, LCRT_MTD_BLOCKS_MAX);	/* erase failed */
	DECLARE_BITMAP(blank, LCRT_MTD_SLOTS_MAX);	/* erased on flash */
	struct lcrt_mtd_step q[LCRT_MTD_QUEUE];
	unsigned int head;	/* the region's owner puts */
	unsigned int tail;	/* the work, or the panicking CPU, writes */
	atomic_t overrun;	/* writes the queue had no room for */
	atomic_t failed;	/* writes the chip refused */
	struct irq_work irq_work;
	struct work_struct work;
} lcrt_mtd;

static void lcrt_mtd_irq_work(struct irq_work *iw);

/* Where byte @off of the region's image is in the partition. */
static loff_t lcrt_mtd_addr(const struct lcrt_mtd *m, size_t off)
{
	size_t i = (off - LCRT_REGION_SLOTS) / m->slot_size;
	size_t rem = (off - LCRT_REGION_SLOTS) % m->slot_size;

	return (loff_t)(i / m->spb) * m->mtd->erasesize +
	       LCRT_FLASH_BLOCK_HDR + (i % m->spb) * m->slot_size + rem;
}

NOKPROBE_SYMBOL(lcrt_mtd_addr);

static void lcrt_mtd_write(struct lcrt_mtd *m, const struct lcrt_mtd_step *s,
			   bool panic)
{
	const u8 *src = s->len == sizeof(u32) ? (const u8 *)&s->word :
			m->image + s->off;
	loff_t to = lcrt_mtd_addr(m, s->off);
	size_t len = s->len, done = 0;
	bool cut = false;
	int ret = 0;

	if (panic) {
		len = lcrt_test_cut(len, &cut);
		if (len)
			ret = mtd_panic_write(m->mtd, to, len, &done, src);
		if (cut)
			lcrt_test_stop();
	} else {
		ret = mtd_write(m->mtd, to, len, &done, src);
	}
	if (ret || done != len)
		atomic_inc(&m->failed);
}

NOKPROBE_SYMBOL(lcrt_mtd_write);

/*
 * After the queue overran: every slot that is not erased, written again
 * from the image (by the work, or at a panic). The image only ever clears
 * bits of what the flash holds, so programming it over the flash is safe.
 */
static void lcrt_mtd_resync(struct lcrt_mtd *m, bool panic)
{
	struct lcrt_mtd_step s = { .len = m->slot_size };
	unsigned int i;

	for (i = 0; i < m->nblocks * m->spb; i++) {
		if (!test_bit(i / m->spb, m->formatted) || test_bit(i, m->blank))
			continue;
		s.off = LCRT_REGION_SLOTS + i * m->slot_size;
		lcrt_mtd_write(m, &s, panic);
	}
}

/* Write what is queued, in order: the work, or the panicking CPU. */
static void lcrt_mtd_drain(struct lcrt_mtd *m, bool panic)
{
	unsigned int tail = READ_ONCE(m->tail);
	/* Pairs with the owner's release of head: the step is there. */
	unsigned int head = smp_load_acquire(&m->head);
	unsigned int n = 0;

	/*
	 * The panicking CPU may write again a step that a stopped work was
	 * writing: programming the same bytes twice changes nothing.
	 */
	for (; tail != head && n < LCRT_MTD_QUEUE; tail++, n++) {
		lcrt_mtd_write(m, &m->q[tail % LCRT_MTD_QUEUE], panic);
		/* The step is out before the owner may reuse its entry. */
		smp_store_release(&m->tail, tail + 1);
	}
}

NOKPROBE_SYMBOL(lcrt_mtd_drain);
NOKPROBE_SYMBOL(lcrt_mtd_resync);

/* At a panic, on the panicking CPU: what is queued, or every slot. */
static void lcrt_mtd_flush(struct lcrt_region *r)
{
	struct lcrt_mtd *m = &lcrt_mtd;

	if (!lcrt_panicking())
		return;
	lcrt_mtd_drain(m, true);
	if (atomic_xchg(&m->overrun, 0))
		lcrt_mtd_resync(m, true);
}

NOKPROBE_SYMBOL(lcrt_mtd_flush);

static void lcrt_mtd_program(struct lcrt_region *r, size_t off, size_t len)
{
	struct lcrt_mtd *m = &lcrt_mtd;
	struct lcrt_mtd_step s = { .off = off, .len = len };
	unsigned int head, tail;

	/* The region header lives in memory: the blocks keep the floor. */
	if (off < LCRT_REGION_SLOTS)
		return;
	/* A slot programmed is no longer erased: no capture takes it again. */
	clear_bit((off - LCRT_REGION_SLOTS) / m->slot_size, m->blank);
	if (len == sizeof(u32))
		memcpy(&s.word, r->mem + off, sizeof(u32));
	if (lcrt_panicking()) {
		lcrt_mtd_flush(r);
		lcrt_mtd_write(m, &s, true);
		return;
	}
	head = m->head;
	/* Pairs with the drain's release of tail: the entry is free. */
	tail = smp_load_acquire(&m->tail);
	if (atomic_read(&m->overrun) || head - tail >= LCRT_MTD_QUEUE) {
		/* The work writes every slot again from the image. */
		atomic_inc(&m->overrun);
		irq_work_queue(&m->irq_work);
		return;
	}
	m->q[head % LCRT_MTD_QUEUE] = s;
	/* The step before the head that shows it to the drain. */
	smp_store_release(&m->head, head + 1);
	irq_work_queue(&m->irq_work);
}

NOKPROBE_SYMBOL(lcrt_mtd_program);

static bool lcrt_mtd_ready(const struct lcrt_region *r, unsigned int i)
{
	return i < LCRT_MTD_SLOTS_MAX && test_bit(i, lcrt_mtd.blank);
}

NOKPROBE_SYMBOL(lcrt_mtd_ready);

static void lcrt_mtd_cleared(struct lcrt_region *r)
{
	queue_work(system_long_wq, &lcrt_mtd.work);
}

static const struct lcrt_medium lcrt_mtd_medium = {
	.name = "mtd",
	.kind = LCRT_MEDIUM_FLASH,
	.and_only = true,
	.program = lcrt_mtd_program,
	.ready = lcrt_mtd_ready,
	.cleared = lcrt_mtd_cleared,
	.flush = lcrt_mtd_flush,
};

static bool lcrt_mtd_all_ff(const u8 *p, size_t len)
{
	return !memchr_inv(p, 0xff, len);
}

/*
 * Read the header of block @b (LCRT_FLASH_BLOCK_HDR bytes into @buf): is
 * it one of this partition's, of the geometry it says.
 */
static bool lcrt_mtd_hdr_read(struct mtd_info *mtd, unsigned int b, u8 *buf)
{
	const struct lcrt_flash_block *h = (const void *)buf;
	size_t hsize, done;
	int ret;

	ret = mtd_read(mtd, (loff_t)b * mtd->erasesize, LCRT_FLASH_BLOCK_HDR,
		       &done, buf);
	if ((ret && !mtd_is_bitflip(ret)) || done != LCRT_FLASH_BLOCK_HDR)
		return false;
	hsize = le16_to_cpu(h->header_size);
	return le32_to_cpu(h->magic) == LCRT_FLASH_MAGIC &&
	       LCRT_VERSION_MAJOR(le16_to_cpu(h->version)) ==
	       LCRT_VERSION_MAJOR(LCRT_FLASH_VERSION) &&
	       hsize >= sizeof(*h) && hsize <= LCRT_FLASH_BLOCK_HDR &&
	       ~crc32_le(~0, buf + LCRT_CRC_OFFSET, hsize - LCRT_CRC_OFFSET) ==
	       le32_to_cpu(h->crc32) &&
	       le32_to_cpu(h->block_size) == mtd->erasesize &&
	       le32_to_cpu(h->block) == b;
}

/* The slots of block @b, as region.c numbers them. */
static unsigned int lcrt_mtd_first(const struct lcrt_mtd *m, unsigned int b)
{
	return b * m->spb;
}

/* Does block @b hold no record, but something to erase. */
static bool lcrt_mtd_stale(struct lcrt_mtd *m, struct lcrt_region *r,
			   unsigned int b)
{
	unsigned int i, first = lcrt_mtd_first(m, b);
	bool blank = true;
	u64 seq;
	int err;

	if (test_bit(b, m->bad))
		return false;
	if (!test_bit(b, m->formatted))
		return true;
	for (i = first; i < first + m->spb; i++) {
		if (lcrt_region_state(r, i, false, &seq, &err) !=
		    LCRT_SLOT_EMPTY)
			return false;
		blank &= test_bit(i, m->blank);
	}
	return !blank;
}

/* The block whose newest record is the oldest, for lcrt.ring=overwrite. */
static int lcrt_mtd_oldest(struct lcrt_mtd *m, struct lcrt_region *r)
{
	unsigned int b, i;
	u64 best = U64_MAX, seq;
	int err, pick = -1;

	for (i = 0; i < r->nslots; i++)
		if (lcrt_mtd_ready(r, i))
			return -1;
	for (b = 0; b < m->nblocks; b++) {
		u64 hi = 0;

		if (test_bit(b, m->bad))
			continue;
		for (i = lcrt_mtd_first(m, b); i < lcrt_mtd_first(m, b) + m->spb;
		     i++)
			if (lcrt_region_state(r, i, false, &seq, &err) !=
			    LCRT_SLOT_EMPTY)
				hi = max(hi, seq);
		if (hi < best) {
			best = hi;
			pick = b;
		}
	}
	return pick;
}

/*
 * Erase block @b and format it, in process context. Its slots are taken
 * from the captures first (under the region's lock, so that none is being
 * written): unless @force, only if it still holds no record.
 */
static void lcrt_mtd_erase(struct lcrt_mtd *m, struct lcrt_region *r,
			   unsigned int b, bool force)
{
	unsigned int i, first = lcrt_mtd_first(m, b), dropped = 0;
	size_t used = LCRT_FLASH_BLOCK_HDR + m->spb * m->slot_size;
	struct erase_info ei = {
		.addr = (loff_t)b * m->mtd->erasesize,
		.len = m->mtd->erasesize,
	};
	struct lcrt_flash_block h = {
		.magic = cpu_to_le32(LCRT_FLASH_MAGIC),
		.version = cpu_to_le16(LCRT_FLASH_VERSION),
		.header_size = cpu_to_le16(sizeof(h)),
		.block_size = cpu_to_le32(m->mtd->erasesize),
		.block = cpu_to_le32(b),
		.nblocks = cpu_to_le32(m->nblocks),
		.slot_size = cpu_to_le32(m->slot_size),
		.nslots = cpu_to_le32(m->spb),
		.erase_count = cpu_to_le32(m->erases[b] + 1),
	};
	u8 *check = kmalloc(used, GFP_KERNEL);
	size_t done;
	u64 seq;
	int err, ret;

	if (!check || !lcrt_store_user_lock()) {
		kfree(check);
		return;
	}
	if (!force && !lcrt_mtd_stale(m, r, b)) {
		lcrt_store_user_unlock();
		kfree(check);
		return;
	}
	/*
	 * Its slots read empty and are not erased from now on: no capture
	 * takes one and no clear writes one; what was queued for them goes
	 * out before the erase, never after it.
	 */
	for (i = first; i < first + m->spb; i++) {
		if (lcrt_region_state(r, i, false, &seq, &err) ==
		    LCRT_SLOT_VALID)
			dropped++;
		clear_bit(i, m->blank);
	}
	memset(lcrt_region_slot_ptr(r, first), 0xff, m->spb * m->slot_size);
	clear_bit(b, m->formatted);
	r->dropped += dropped;
	h.next_seq = cpu_to_le64(r->next_seq);
	lcrt_store_user_unlock();
	lcrt_mtd_drain(m, false);

	ret = mtd_erase(m->mtd, &ei);
	if (!ret)
		ret = mtd_read(m->mtd, ei.addr, used, &done, check);
	if (!ret && (done != used || !lcrt_mtd_all_ff(check, used)))
		ret = -EIO;
	kfree(check);
	if (ret) {
		pr_err("block %u of %s: erase failed (%d): not used\n", b,
		       m->mtd->name, ret);
		set_bit(b, m->bad);
		return;
	}
	h.crc32 = cpu_to_le32(~crc32_le(~0, (const u8 *)&h + LCRT_CRC_OFFSET,
					sizeof(h) - LCRT_CRC_OFFSET));
	ret = mtd_write(m->mtd, ei.addr, sizeof(h), &done, (const u8 *)&h);
	if (ret || done != sizeof(h)) {
		pr_err("block %u of %s: header not written (%d): not used\n", b,
		       m->mtd->name, ret);
		set_bit(b, m->bad);
		return;
	}
	m->erases[b]++;
	if (!lcrt_store_user_lock()) {
		/* Erased and formatted again by a later work. */
		queue_work(system_long_wq, &m->work);
		return;
	}
	bitmap_set(m->blank, first, m->spb);
	set_bit(b, m->formatted);
	lcrt_store_user_unlock();
	if (dropped)
		pr_notice("block %u of %s erased: %u records overwritten (lcrt.ring=overwrite)\n",
			  b, m->mtd->name, dropped);
}

static void lcrt_mtd_work(struct work_struct *work)
{
	struct lcrt_mtd *m = container_of(work, struct lcrt_mtd, work);
	struct lcrt_region *r = lcrt_store();
	unsigned int b;
	int old, n;

	lcrt_mtd_drain(m, false);
	n = atomic_read(&m->overrun);
	if (n) {
		pr_warn("%s: the queue was full: every slot written again\n",
			m->mtd->name);
		lcrt_mtd_resync(m, false);
		/* Writes refused meanwhile: once more. */
		if (atomic_cmpxchg(&m->overrun, n, 0) != n)
			queue_work(system_long_wq, &m->work);
	}
	if (atomic_xchg(&m->failed, 0))
		pr_warn("%s: the chip refused writes\n", m->mtd->name);
	if (!r || lcrt_test_no_erase())
		return;
	for (b = 0; b < m->nblocks; b++)
		if (lcrt_mtd_stale(m, r, b))
			lcrt_mtd_erase(m, r, b, false);
	if (r->policy == LCRT_RING_OVERWRITE) {
		old = lcrt_mtd_oldest(m, r);
		if (old >= 0)
			lcrt_mtd_erase(m, r, old, true);
	}
}

/* From the tick after a die(): the work writes what it queued. */
static void lcrt_mtd_irq_work(struct irq_work *iw)
{
	queue_work(system_long_wq, &lcrt_mtd.work);
}

/*
 * The sequence number after a slot's record that a clear took back (its
 * first word programmed to 0, its header kept): numbers are never reused.
 */
static u64 lcrt_mtd_cleared_seq(const u8 *slot)
{
	const struct lcrt_record_header *h = (const void *)slot;
	u64 seq = le64_to_cpu(h->seq);

	if (h->magic || LCRT_VERSION_MAJOR(le16_to_cpu(h->version)) !=
	    LCRT_VERSION_MAJOR(LCRT_VERSION) ||
	    le16_to_cpu(h->header_size) != sizeof(*h) || seq >= U64_MAX / 2)
		return 0;
	return seq + 1;
}

/* Read the blocks' headers and slots into the image. */
static int lcrt_mtd_load(struct lcrt_mtd *m, u64 *floor)
{
	u8 buf[LCRT_FLASH_BLOCK_HDR];
	const struct lcrt_flash_block *h = (const void *)buf;
	unsigned int b, i;
	size_t done;
	int ret;

	*floor = 0;
	memset(m->image + LCRT_REGION_SLOTS, 0xff,
	       m->size - LCRT_REGION_SLOTS);
	for (b = 0; b < m->nblocks; b++) {
		loff_t at = (loff_t)b * m->mtd->erasesize;
		u8 *slot = m->image + LCRT_REGION_SLOTS +
			   lcrt_mtd_first(m, b) * m->slot_size;

		if (!lcrt_mtd_hdr_read(m->mtd, b, buf) ||
		    le32_to_cpu(h->slot_size) != m->slot_size ||
		    le32_to_cpu(h->nslots) != m->spb)
			continue;
		*floor = max(*floor, le64_to_cpu(h->next_seq));
		m->erases[b] = le32_to_cpu(h->erase_count);
		ret = mtd_read(m->mtd, at + LCRT_FLASH_BLOCK_HDR,
			       m->spb * m->slot_size, &done, slot);
		if ((ret && !mtd_is_bitflip(ret)) ||
		    done != m->spb * m->slot_size)
			return ret ?: -EIO;
		set_bit(b, m->formatted);
		for (i = 0; i < m->spb; i++) {
			u8 *p = slot + i * m->slot_size;

			if (lcrt_mtd_all_ff(p, m->slot_size))
				set_bit(lcrt_mtd_first(m, b) + i, m->blank);
			*floor = max(*floor, lcrt_mtd_cleared_seq(p));
		}
	}
	return 0;
}

/*
 * The slot size of the records on the partition, else this boot's budget
 * (lcrt.record_size): a partition keeps its slot size until it is erased.
 */
static size_t lcrt_mtd_slot_size(struct mtd_info *mtd)
{
	u8 buf[LCRT_FLASH_BLOCK_HDR];
	const struct lcrt_flash_block *h = (const void *)buf;
	unsigned int b, n = div_u64(mtd->size, mtd->erasesize);
	size_t size;

	for (b = 0; b < LCRT_MTD_BLOCKS_MAX && b < n; b++) {
		if (!lcrt_mtd_hdr_read(mtd, b, buf))
			continue;
		size = le32_to_cpu(h->slot_size);
		if (size >= LCRT_MIN_RECORD_SIZE &&
		    size <= LCRT_MAX_RECORD_SIZE && !(size % 8))
			return size;
	}
	return round_down(lcrt_store_budget(), 8);
}

static const char *lcrt_mtd_unfit(struct mtd_info *mtd)
{
	if (mtd->type != MTD_NORFLASH && mtd->type != MTD_RAM)
		return "not NOR flash nor RAM (a NAND page is programmed once)";
	if (mtd->writesize != 1)
		return "programmed in units of several bytes, once each";
	if (mtd->numeraseregions > 1)
		return "erase blocks of several sizes";
	if (!(mtd->flags & MTD_WRITEABLE))
		return "read-only";
	if (!mtd_get_master(mtd)->_panic_write)
		return "its chip driver cannot write at a panic";
	if (mtd->erasesize < LCRT_FLASH_BLOCK_HDR + LCRT_MIN_RECORD_SIZE)
		return "erase blocks too small";
	if (div_u64(mtd->size, mtd->erasesize) < 2)
		return "fewer than two erase blocks (one is erased while the other keeps)";
	return NULL;
}

static void lcrt_mtd_attach(struct mtd_info *mtd)
{
	struct lcrt_mtd *m = &lcrt_mtd;
	u64 t0 = local_clock(), floor;
	const char *why;
	int ret;

	if (lcrt_store()) {
		pr_info("%s: not used, another medium keeps the records\n",
			mtd->name);
		return;
	}
	why = lcrt_mtd_unfit(mtd);
	if (why) {
		pr_err("%s: %s: not used\n", mtd->name, why);
		return;
	}
	m->slot_size = lcrt_mtd_slot_size(mtd);
	if (mtd->erasesize < LCRT_FLASH_BLOCK_HDR + m->slot_size) {
		pr_err("%s: an erase block holds no slot of %zu bytes: not used\n",
		       mtd->name, m->slot_size);
		return;
	}
	if (__get_mtd_device(mtd)) {
		pr_err("%s: cannot be held: not used\n", mtd->name);
		return;
	}
	m->mtd = mtd;
	m->spb = min_t(size_t, (mtd->erasesize - LCRT_FLASH_BLOCK_HDR) /
			       m->slot_size, LCRT_MTD_SPB_MAX);
	m->nblocks = min_t(u64, div_u64(mtd->size, mtd->erasesize),
			   LCRT_MTD_BLOCKS_MAX);
	m->size = LCRT_REGION_SLOTS + m->nblocks * m->spb * m->slot_size;
	m->image = kvzalloc(m->size, GFP_KERNEL);
	ret = m->image ? lcrt_mtd_load(m, &floor) : -ENOMEM;
	if (!ret)
		ret = lcrt_store_attach(m->image, m->size, m->slot_size,
					&lcrt_mtd_medium, floor);
	if (ret) {
		pr_err("%s: not used (%d)\n", mtd->name, ret);
		kvfree(m->image);
		m->image = NULL;
		m->mtd = NULL;
		__put_mtd_device(mtd);
		return;
	}
	pr_info("MTD %s: %u blocks of %u KiB, %u slots of %zu bytes each\n",
		mtd->name, m->nblocks, mtd->erasesize / SZ_1K, m->spb,
		m->slot_size);
	lcrt_armed(t0);
	lcrt_iface_register();
	/* Erase ahead what holds no record, before the first crash. */
	queue_work(system_long_wq, &m->work);
}

static void lcrt_mtd_add(struct mtd_info *mtd)
{
	if (!lcrt_mtd.mtd && !strcmp(mtd->name, mtd_name))
		lcrt_mtd_attach(mtd);
}

/* It holds a reference: the partition goes only with its device. */
static void lcrt_mtd_remove(struct mtd_info *mtd)
{
}

static struct mtd_notifier lcrt_mtd_notifier = {
	.add = lcrt_mtd_add,
	.remove = lcrt_mtd_remove,
};

/* Before the MTD drivers probe (device initcalls). */
static int __init lcrt_mtd_init(void)
{
	INIT_WORK(&lcrt_mtd.work, lcrt_mtd_work);
	lcrt_mtd.irq_work = IRQ_WORK_INIT_LAZY(lcrt_mtd_irq_work);
	register_mtd_user(&lcrt_mtd_notifier);
	return 0;
}
subsys_initcall(lcrt_mtd_init);
