// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: where the region is, and its use.
 *
 * The region is found on the command line (lcrt.nvram=SIZE@ADDR), in a
 * device-tree reserved-memory node compatible with "linux,lcrt", or in the
 * Kconfig defaults, in that order, and is checked before anything is
 * written to it (lcrt_region_check()). Its format is region.c's; one
 * writer at a time is owner.c's.
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
#include <linux/initrd.h>
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
#include <asm/sections.h>

#include "lcrt.h"

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
static bool lcrt_cmdline_bad;	/* lcrt.nvram= was given and refused */
static bool lcrt_early;		/* armed before initcalls */
static bool lcrt_early_fixmap;	/* ... with early_memremap() */
static struct lcrt_region lcrt_nvram;
static unsigned long lcrt_user_flags;	/* of the one user holder */
static struct lcrt_owner lcrt_owner = {
	.owner = ATOMIC_INIT(LCRT_NO_OWNER),
};

static void __init lcrt_arm_early(bool final);

/**
 * lcrt_region_check() - can a region hold records
 * @base: its physical address
 * @size: its bytes
 * @why: set to what is wrong with it
 *
 * The region must be 8-byte aligned, as the format's words are; hold the
 * two header copies and one record of the smallest budget; and end below
 * what this kernel's phys_addr_t and size_t hold (a 32-bit arm kernel
 * without LPAE reaches 4 GiB). Pages need not be whole: memblock frees no
 * page that a reservation covers in part.
 *
 * Return: 0, or -EINVAL with @why set.
 */
int lcrt_region_check(u64 base, u64 size, const char **why)
{
	if (size < LCRT_REGION_SLOTS + LCRT_MIN_RECORD_SIZE)
		*why = "too small for the region header and one record";
	else if (!IS_ALIGNED(base, 8) || !IS_ALIGNED(size, 8))
		*why = "not 8-byte aligned";
	else if (size - 1 > U64_MAX - base)
		*why = "ends past the end of the address space";
	else if (base + (size - 1) > (u64)PHYS_ADDR_MAX || size > SIZE_MAX)
		*why = "beyond the physical addresses this kernel reaches";
	else
		return 0;
	return -EINVAL;
}

/**
 * lcrt_fixed_region_check() - can a region that nothing reserves hold records
 * @base: its physical address
 * @size: its bytes
 * @why: set to what is wrong with it
 *
 * A region named only by CONFIG_LCRT_NVRAM_BASE/SIZE is reserved by no one:
 * it must pass lcrt_region_check() and lie wholly outside System RAM, which
 * the page allocator would hand out (device memory, an SRAM, a carve-out
 * the firmware keeps from the kernel).
 *
 * Context: process context, after the resource tree is built.
 * Return: 0, or -EINVAL with @why set.
 */
int lcrt_fixed_region_check(u64 base, u64 size, const char **why)
{
	if (lcrt_region_check(base, size, why))
		return -EINVAL;
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		*why = "is system RAM that the page allocator may hand out";
		return -EINVAL;
	}
	return 0;
}

/*
 * What [@base, @base + @size) would write over at boot, or NULL: the
 * kernel's image, the initrd, or what the boot reserved before the early
 * parameters (the device tree itself on arm and arm64; the kernel, the
 * initrd, boot data and the legacy area below 1 MiB on x86). Early, so
 * that nothing is written there before the kernel reserves its own (arm64
 * and arm reserve the image and the initrd after the early parameters).
 * The device tree's own reservations (/memreserve/, reserved-memory) are
 * made later: a region there belongs in reserved-memory itself.
 */
static const char *__init lcrt_region_taken(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t last = base + (size - 1);

	if (base <= __pa_symbol(_end) - 1 && last >= __pa_symbol(_text))
		return "overlaps the kernel's image";
#ifdef CONFIG_BLK_DEV_INITRD
	if (phys_initrd_size &&
	    base <= phys_initrd_start + (phys_initrd_size - 1) &&
	    last >= phys_initrd_start)
		return "overlaps the initrd";
#endif
	if (memblock_is_region_reserved(base, size))
		return "overlaps memory the boot reserved already";
	return NULL;
}

/*
 * lcrt.nvram=SIZE@ADDR is an early parameter so that the region can be
 * reserved from the page allocator before memblock hands memory out.
 */
static int __init lcrt_parse_nvram(char *arg)
{
	unsigned long long size = 0, base = 0;
	const char *why = NULL;
	char *p = arg;

	if (lcrt_from_cmdline || lcrt_cmdline_bad) {
		pr_err("lcrt.nvram=%s: the region is given already\n", arg ?: "");
		return 0;
	}
	/* A bad region on the command line arms nothing, not a fallback. */
	lcrt_cmdline_bad = true;
	if (arg)
		size = memparse(p, &p);
	if (arg && *p == '@' && size)
		base = memparse(p + 1, &p);
	if (!arg || !size || *p)
		why = "expected SIZE@ADDR";
	else if (!lcrt_region_check(base, size, &why))
		why = lcrt_region_taken(base, size);
	/* The reason is said here: 0 keeps "Malformed early option" out. */
	if (why) {
		pr_err("lcrt.nvram=%s: %s: not armed\n", arg ?: "", why);
		return 0;
	}
	lcrt_cmdline_bad = false;
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

/*
 * The region: the command line's, else the first available "linux,lcrt"
 * node's (a disabled node reserves nothing), else the Kconfig default,
 * which nothing reserved from the page allocator: it is used only where it
 * is not system RAM. -ENODEV: no region is configured.
 */
static int __init lcrt_find_region(void)
{
	struct device_node *np;
	struct resource res;
	const char *why = NULL;
	int ret;

	if (lcrt_cmdline_bad)
		return -EINVAL;
	if (lcrt_from_cmdline)
		return 0;
	for_each_compatible_node(np, NULL, "linux,lcrt")
		if (of_device_is_available(np))
			break;
	if (np) {
		ret = of_address_to_resource(np, 0, &res);
		if (ret)
			pr_err("%pOF: no usable reg\n", np);
		else if (lcrt_region_check(res.start, resource_size(&res), &why))
			pr_err("%pOF: %s: not armed\n", np, why);
		of_node_put(np);
		if (ret || why)
			return -EINVAL;
		lcrt_base = res.start;
		lcrt_size = resource_size(&res);
		return 0;
	}
	if (!CONFIG_LCRT_NVRAM_SIZE)
		return -ENODEV;
	if (lcrt_fixed_region_check(CONFIG_LCRT_NVRAM_BASE,
				    CONFIG_LCRT_NVRAM_SIZE, &why)) {
		pr_err("the Kconfig region %#llx+%#llx %s: not armed (name a reserved region with lcrt.nvram= or a \"linux,lcrt\" reserved-memory node)\n",
		       (u64)CONFIG_LCRT_NVRAM_BASE, (u64)CONFIG_LCRT_NVRAM_SIZE,
		       why);
		return -EINVAL;
	}
	lcrt_base = CONFIG_LCRT_NVRAM_BASE;
	lcrt_size = CONFIG_LCRT_NVRAM_SIZE;
	return 0;
}

/*
 * Map the region as ramoops does: RAM pages (reserved from memblock) with
 * vmap() and the chosen page protection, anything else with memremap().
 */
static void *__init lcrt_map(phys_addr_t base, size_t size, bool wb,
			    bool *vmapped)
{
	phys_addr_t start = round_down(base, PAGE_SIZE);
	unsigned int i, n = DIV_ROUND_UP(base + size - start, PAGE_SIZE);
	struct page **pages;
	void *va;

	*vmapped = false;
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
	*vmapped = va;
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

/* Undo lcrt_map(): vmap()ed RAM pages, or a memremap() (also in vmalloc). */
static void __init lcrt_unmap(void *va, bool vmapped)
{
	if (vmapped)
		vunmap((void *)round_down((unsigned long)va, PAGE_SIZE));
	else
		memunmap(va);
}

static struct resource lcrt_resource = {
	.name = "LCRT NVRAM",
	.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
};

/**
 * lcrt_store_budget() - the record budget this boot asks for
 *
 * Return: lcrt.record_size, within the format's bounds.
 */
size_t lcrt_store_budget(void)
{
	return clamp_t(size_t, record_size, LCRT_MIN_RECORD_SIZE,
		       LCRT_MAX_RECORD_SIZE);
}

/**
 * lcrt_store_policy() - what a full region gives up
 *
 * Return: LCRT_RING_* of lcrt.ring.
 */
u8 lcrt_store_policy(void)
{
	if (!sysfs_streq(ring, "keep") && !sysfs_streq(ring, "overwrite"))
		pr_warn_once("lcrt.ring=%s: expected keep or overwrite; keeping\n",
			     ring);
	return sysfs_streq(ring, "overwrite") ? LCRT_RING_OVERWRITE :
	       LCRT_RING_KEEP;
}

int __init lcrt_store_init(void)
{
	struct lcrt_region *r = &lcrt_nvram;
	struct lcrt_slot_info info;
	void *mem, *old;
	size_t budget;
	bool wb, vmapped;
	u8 policy;
	int ret;

	ret = lcrt_find_region();
	if (ret == -ENODEV)
		pr_debug("no NVRAM region configured, not armed\n");
	if (ret)
		return ret;
	policy = lcrt_store_policy();
	if (!sysfs_streq(mapping, "wc") && !sysfs_streq(mapping, "wb"))
		pr_warn("lcrt.mapping=%s: expected wc or wb; using wc\n", mapping);
	wb = sysfs_streq(mapping, "wb");
	if (wb && !IS_ENABLED(CONFIG_LCRT_ARCH_REGS)) {
		pr_warn("no cache cleaning on this architecture: using wc\n");
		wb = false;
	}
	mem = lcrt_map(lcrt_base, lcrt_size, wb, &vmapped);
	budget = lcrt_store_budget();
	/*
	 * Armed early: swap the early mapping for this one between captures,
	 * and take the region again with this boot's parameters.
	 */
	old = lcrt_early ? r->mem : NULL;
	if (lcrt_early && !lcrt_store_user_lock()) {
		if (mem)
			lcrt_unmap(mem, vmapped);
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
		lcrt_unmap(mem, vmapped);
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

/**
 * lcrt_store_attach() - keep the records on a medium that is not memory
 * @mem: the region's image in memory, as the medium holds it
 * @size: its bytes
 * @slot_size: the slot size of the records on the medium
 * @m: the medium (mtd.c)
 * @seq_floor: no record takes a lower sequence number
 *
 * Only when no NVRAM region is armed: one store at a time.
 *
 * Context: process, before the medium's first capture.
 * Return: 0; -EBUSY when a region is armed or a capture holds it,
 * -ENOSPC when not one slot fits.
 */
int lcrt_store_attach(void *mem, size_t size, size_t slot_size,
		      const struct lcrt_medium *m, u64 seq_floor)
{
	struct lcrt_region *r = &lcrt_nvram;
	int ret;

	if (READ_ONCE(r->mem) || !lcrt_store_user_lock())
		return -EBUSY;
	memset(r, 0, sizeof(*r));
	r->medium = m;
	r->seq_floor = seq_floor;
	r->mem = mem;
	ret = lcrt_region_init(r, size, slot_size, lcrt_store_policy(), true);
	if (ret)
		r->mem = NULL;
	lcrt_store_user_unlock();
	return ret;
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
 * lcrt_store_beat() - a capture says it is still at work
 */
void lcrt_store_beat(void)
{
	lcrt_owner_beat(&lcrt_owner);
}

NOKPROBE_SYMBOL(lcrt_store_beat);

/**
 * lcrt_store_held() - does this CPU's capture still own the region
 *
 * Return: false when a panic on another CPU took it over.
 */
bool lcrt_store_held(void)
{
	return lcrt_owner_held(&lcrt_owner, raw_smp_processor_id());
}

NOKPROBE_SYMBOL(lcrt_store_held);

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
