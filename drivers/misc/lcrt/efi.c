// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the records in UEFI variables.
 *
 * Where no NVRAM region and no flash partition keep the records, a machine
 * with UEFI runtime services keeps them in variables of LCRT's vendor GUID
 * (include/uapi/linux/lcrt.h): "LcrtRegion" holds the region's header
 * copies and "LcrtSlotN" the bytes that slot N uses. The region of region.c
 * lives in memory as their image, with the rules of memory (a firmware
 * rewrites a variable in place), and every range that region.c syncs brings
 * the variable it lies in up to date (lcrt_efi_sync()):
 *
 *  - in die() and panic(): at once, with efivar_trylock() and the
 *    non-blocking SetVariable() (the path of efi-pstore, which writes
 *    there too), the region header first: a kdump kernel that die() starts
 *    before any panic notifier finds the oops written;
 *  - otherwise (process context: a clear, the boot's header): the variable
 *    is marked, and a work writes it with the blocking calls, from a copy
 *    taken under the region's lock. A lazy irq_work queues the work.
 *
 * A firmware writes a variable whole or not at all: a cut leaves the one it
 * was writing as it was. A slot is written once its pending mark is whole
 * (torn, with its seq: only the record header), when its record (and its
 * follow-up) is committed, and deleted when it is erased: two writes for a
 * crash's record, one more for a follow-up.
 *
 * Firmware reclaims the space of deleted and replaced variables only at a
 * boot, so every write of this boot takes new space: the variables are
 * taken only when the store has room for the writes of a crash beyond what
 * the kernel keeps free (efivar_reserved_space()).
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/efi.h>
#include <linux/err.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

#include "lcrt.h"

#define LCRT_EFI_HDR		LCRT_EFI_SLOTS_MAX	/* the header's bit */
#define LCRT_EFI_VARS		(LCRT_EFI_SLOTS_MAX + 1)
#define LCRT_EFI_NAME_LEN	16	/* "LcrtRegion", "LcrtSlot7", NUL */
/* What a variable takes on the store besides its data (edk2: 60 + name). */
#define LCRT_EFI_OVERHEAD	96
/* The writes of one crash: a pending mark, a record, a follow-up. */
#define LCRT_EFI_CRASH_WRITES	3

static unsigned int efi_slots = 4;
module_param_named(efi_slots, efi_slots, uint, 0400);
MODULE_PARM_DESC(efi_slots,
		 "records kept in UEFI variables, 1-8 (no NVRAM region)");

static bool efi_vars = true;
module_param_named(efi, efi_vars, bool, 0400);
MODULE_PARM_DESC(efi, "keep the records in UEFI variables (no NVRAM region)");

static struct lcrt_efi {
	u8 *image;		/* the region: header, then the slots */
	size_t size;
	size_t slot_size;
	unsigned int nslots;
	efi_char16_t names[LCRT_EFI_VARS][LCRT_EFI_NAME_LEN];
	DECLARE_BITMAP(dirty, LCRT_EFI_VARS);	/* to write */
	DECLARE_BITMAP(busy, LCRT_EFI_VARS);	/* the work is writing them */
	atomic_t failed;	/* writes the firmware refused */
	unsigned long status;	/* the last refusal's efi_status_t */
	struct irq_work irq_work;
	struct delayed_work work;
} lcrt_efi;

static efi_guid_t lcrt_efi_guid;	/* LCRT_EFI_GUID */

/* In die() (oops_in_progress) or panic(), where nothing may sleep. */
static bool lcrt_efi_crashing(void)
{
	return oops_in_progress || lcrt_panicking();
}

NOKPROBE_SYMBOL(lcrt_efi_crashing);

/* The variables in the order they are written: the header first. */
static unsigned int lcrt_efi_var(unsigned int i)
{
	return (i + LCRT_EFI_HDR) % LCRT_EFI_VARS;
}

NOKPROBE_SYMBOL(lcrt_efi_var);

/*
 * The bytes of variable @v in the region's image: *@off, and the length
 * in use (0: the variable is deleted). A slot's record and its follow-up,
 * a pending mark's header alone; the header variable is both copies.
 */
static size_t lcrt_efi_extent(const struct lcrt_region *r, unsigned int v,
			      size_t *off)
{
	const struct lcrt_record_header *h, *f;
	size_t len;
	u64 seq;
	int err;

	if (v == LCRT_EFI_HDR) {
		*off = 0;
		return LCRT_REGION_SLOTS;
	}
	*off = LCRT_REGION_SLOTS + (size_t)v * r->slot_size;
	h = lcrt_region_slot_ptr(r, v);
	switch (lcrt_region_state(r, v, false, &seq, &err)) {
	case LCRT_SLOT_EMPTY:
		return 0;
	case LCRT_SLOT_TORN:
		return sizeof(*h);
	case LCRT_SLOT_VALID:
		break;
	default:
		return r->slot_size;
	}
	len = min_t(size_t, le32_to_cpu(h->total_size), r->slot_size);
	f = lcrt_region_followup(r, v);
	if (!IS_ERR_OR_NULL(f))
		len = ALIGN(len, 8) + le32_to_cpu(f->total_size);
	return min(len, r->slot_size);
}

NOKPROBE_SYMBOL(lcrt_efi_extent);

/*
 * Set variable @v to @len bytes of @data (0: delete it); @nonblocking in
 * die() and panic().
 */
static bool lcrt_efi_set(struct lcrt_efi *m, unsigned int v, const void *data,
			 size_t len, bool nonblocking)
{
	efi_status_t st;
	bool cut = false;

	if (nonblocking) {
		/* Tests: a power cut before this write, or after it. */
		if (!lcrt_test_cut(1, &cut))
			lcrt_test_stop();
		/*
		 * x86 takes the FPU for the firmware: from an NMI (a double
		 * fault's stack overflow, a lockup) only once this CPU
		 * panics and the others are stopped, as efi-pstore does.
		 */
		if ((in_nmi() && !lcrt_panicking()) || efivar_trylock()) {
			atomic_inc(&m->failed);
			return false;
		}
	} else if (efivar_lock()) {
		atomic_inc(&m->failed);
		return false;
	}
	st = efivar_set_variable_locked(m->names[v], &lcrt_efi_guid,
					LCRT_EFI_ATTRIBUTES, len, (void *)data,
					nonblocking);
	efivar_unlock();
	if (cut)
		lcrt_test_stop();
	if (st != EFI_SUCCESS && !(st == EFI_NOT_FOUND && !len)) {
		m->status = st;
		atomic_inc(&m->failed);
		return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_efi_set);

/*
 * In die() or panic(), by the region's owner: every variable still to
 * write, and those a work was writing when it was stopped. One that the
 * firmware refused stays marked for the next flush.
 */
static void lcrt_efi_flush(struct lcrt_region *r)
{
	struct lcrt_efi *m = &lcrt_efi;
	unsigned int i, v;
	size_t off, len;

	if (!lcrt_efi_crashing())
		return;
	for (i = 0; i < LCRT_EFI_VARS; i++) {
		v = lcrt_efi_var(i);
		if (!test_and_clear_bit(v, m->dirty) && !test_bit(v, m->busy))
			continue;
		len = lcrt_efi_extent(r, v, &off);
		if (!lcrt_efi_set(m, v, r->mem + off, len, true))
			set_bit(v, m->dirty);
	}
}

NOKPROBE_SYMBOL(lcrt_efi_flush);

/*
 * Does the sync of @len bytes at @off, in slot @v, end a step that the
 * slot's variable keeps: a pending mark whole (region.c syncs exactly its
 * header), a commit (the word synced is LCRT_MAGIC: a record's or its
 * follow-up's), an erase. The body between a mark and its commit is not
 * written on its own: the commit writes the variable whole.
 */
static bool lcrt_efi_step(const struct lcrt_region *r, unsigned int v,
			  size_t off, size_t len)
{
	size_t start = LCRT_REGION_SLOTS + (size_t)v * r->slot_size;
	u32 word;

	if (!IS_ALIGNED(off, sizeof(u32)) || len < sizeof(u32))
		return false;
	word = le32_to_cpu(READ_ONCE(*(__le32 *)(r->mem + off)));
	if (word == LCRT_MAGIC)
		return true;
	if (off != start)
		return false;
	return !word || (word == LCRT_MAGIC_PENDING &&
			 len == sizeof(struct lcrt_record_header));
}

NOKPROBE_SYMBOL(lcrt_efi_step);

static void lcrt_efi_sync(struct lcrt_region *r, size_t off, size_t len)
{
	struct lcrt_efi *m = &lcrt_efi;
	unsigned int v;

	if (off < LCRT_REGION_SLOTS) {
		v = LCRT_EFI_HDR;
	} else {
		v = (off - LCRT_REGION_SLOTS) / r->slot_size;
		if (v >= min(m->nslots, r->nslots) ||
		    !lcrt_efi_step(r, v, off, len))
			return;
	}
	set_bit(v, m->dirty);
	if (lcrt_efi_crashing())
		lcrt_efi_flush(r);
	else
		irq_work_queue(&m->irq_work);
}

NOKPROBE_SYMBOL(lcrt_efi_sync);

static const struct lcrt_medium lcrt_efi_medium = {
	.name = "efi",
	.kind = LCRT_MEDIUM_EFI,
	.sync = lcrt_efi_sync,
	.flush = lcrt_efi_flush,
};

/*
 * Process context: each variable marked, from a copy taken under the
 * region's lock; marked busy until it is written, for a panic that stops
 * this CPU meanwhile to write it again.
 */
static void lcrt_efi_work(struct work_struct *work)
{
	struct lcrt_efi *m = container_of(work, struct lcrt_efi, work.work);
	struct lcrt_region *r = lcrt_store();
	unsigned int i, v;
	size_t off, len;
	u8 *buf;

	if (!r)
		return;
	buf = kmalloc(max_t(size_t, r->slot_size, LCRT_REGION_SLOTS),
		      GFP_KERNEL);
	if (!buf) {
		queue_delayed_work(system_long_wq, &m->work, HZ);
		return;
	}
	for (i = 0; i < LCRT_EFI_VARS; i++) {
		v = lcrt_efi_var(i);
		if (!test_bit(v, m->dirty))
			continue;
		if (!lcrt_store_user_lock()) {
			/* A capture holds it: again a little later. */
			queue_delayed_work(system_long_wq, &m->work, HZ / 10);
			break;
		}
		clear_bit(v, m->dirty);
		set_bit(v, m->busy);
		len = lcrt_efi_extent(r, v, &off);
		memcpy(buf, r->mem + off, len);
		lcrt_store_user_unlock();
		if (!lcrt_efi_set(m, v, buf, len, false))
			pr_warn("UEFI variable %u: not written (status 0x%lx)\n",
				v, m->status);
		clear_bit(v, m->busy);
	}
	kfree(buf);
	if (atomic_xchg(&m->failed, 0))
		pr_warn("UEFI variables: writes failed since the last work (last status 0x%lx)\n",
			m->status);
}

static void lcrt_efi_irq_work(struct irq_work *iw)
{
	mod_delayed_work(system_long_wq, &lcrt_efi.work, 0);
}

/*
 * Read variable @v into @buf (@size bytes at most). Return: its length,
 * 0 when there is none (or it is not one of LCRT's: too long, other
 * attributes). Called with efivar_lock() held.
 */
static size_t lcrt_efi_get(struct lcrt_efi *m, unsigned int v, void *buf,
			   size_t size)
{
	unsigned long len = size;
	efi_status_t st;
	u32 attr;

	st = efivar_get_variable(m->names[v], &lcrt_efi_guid, &attr, &len, buf);
	if (st != EFI_SUCCESS || attr != LCRT_EFI_ATTRIBUTES) {
		if (st != EFI_NOT_FOUND)
			pr_warn("UEFI variable %u: not read (status 0x%lx, attributes 0x%x): left out\n",
				v, st, st == EFI_SUCCESS ? attr : 0);
		return 0;
	}
	return len;
}

/*
 * The geometry of the records in the variables: the header copy that
 * region.c takes (valid, the higher generation), else this boot's.
 */
static void lcrt_efi_geometry(struct lcrt_efi *m, const u8 *hdr, size_t len)
{
	const struct lcrt_region_header *h = lcrt_region_header_pick(hdr, len);
	size_t ss = h ? le32_to_cpu(h->slot_size) : 0;
	u32 n = h ? le32_to_cpu(h->nslots) : 0;

	m->slot_size = round_down(lcrt_store_budget(), 8);
	m->nslots = clamp_val(efi_slots, 1, LCRT_EFI_SLOTS_MAX);
	if (ss >= LCRT_MIN_RECORD_SIZE && ss <= LCRT_MAX_RECORD_SIZE &&
	    !(ss % 8) && n && n <= LCRT_EFI_SLOTS_MAX) {
		m->slot_size = ss;
		m->nslots = n;
	}
}

/*
 * Is there room for this boot's writes: a crash's, beyond what the kernel
 * keeps free, and each variable within the firmware's limit. Called with
 * efivar_lock() held.
 */
static bool lcrt_efi_room(struct lcrt_efi *m)
{
	u64 storage, remaining, max_var, need;
	efi_status_t st;

	st = efivar_query_variable_info(LCRT_EFI_ATTRIBUTES, &storage,
					&remaining, &max_var);
	if (st != EFI_SUCCESS) {
		pr_err("UEFI variables: the firmware tells no free space (status 0x%lx): not used\n",
		       st);
		return false;
	}
	if (m->slot_size + 2 * LCRT_EFI_NAME_LEN > max_var) {
		pr_err("UEFI variables: a slot of %zu bytes is over the firmware's %llu a variable: not used\n",
		       m->slot_size, max_var);
		return false;
	}
	need = efivar_reserved_space() + LCRT_REGION_SLOTS +
	       LCRT_EFI_CRASH_WRITES * m->slot_size +
	       (LCRT_EFI_CRASH_WRITES + 1) * LCRT_EFI_OVERHEAD;
	if (remaining < need) {
		pr_err("UEFI variables: the store is full (%llu bytes free of %llu, a crash needs %llu; the firmware frees deleted variables at a boot): not used\n",
		       remaining, storage, need);
		return false;
	}
	pr_info("UEFI variables: %llu bytes free of %llu\n", remaining,
		storage);
	return true;
}

/*
 * Read the variables into the image (a heap buffer each: the firmware
 * takes physical addresses). Called with efivar_lock() held.
 */
static int lcrt_efi_load(struct lcrt_efi *m)
{
	u8 *hdr = kzalloc(LCRT_REGION_SLOTS, GFP_KERNEL);
	size_t len;
	unsigned int i;

	if (!hdr)
		return -ENOMEM;
	len = lcrt_efi_get(m, LCRT_EFI_HDR, hdr, LCRT_REGION_SLOTS);
	lcrt_efi_geometry(m, hdr, len);
	if (!lcrt_efi_room(m)) {
		kfree(hdr);
		return -ENOSPC;
	}
	m->size = LCRT_REGION_SLOTS + m->nslots * m->slot_size;
	m->image = kzalloc(m->size, GFP_KERNEL);
	if (!m->image) {
		kfree(hdr);
		return -ENOMEM;
	}
	memcpy(m->image, hdr, len);
	kfree(hdr);
	for (i = 0; i < m->nslots; i++)
		lcrt_efi_get(m, i, m->image + LCRT_REGION_SLOTS +
			     i * m->slot_size, m->slot_size);
	return 0;
}

static void __init lcrt_efi_names(struct lcrt_efi *m)
{
	char buf[LCRT_EFI_NAME_LEN];
	unsigned int v, i;

	for (v = 0; v < LCRT_EFI_VARS; v++) {
		if (v == LCRT_EFI_HDR)
			strscpy(buf, LCRT_EFI_REGION_VAR, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), LCRT_EFI_SLOT_VAR "%u", v);
		for (i = 0; i < sizeof(buf) && buf[i]; i++)
			m->names[v][i] = buf[i];
		m->names[v][i] = 0;
	}
}

/*
 * After the efivars of drivers/firmware (a subsys initcall, linked after
 * drivers/misc) and after an NVRAM region or a flash partition had their
 * chance: one store at a time.
 */
static int __init lcrt_efi_init(void)
{
	struct lcrt_efi *m = &lcrt_efi;
	u64 t0 = local_clock();
	int ret;

	if (!efi_vars || !efivar_supports_writes())
		return 0;
	if (lcrt_store()) {
		pr_info("UEFI variables: not used, another medium keeps the records\n");
		return 0;
	}
	if (guid_parse(LCRT_EFI_GUID, &lcrt_efi_guid))
		return 0;
	INIT_DELAYED_WORK(&m->work, lcrt_efi_work);
	m->irq_work = IRQ_WORK_INIT_LAZY(lcrt_efi_irq_work);
	lcrt_efi_names(m);
	ret = efivar_lock();
	if (ret)
		return 0;
	ret = lcrt_efi_load(m);
	efivar_unlock();
	if (!ret)
		ret = lcrt_store_attach(m->image, m->size, m->slot_size,
					&lcrt_efi_medium, 0);
	if (ret) {
		if (ret != -ENOSPC || m->image)
			pr_err("UEFI variables: not used (%d)\n", ret);
		kfree(m->image);
		m->image = NULL;
		return 0;
	}
	pr_info("UEFI variables: %u slots of %zu bytes\n", m->nslots,
		m->slot_size);
	lcrt_armed(t0);
	lcrt_iface_register();
	return 0;
}
late_initcall(lcrt_efi_init);
