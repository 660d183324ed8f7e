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
 * A crash before then is recorded without it.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kprobes.h>
#include <linux/mount.h>
#include <linux/string.h>
#include <linux/uuid.h>

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
	/* Pairs with the release in lcrt_boot_init(): the bytes are whole. */
	return smp_load_acquire(&lcrt_boot_known) ? lcrt_boot_uuid : NULL;
}

NOKPROBE_SYMBOL(lcrt_boot_id);

/**
 * lcrt_boot_id_parse() - a boot id from its text form
 * @text: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as proc shows it (a
 *	newline or anything else may follow)
 * @id: set to its LCRT_BOOT_ID_SIZE bytes
 *
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

static int __init lcrt_boot_init(void)
{
	struct file_system_type *proc;
	char text[UUID_STRING_LEN + 2] = "";
	struct vfsmount *mnt;
	struct file *file;
	loff_t pos = 0;
	ssize_t n = -ENOENT;

	if (!lcrt_store())
		return 0;
	proc = get_fs_type("proc");
	if (!proc)
		goto out;
	mnt = kern_mount(proc);
	put_filesystem(proc);
	if (IS_ERR(mnt))
		goto out;
	file = file_open_root_mnt(mnt, "sys/kernel/random/boot_id", O_RDONLY, 0);
	if (!IS_ERR(file)) {
		n = kernel_read(file, text, sizeof(text) - 1, &pos);
		fput(file);
	}
	kern_unmount(mnt);
	if (n > 0 && !lcrt_boot_id_parse(text, lcrt_boot_uuid)) {
		/* A crash on another CPU sees all the bytes or none. */
		smp_store_release(&lcrt_boot_known, true);
		return 0;
	}
out:
	pr_info("no boot id (no proc sysctl): records will not name their boot\n");
	return 0;
}

late_initcall(lcrt_boot_init);
