// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: what tells this boot from others.
 *
 * The boot id is the random UUID of /proc/sys/kernel/random/boot_id, which
 * the journal keeps as _BOOT_ID: a record that carries it is matched with
 * the logs of the boot that crashed. The kernel keeps it in no header
 * (drivers/char/random.c makes it on its first read), so LCRT reads it
 * once, late in boot, through a private mount of proc, the way the
 * kernel's own sysctl.* boot parameters are written (fs/proc/proc_sysctl.c).
 * The first read makes the id, so LCRT reads it from a worker once the
 * random pool is ready, so as not to lower its quality on a board that has
 * no hardware RNG. A crash before then is recorded without it.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kprobes.h>
#include <linux/mount.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

#include "lcrt.h"

static u8 lcrt_boot_uuid[LCRT_BOOT_ID_SIZE];
static bool lcrt_boot_known;

/**
 * lcrt_boot_id() - this boot's id
 *
 * Context: any, including panic and NMI.
 * Return: its LCRT_BOOT_ID_SIZE bytes, in the order the text form shows
 * them, or NULL before LCRT has read it.
 */
const u8 *lcrt_boot_id(void)
{
	/* Pairs with the release in lcrt_boot_read(): the bytes are whole. */
	return smp_load_acquire(&lcrt_boot_known) ? lcrt_boot_uuid : NULL;
}

NOKPROBE_SYMBOL(lcrt_boot_id);

/**
 * lcrt_boot_id_parse() - a boot id from its text form
 * @text: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as proc shows it (a
 *	newline or anything else may follow)
 * @id: set to its LCRT_BOOT_ID_SIZE bytes
 *
 * Context: any.
 * Return: 0, or -EINVAL when @text is no UUID.
 */
int lcrt_boot_id_parse(const char *text, u8 *id)
{
	uuid_t u;

	if (uuid_parse(text, &u))
		return -EINVAL;
	memcpy(id, u.b, LCRT_BOOT_ID_SIZE);
	return 0;
}

static void lcrt_boot_read(struct work_struct *work)
{
	struct file_system_type *proc;
	char text[UUID_STRING_LEN + 2] = "";
	struct vfsmount *mnt;
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	if (wait_for_random_bytes())
		return;
	proc = get_fs_type("proc");
	if (!proc) {
		pr_info("no boot id: no proc file system\n");
		return;
	}
	mnt = kern_mount(proc);
	put_filesystem(proc);
	if (IS_ERR(mnt)) {
		pr_info("no boot id: proc not mounted (%pe)\n", mnt);
		return;
	}
	file = file_open_root_mnt(mnt, "sys/kernel/random/boot_id", O_RDONLY, 0);
	if (IS_ERR(file)) {
		n = PTR_ERR(file);
	} else {
		n = kernel_read(file, text, sizeof(text) - 1, &pos);
		fput(file);
	}
	kern_unmount(mnt);
	if (n < 0) {
		pr_info("no boot id: %pe\n", ERR_PTR(n));
		return;
	}
	if (lcrt_boot_id_parse(text, lcrt_boot_uuid)) {
		pr_info("no boot id: not a UUID\n");
		return;
	}
	/* A crash on another CPU sees all the bytes or none. */
	smp_store_release(&lcrt_boot_known, true);
}

static DECLARE_WORK(lcrt_boot_work, lcrt_boot_read);

/*
 * Whether or not a store holds a region yet: a medium may be attached
 * later (a flash partition whose driver probes after the late initcalls).
 */
static int __init lcrt_boot_init(void)
{
	if (IS_ENABLED(CONFIG_PROC_SYSCTL))
		queue_work(system_unbound_wq, &lcrt_boot_work);
	return 0;
}

late_initcall(lcrt_boot_init);
