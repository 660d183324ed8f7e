/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * LCRT - Linux Crash Record and Trace: the on-media record format.
 *
 * This header is the only definition of the format. The kernel writes it
 * (drivers/misc/lcrt) and user-space tools read it.
 *
 * The NVRAM region starts with two copies of a struct lcrt_region_header
 * (LCRT_REGION_HDR_SIZE bytes each); the valid copy with the higher
 * @generation is the header. Slots of the header's @slot_size follow at
 * LCRT_REGION_SLOTS: slot i at LCRT_REGION_SLOTS + i * slot_size. A slot
 * starts with a 32-bit word, written with one aligned store (which LCRT
 * takes to reach the medium whole or not at all), that says what it holds:
 *	0			empty (erased)
 *	LCRT_MAGIC_BLANK	empty (erased flash)
 *	LCRT_MAGIC		a record (valid if its checks pass)
 *	LCRT_MAGIC_PENDING	a record whose write began and never ended
 *	LCRT_MAGIC_NOR_PENDING	(torn; its header may still say its seq)
 *	in a region on flash (@medium LCRT_MEDIUM_FLASH), a program cut:
 *	every bit of LCRT_MAGIC_NOR_PENDING and more (a mark over the
 *	erased word), or every bit of LCRT_MAGIC and some of
 *	LCRT_MAGIC_NOR_PENDING's (a commit): torn as well
 *	anything else		corrupt: not written by LCRT
 * A record is a struct lcrt_record_header followed by sections. Every
 * section is a struct lcrt_section followed by @size bytes of payload. A
 * reader skips sections of types it does not know.
 *
 * A record flagged LCRT_F_FOLLOWUP continues the record that starts its
 * slot: it lies at the first 8-byte boundary after that record, has the
 * same @seq, and tells what happened after the first was committed (the
 * panic that followed an oops, in its LCRT_SEC_REASON). Readers show the
 * two as one crash. It is written with the same pending mark, so a cut
 * while writing it leaves the first record as it was.
 *
 * All fixed-width integers are little-endian. A "varint" is an unsigned
 * LEB128 number: seven bits per byte, least significant group first, the top
 * bit set on every byte but the last, at most LCRT_VARINT_MAX bytes. A
 * signed value is stored zigzag-encoded ((v << 1) ^ (v >> 63)) as a varint.
 *
 * A record is written in three steps, each reaching the medium before the
 * next begins: @magic = LCRT_MAGIC_PENDING; every other byte of the record
 * (and zeroes to the end of the slot); @magic = LCRT_MAGIC. It is valid
 * when @magic is LCRT_MAGIC, the major version (@version >> 8) is one the
 * reader knows (a newer minor version only adds what readers may skip),
 * @header_size and @total_size are in bounds, and the CRC-32 (IEEE 802.3,
 * as in zlib) of the bytes from offset LCRT_CRC_OFFSET up to @total_size
 * equals @crc32. The region header follows the same rules with its own
 * magic, version and size.
 */
#ifndef _UAPI_LINUX_LCRT_H
#define _UAPI_LINUX_LCRT_H

#include <linux/types.h>

#define LCRT_MAGIC		0x5452434cU	/* "LCRT" */
#define LCRT_MAGIC_PENDING	0x5052434cU	/* "LCRP": being written */
/*
 * Being written, on a medium that programs bits from 1 to 0 only (NOR
 * flash): LCRT_MAGIC with the top bit of every byte set, so that the
 * commit only clears bits. Its mark programs the magic, @version,
 * @header_size and @seq, and leaves every other byte of the record erased.
 */
#define LCRT_MAGIC_NOR_PENDING	0xd4d2c3ccU
#define LCRT_MAGIC_BLANK	0xffffffffU	/* erased flash: empty */
#define LCRT_VERSION		0x0102	/* major 1, minor 2 */
#define LCRT_VERSION_MAJOR(v)	((v) >> 8)
#define LCRT_CRC_OFFSET		8
#define LCRT_VARINT_MAX		10
#define LCRT_MIN_RECORD_SIZE	128
#define LCRT_MAX_RECORD_SIZE	65536

/* Architectures (struct lcrt_record_header.arch). */
#define LCRT_ARCH_UNKNOWN	0
#define LCRT_ARCH_ARM		1
#define LCRT_ARCH_ARM64		2
#define LCRT_ARCH_X86_64	3

/* Record flags (struct lcrt_record_header.flags). */
#define LCRT_F_TRUNCATED	0x0001	/* the budget dropped something */
#define LCRT_F_NO_KALLSYMS	0x0002	/* frames carry addresses only */
#define LCRT_F_NO_WINDOWS	0x0004	/* the unwinder gave no stack windows */
#define LCRT_F_WINDOWS_DROPPED	0x0008	/* outer windows left out (budget) */
#define LCRT_F_POKED_NAMES	0x0010	/* names from -mpoke-function-name */
#define LCRT_F_WINDOWS_CUT	0x0020	/* windows cut to fewer words */
#define LCRT_F_FOLLOWUP		0x0040	/* continues the slot's first record */

/* The region header. */
#define LCRT_REGION_MAGIC	0x4852434cU	/* "LCRH" */
#define LCRT_REGION_VERSION	0x0101	/* major 1, minor 1 */
#define LCRT_REGION_HDR_SIZE	128	/* room for one copy, to grow into */
#define LCRT_REGION_SLOTS	256	/* offset of slot 0: after two copies */

/* Where the region lives (@medium). */
#define LCRT_MEDIUM_MEMORY	0	/* NVRAM: any store */
#define LCRT_MEDIUM_FLASH	1	/* programs bits from 1 to 0 only */
#define LCRT_MEDIUM_EFI		2	/* UEFI variables: each written whole */

/* What is overwritten when every slot holds a record (@policy). */
#define LCRT_RING_KEEP		0	/* keep the first: only the newest slot */
#define LCRT_RING_OVERWRITE	1	/* overwrite the oldest record */

struct lcrt_region_header {
	__le32 magic;		/* LCRT_REGION_MAGIC */
	__le32 crc32;		/* of bytes [LCRT_CRC_OFFSET, header_size) */
	__le16 version;		/* LCRT_REGION_VERSION */
	__le16 header_size;	/* sizeof(struct lcrt_region_header) */
	__le32 slot_size;	/* bytes of a slot: the record budget */
	__le32 nslots;		/* slots after LCRT_REGION_SLOTS */
	__u8 policy;		/* LCRT_RING_* */
	__u8 medium;		/* LCRT_MEDIUM_* (0 before format 1.1) */
	__u8 reserved[2];	/* 0 */
	__le64 generation;	/* of this copy: one more at every write */
	__le64 next_seq;	/* no record takes a lower seq (after clear) */
	__le64 boot_count;	/* boots that armed LCRT on this region */
	__le64 dropped;		/* records lost: overwritten unread, not written */
	__le32 reserved2[2];	/* 0 */
};

struct lcrt_record_header {
	__le32 magic;		/* LCRT_MAGIC, written last */
	__le32 crc32;		/* of bytes [LCRT_CRC_OFFSET, total_size) */
	__le16 version;		/* LCRT_VERSION */
	__le16 header_size;	/* sizeof(struct lcrt_record_header) */
	__le32 total_size;	/* header and sections, in bytes */
	__le64 seq;		/* one more than the record before it */
	__le32 capture_ns;	/* from entering LCRT to the commit */
	__u8 arch;		/* LCRT_ARCH_* */
	__u8 word_size;		/* bytes of an address or stack word */
	__le16 flags;		/* LCRT_F_* */
};

struct lcrt_section {
	__u8 type;		/* LCRT_SEC_* */
	__u8 flags;		/* reserved, 0 */
	__le16 size;		/* payload bytes that follow */
};

/*
 * Section types and their payloads.
 *
 * LCRT_SEC_EVENT:
 *	u8 event (LCRT_EV_*), u8 context (LCRT_CTX_*),
 *	varint cpu, varint pid, varint preempt_count, varint taint mask,
 *	varint uptime in ns, u8 comm length, comm bytes.
 * LCRT_SEC_REASON:
 *	the reason text (panic message or oops string), no terminating NUL.
 * LCRT_SEC_KERNEL:
 *	u8 release length, release bytes, u8 build-id length, build-id bytes.
 * LCRT_SEC_FRAMES:
 *	u8 unwinder (LCRT_UNW_*), u8 stop reason (LCRT_STOP_*),
 *	varint frames dropped for the budget, then per frame, innermost first:
 *	varint zigzag(pc - previous pc) (the previous pc of the first frame is
 *	0), varint offset of pc in its function, varint function size,
 *	u8 name length (0: no name), name bytes: the function as %ps names
 *	it, "func" or "func [module]" for a function of a module. A record
 *	with a culprit leaves unnamed the crash machinery strictly between
 *	the first frame and the culprit's callee (an interrupt's plumbing),
 *	whose pc a symbol table names.
 * LCRT_SEC_REGS:
 *	the registers at the fault, word_size bytes each, in this order:
 *	arm:	r0-r10, fp, ip, sp, lr, pc, cpsr (LCRT_REGS_ARM words)
 *	arm64:	x0-x30, sp, pc, pstate (LCRT_REGS_ARM64 words)
 *	x86_64:	r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx,
 *		si, di, orig_ax, ip, cs, flags, sp, ss (LCRT_REGS_X86_64 words)
 * LCRT_SEC_STACK:
 *	a window of one frame's own stack: varint frame index, varint
 *	address of the first word, then the words, word_size bytes each,
 *	lowest address first. One section per frame that has a window.
 * LCRT_SEC_EXACT:
 *	varint count, then count varint frame indices (LCRT_SEC_FRAMES
 *	order, ascending) of the frames whose pc is where the CPU was (the
 *	faulting or interrupted instruction), not a return address. A
 *	reader looks up the source line of pc there and of the call before
 *	the return address (pc - 1; pc - 2 in Thumb-2) in every other frame.
 *	Absent: no frame is known to be exact.
 * LCRT_SEC_MODULES:
 *	the modules that hold functions of the frames, each once: u8 name
 *	length, name bytes (as in "func [module]"), u8 build-id length
 *	(0: the module has none), build-id bytes.
 * LCRT_SEC_CULPRIT (minor 1):
 *	u8 rule (LCRT_CULPRIT_*), varint index of the culprit's frame in
 *	LCRT_SEC_FRAMES: the function whose code did the wrong thing, past
 *	the crash machinery (panic, oops, BUG and WARN handling, exception
 *	and interrupt entries, watchdogs, lock slow paths, sleeping and
 *	waiting primitives, LCRT). Absent: no frame could be blamed.
 * LCRT_SEC_BLOCKED (minor 1):
 *	the task a hung-task panic found blocked, whose call chain
 *	LCRT_SEC_FRAMES then holds (LCRT_SEC_EVENT stays the panicking
 *	task's): varint pid, varint its __state, varint milliseconds since
 *	it last ran, u8 comm length, comm bytes.
 * LCRT_SEC_CPU (minor 1):
 *	another CPU at a panic, one section per CPU: varint cpu, u8 state
 *	(LCRT_CPU_*), u8 flags (LCRT_CPUF_*), u8 frame count, then its
 *	frames as in LCRT_SEC_FRAMES (zigzag pc delta from 0, offset, size,
 *	name), innermost first; the first is where it was (exact) when the
 *	state is LCRT_CPU_STOPPED. A short chain: a few frames at most.
 * LCRT_SEC_REPEATS (minor 1):
 *	varint count, then count pairs: varint frame index (LCRT_SEC_FRAMES
 *	order, ascending), varint repeats: the frame stands for itself and
 *	that many more frames of the same return address right below it (a
 *	recursion, folded so that the frames below it still fit).
 * LCRT_SEC_BOOT (minor 2):
 *	varint wall-clock time of the capture in ns since the Unix epoch
 *	(CLOCK_REALTIME; 0: unknown), u8 boot id length (16, or 0 when the
 *	crash came before LCRT learned it), the boot id bytes: the boot's
 *	random UUID, as /proc/sys/kernel/random/boot_id and the journal's
 *	_BOOT_ID give it, in the order of its text form (RFC 4122).
 * LCRT_SEC_LOAD (minor 2):
 *	where the code was loaded: varint KASLR offset of the kernel image
 *	(0: none or unknown), varint count, then count varints: the load
 *	address of the core text of each module of LCRT_SEC_MODULES (its
 *	.text first; not its init text), in that order (0: unknown).
 */
#define LCRT_SEC_EVENT		1
#define LCRT_SEC_REASON		2
#define LCRT_SEC_KERNEL		3
#define LCRT_SEC_FRAMES		4
#define LCRT_SEC_REGS		5
#define LCRT_SEC_STACK		6
#define LCRT_SEC_EXACT		7
#define LCRT_SEC_MODULES	8
#define LCRT_SEC_CULPRIT	9
#define LCRT_SEC_BLOCKED	10
#define LCRT_SEC_CPU		11
#define LCRT_SEC_REPEATS	12
#define LCRT_SEC_BOOT		13
#define LCRT_SEC_LOAD		14

#define LCRT_REGS_ARM		17
#define LCRT_REGS_ARM64		34
#define LCRT_REGS_X86_64	21

/* The register names, in LCRT_SEC_REGS order, for readers to share. */
#define LCRT_REGS_ARM_NAMES {						\
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",	\
	"r10", "fp", "ip", "sp", "lr", "pc", "cpsr" }
#define LCRT_REGS_ARM64_NAMES {						\
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",	\
	"x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18",	\
	"x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27",	\
	"x28", "x29", "x30", "sp", "pc", "pstate" }
#define LCRT_REGS_X86_64_NAMES {					\
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9",	\
	"r8", "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs",	\
	"flags", "sp", "ss" }

/* What ended in the record (LCRT_SEC_EVENT). */
#define LCRT_EV_PANIC		1
#define LCRT_EV_OOPS		2
#define LCRT_EV_BUG		3
#define LCRT_EV_WARN		4
#define LCRT_EV_WATCHDOG	5
#define LCRT_EV_NAMES { "unknown", "panic", "oops", "BUG", "warning", "watchdog" }

/* Why a frame is the culprit (LCRT_SEC_CULPRIT). */
#define LCRT_CULPRIT_FAULT	1	/* its instruction faulted or trapped */
#define LCRT_CULPRIT_CALLER	2	/* it called the crash machinery */
#define LCRT_CULPRIT_STUCK	3	/* a lockup interrupted it there */
#define LCRT_CULPRIT_RECURSION	4	/* it recursed off its stack */
#define LCRT_CULPRIT_BLOCKED	5	/* a hung task waits there */
#define LCRT_CULPRIT_NAMES { "unknown", "fault", "caller", "stuck",	\
	"recursion", "blocked" }

/* Another CPU at a panic (LCRT_SEC_CPU). */
#define LCRT_CPU_STOPPED	1	/* stopped by the panic: where it was */
#define LCRT_CPU_STOPPED_NO_REGS 2	/* stopped; where it was is not kept */
#define LCRT_CPU_RUNNING	3	/* did not stop: interrupts off */
#define LCRT_CPU_NAMES { "unknown", "stopped", "stopped (where unknown)", \
	"did not stop (interrupts off)" }
#define LCRT_CPUF_USER		0x01	/* it was in user space */

/* Where the CPU was (LCRT_SEC_EVENT). */
#define LCRT_CTX_TASK		0
#define LCRT_CTX_SOFTIRQ	1
#define LCRT_CTX_HARDIRQ	2
#define LCRT_CTX_NMI		3
#define LCRT_CTX_NAMES { "task", "softirq", "hardirq", "NMI" }

/* How the call chain was found (LCRT_SEC_FRAMES). */
#define LCRT_UNW_KERNEL		1	/* the kernel's stack_trace_save*() */
#define LCRT_UNW_FRAME_POINTER	2	/* LCRT's frame-pointer walker */
#define LCRT_UNW_ARM_TABLES	3	/* ARM unwind tables, unwind_frame() */
#define LCRT_UNW_ORC		4	/* x86 ORC, unwind_next_frame() */
#define LCRT_UNW_NAMES { "unknown", "kernel", "frame-pointer",		\
	"ARM unwind tables", "ORC" }

/* Why the walk ended (LCRT_SEC_FRAMES). */
#define LCRT_STOP_END		0	/* reached the outermost frame */
#define LCRT_STOP_DEPTH		1	/* hit the depth limit */
#define LCRT_STOP_LOOP		2	/* a frame pointed at itself or inward */
#define LCRT_STOP_RANGE		3	/* a frame pointer left the stack */
#define LCRT_STOP_ALIGN		4	/* a misaligned frame pointer */
#define LCRT_STOP_FAULT		5	/* reading the stack faulted */
#define LCRT_STOP_ZERO		6	/* a zero frame pointer or pc */
#define LCRT_STOP_NAMES { "outermost frame", "depth limit",			\
	"frame pointer loop", "frame pointer off the stack",		\
	"misaligned frame pointer", "unreadable stack",			\
	"zero frame pointer" }

/*
 * On flash (an MTD partition) the region header is not kept: every erase
 * block of the partition that LCRT uses starts with a struct
 * lcrt_flash_block, and holds @nslots slots of @slot_size bytes from
 * LCRT_FLASH_BLOCK_HDR on. The region is the slots of blocks 0, 1, ... in
 * order, as if after a region header of that geometry. A block whose
 * header is not valid (erased, torn, another format) holds no slot; a slot
 * is used only while it reads erased (every byte 0xff). The header is
 * programmed once, after its block was erased; a slot's commit word and a
 * record's pending mark only clear bits (LCRT_MAGIC_NOR_PENDING).
 */
#define LCRT_FLASH_MAGIC	0x4652434cU	/* "LCRF" */
#define LCRT_FLASH_VERSION	0x0100	/* major 1, minor 0 */
#define LCRT_FLASH_BLOCK_HDR	64	/* offset of a block's first slot */

struct lcrt_flash_block {
	__le32 magic;		/* LCRT_FLASH_MAGIC */
	__le32 crc32;		/* of bytes [LCRT_CRC_OFFSET, header_size) */
	__le16 version;		/* LCRT_FLASH_VERSION */
	__le16 header_size;	/* sizeof(struct lcrt_flash_block) */
	__le32 block_size;	/* bytes of an erase block */
	__le32 block;		/* index of this block in the partition */
	__le32 nblocks;		/* blocks LCRT uses, from the partition's start */
	__le32 slot_size;	/* bytes of a slot: the record budget */
	__le32 nslots;		/* slots in this block */
	__le64 next_seq;	/* no record takes a lower seq (after clear) */
	__le32 erase_count;	/* erases of this block that LCRT made */
	__le32 reserved;	/* 0 */
};

/*
 * In UEFI variables (@medium LCRT_MEDIUM_EFI) the region is kept as
 * variables of the vendor GUID LCRT_EFI_GUID, with the attributes
 * LCRT_EFI_ATTRIBUTES: LCRT_EFI_REGION_VAR holds the region's
 * first LCRT_REGION_SLOTS bytes (the two header copies), and
 * LCRT_EFI_SLOT_VAR followed by the slot number in decimal ("LcrtSlot0")
 * the bytes of that slot that are in use: a record and its follow-up, or a
 * pending mark's header (torn). A slot without its variable is empty; the
 * region is the header variable then every slot, each padded with zeroes
 * to the header's @slot_size. A firmware writes a variable whole or not at
 * all: a cut leaves the variable as it was before.
 */
#define LCRT_EFI_GUID		"6ad0696b-b2de-4308-8eed-9020fb753c4f"
#define LCRT_EFI_ATTRIBUTES	0x7	/* non-volatile, boot and runtime */
#define LCRT_EFI_REGION_VAR	"LcrtRegion"
#define LCRT_EFI_SLOT_VAR	"LcrtSlot"
#define LCRT_EFI_SLOTS_MAX	8

#endif /* _UAPI_LINUX_LCRT_H */
