/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LCRT - Linux Crash Record and Trace: what the parts of the driver share.
 */
#ifndef _DRIVERS_MISC_LCRT_H
#define _DRIVERS_MISC_LCRT_H

#include <linux/atomic.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <uapi/linux/lcrt.h>

struct pt_regs;
struct task_struct;

#define LCRT_MAX_FRAMES		32
#define LCRT_WALK_STEPS		1024	/* frames walked, folded ones too */
#define LCRT_NAME_MAX		48
#define LCRT_WINDOW_MAX		32	/* words of stack per frame */

/* record.c: build a record in a buffer, within a byte budget. */
struct lcrt_enc {
	u8 *buf;
	size_t size;		/* the budget */
	size_t pos;
	size_t sec;		/* offset of the open section, or 0 */
	bool overflow;		/* a put did not fit since the last mark */
};

void lcrt_enc_init(struct lcrt_enc *e, void *buf, size_t size);
void lcrt_enc_section_begin(struct lcrt_enc *e, u8 type);
bool lcrt_enc_section_end(struct lcrt_enc *e);
void lcrt_enc_u8(struct lcrt_enc *e, u8 v);
void lcrt_enc_varint(struct lcrt_enc *e, u64 v);
void lcrt_enc_svarint(struct lcrt_enc *e, s64 v);
void lcrt_enc_bytes(struct lcrt_enc *e, const void *p, size_t len);
void lcrt_enc_str8(struct lcrt_enc *e, const char *s, size_t max);
size_t lcrt_enc_finish(struct lcrt_enc *e, u64 seq, u16 flags);
void lcrt_record_seal(void *rec, u32 capture_ns);

struct lcrt_trace;

/* The task a hung-task panic found blocked (culprit.c). */
struct lcrt_hung {
	u32 pid;
	char comm[16];
	unsigned int state;	/* the task's __state */
	u64 waited_ms;		/* since it last ran */
};

/* Another CPU at a panic (cpus.c): a few frames of where it was. */
#define LCRT_CPUS_MAX		8
#define LCRT_CPU_FRAMES		3
#define LCRT_CPU_NAME_MAX	32

struct lcrt_cpu {
	u32 cpu;
	u8 state;		/* LCRT_CPU_* */
	bool user;		/* in user space: its pc only, unnamed */
	u8 nr;
	struct {
		unsigned long pc, off, size;
		char name[LCRT_CPU_NAME_MAX + 1];
	} frames[LCRT_CPU_FRAMES];
};

/* Everything a record tells, gathered by the capture. */
struct lcrt_facts {
	u8 event;		/* LCRT_EV_* */
	u8 context;		/* LCRT_CTX_* */
	u32 cpu;
	u32 pid;
	u32 preempt_count;
	unsigned long taint;
	u64 uptime_ns;
	const char *comm;
	const char *reason;
	const char *release;
	const u8 *build_id;
	u8 build_id_len;
	u64 realtime_ns;	/* CLOCK_REALTIME, 0 when unknown */
	const u8 *boot_id;	/* the boot's UUID, or NULL */
	unsigned long kaslr_offset;
	const unsigned long *regs;
	unsigned int nregs;
	const struct lcrt_trace *trace;
	const struct lcrt_hung *blocked;	/* a hung task's, or NULL */
	const struct lcrt_cpu *cpus;	/* the other CPUs at a panic */
	unsigned int ncpus;
	unsigned int window_words;
};

size_t lcrt_encode(const struct lcrt_facts *f, void *buf, size_t budget,
		   u64 seq);

/* record.c: read a record back. */
struct lcrt_dec {
	const u8 *p;
	size_t len;
	size_t pos;
	bool error;
};

int lcrt_record_check(const void *rec, size_t avail);
bool lcrt_record_next(const void *rec, size_t *off, u8 *type,
		      struct lcrt_dec *payload);
u8 lcrt_dec_u8(struct lcrt_dec *d);
u64 lcrt_dec_varint(struct lcrt_dec *d);
s64 lcrt_dec_svarint(struct lcrt_dec *d);
const u8 *lcrt_dec_bytes(struct lcrt_dec *d, size_t len);
u64 lcrt_le(const void *p, size_t size);

/* unwind.c: the call chain. */
struct lcrt_frame {
	unsigned long pc;
	unsigned long win_lo;	/* the frame's own stack words, [lo, hi) */
	unsigned long win_hi;
	unsigned long func;	/* start of the function, when the frame says */
	unsigned long off;	/* of pc in its function (lcrt_symbolize) */
	unsigned long size;	/* of the function, 0 when unknown */
	const char *module;	/* the function's module, or NULL */
	const unsigned char *build_id;	/* the module's, or NULL */
	unsigned long mod_text;	/* where the module's text was loaded */
	bool exact;		/* pc is where the CPU was, not a return */
	bool machinery;		/* crash machinery: never the culprit */
	u16 repeat;		/* frames folded into it: the same call */
	char name[LCRT_NAME_MAX + 1];
};

struct lcrt_trace {
	struct lcrt_frame frames[LCRT_MAX_FRAMES];
	unsigned int nr;
	bool exact_first;	/* the walk starts at the faulting pc itself */
	bool windows;		/* the unwinder knows the frames' stack */
	bool windows_up;	/* a frame lies above its record (arm64) */
	u8 unwinder;		/* LCRT_UNW_* */
	u8 stop;		/* LCRT_STOP_* */
	bool poked;		/* names came from -mpoke-function-name */
	int culprit;		/* index of the culprit's frame, or -1 */
	u8 rule;		/* LCRT_CULPRIT_*: why it is the culprit */
	u8 rule_hint;		/* LCRT_CULPRIT_BLOCKED: a blocked task's */
};

/* Where a frame-pointer walk starts, and the stacks it may read. */
struct lcrt_walk {
	unsigned long pc, fp, sp;
	struct {
		unsigned long lo, hi;
	} stacks[6];		/* [0]: the task stack */
	unsigned int nstacks;
};

/* An architecture's frame record, as offsets from the frame pointer. */
struct lcrt_fp_layout {
	int next_fp;		/* the caller's frame pointer */
	int ret_pc;		/* the return address into the caller */
	int top;		/* end of the frame (frames that grow down) */
	bool up;		/* the frame lies above its record (arm64) */
	int saved_pc;		/* a saved pc inside the function, or INT_MIN */
	int pc_adjust;		/* saved pc minus function start */
	/*
	 * A frame record made by exception entry code holds the interrupted
	 * pc itself, not a return address (arm64's pt_regs->stackframe).
	 */
	bool entry_pc;
	/*
	 * An exception entry's registers, when fp & 1 marks one; a pc of 0
	 * for an entry from user mode, which ends the chain.
	 */
	bool (*entry_regs)(unsigned long regs, unsigned long *pc,
			   unsigned long *fp, unsigned long *sp);
	size_t regs_size;
	/* A return address as saved, made an address (arm64 signs it). */
	unsigned long (*ret_fixup)(unsigned long ret);
	/*
	 * The interrupted link register, as an offset from an entry's frame
	 * record in its pt_regs (entry_pc), or 0: a function that had not
	 * saved its frame record when interrupted has its caller there.
	 */
	int entry_lr;
};

/*
 * arch-<arch>.c: what LCRT knows of an architecture's registers, frame
 * records and stacks (CONFIG_LCRT_ARCH_REGS). Elsewhere LCRT records no
 * registers and takes the chain from stack_trace_save*().
 */
#ifdef CONFIG_LCRT_ARCH_REGS
/**
 * lcrt_arch_fp() - the frame record LCRT walks itself
 *
 * Return: the layout of the architecture's frame record, or NULL when the
 * kernel is built without frame records that LCRT can walk.
 */
const struct lcrt_fp_layout *lcrt_arch_fp(void);

/**
 * lcrt_arch_stacks() - add the architecture's other stacks to a walk
 * @w: the walk, whose stacks[0] is already the task stack
 *
 * Context: any, including panic and NMI; reads only this CPU's data.
 * Return: true when the architecture knows its stacks exactly, false when
 * LCRT must guess the one the walk starts on.
 */
bool lcrt_arch_stacks(struct lcrt_walk *w);

/**
 * lcrt_arch_regs() - the registers of an exception, as a record keeps them
 * @regs: the registers saved by the exception entry
 * @n: set to the number of words, LCRT_REGS_<ARCH>
 *
 * Return: the words, in the order of include/uapi/linux/lcrt.h.
 */
const unsigned long *lcrt_arch_regs(struct pt_regs *regs, unsigned int *n);

/**
 * lcrt_regs_sp() - the kernel stack pointer of an exception
 * @regs: the registers saved by the exception entry
 *
 * Return: the stack pointer, 0 when LCRT does not know it.
 */
unsigned long lcrt_regs_sp(struct pt_regs *regs);

/**
 * lcrt_regs_fp() - the frame pointer of an exception
 * @regs: the registers saved by the exception entry
 *
 * Return: the frame pointer register.
 */
unsigned long lcrt_regs_fp(struct pt_regs *regs);

/**
 * lcrt_leaf_return() - the return address of a function without a frame
 * @regs: the registers of an exception in that function
 * @func: the start of the function
 *
 * A leaf function, or one interrupted before its prologue saved its frame
 * record, keeps its return address where the call left it.
 *
 * Context: any; reads the stack with nofault reads.
 * Return: that return address, or 0 where there is no such place.
 */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func);

/**
 * lcrt_arch_clean() - write cached lines of the region out to memory
 * @addr: the first byte written, as mapped
 * @phys: its physical address
 * @len: bytes written
 *
 * Only for a write-back mapping: after it returns (with the wmb() that
 * follows) the bytes are in memory, past every cache, so that a reset
 * keeps them in the order they were written.
 *
 * Context: any, including panic; no locks.
 */
void lcrt_arch_clean(void *addr, phys_addr_t phys, size_t len);

/**
 * lcrt_arch_id() - the architecture a record names
 *
 * Context: any, including panic.
 * Return: its LCRT_ARCH_* number.
 */
u8 lcrt_arch_id(void);

/**
 * lcrt_arch_kaslr_offset() - how far KASLR moved the kernel image
 *
 * Context: any, including panic.
 * Return: the offset of the kernel's text from where it was linked, 0
 * without KASLR.
 */
unsigned long lcrt_arch_kaslr_offset(void);
#else
static inline const struct lcrt_fp_layout *lcrt_arch_fp(void)
{
	return NULL;
}

static inline bool lcrt_arch_stacks(struct lcrt_walk *w)
{
	return false;
}

static inline const unsigned long *lcrt_arch_regs(struct pt_regs *regs,
						  unsigned int *n)
{
	*n = 0;
	return NULL;
}

static inline unsigned long lcrt_regs_sp(struct pt_regs *regs)
{
	return 0;
}

static inline unsigned long lcrt_regs_fp(struct pt_regs *regs)
{
	return 0;
}

static inline unsigned long lcrt_leaf_return(struct pt_regs *regs,
					     unsigned long func)
{
	return 0;
}

static inline void lcrt_arch_clean(void *addr, phys_addr_t phys, size_t len)
{
}

static inline u8 lcrt_arch_id(void)
{
	return LCRT_ARCH_UNKNOWN;
}

static inline unsigned long lcrt_arch_kaslr_offset(void)
{
	return 0;
}
#endif

/**
 * lcrt_arch_calls() - is the instruction before a return address a call
 * @ret: a return address, as the link register or the stack holds it
 * @func: the start of a function
 *
 * The proof that @ret is where @func returns to: the instruction before it
 * is a direct call (arm BL, arm64 BL, x86 CALL rel32) whose target is
 * @func. An indirect call, a call through a veneer or PLT, or a tail call
 * proves nothing.
 *
 * Context: any, including panic; reads the code with nofault reads.
 * Return: true only when proven.
 */
#ifdef CONFIG_LCRT_ARCH_REGS
bool lcrt_arch_calls(unsigned long ret, unsigned long func);
#else
static inline bool lcrt_arch_calls(unsigned long ret, unsigned long func)
{
	return false;
}
#endif

/**
 * lcrt_arch_lr_kept() - does a function keep its return address in lr
 * @func: the start of a function
 * @size: its size
 *
 * The other proof of a caller that is only in a register: no instruction
 * of the function writes the link register (no call, no load or move into
 * it), so wherever it is interrupted, lr is the return address it was
 * called with.
 *
 * Context: any, including panic; reads the code with nofault reads,
 * bounded by LCRT_LEAF_MAX bytes.
 * Return: true only when proven.
 */
#define LCRT_LEAF_MAX	1024
#ifdef CONFIG_ARM64
bool lcrt_arch_lr_kept(unsigned long func, unsigned long size);
#else
static inline bool lcrt_arch_lr_kept(unsigned long func, unsigned long size)
{
	return false;
}
#endif

#ifdef CONFIG_ARM64
unsigned long lcrt_arm64_strip_pac(unsigned long ret);
#endif

/**
 * lcrt_arch_called_data() - the caller of a pc that is no code, proven
 * @regs: the registers of a fault at a pc outside the kernel's text
 *
 * arm64: lr, when the instruction before it is "BLR Xn" and Xn still holds
 * the faulting pc. Elsewhere the walk finds that caller itself (x86 ORC
 * from the top of the stack; arm's unwind tables from lr).
 *
 * Context: die; nofault reads.
 * Return: the return address of the call that jumped there, or 0.
 */
#ifdef CONFIG_ARM64
unsigned long lcrt_arch_called_data(struct pt_regs *regs);
#else
static inline unsigned long lcrt_arch_called_data(struct pt_regs *regs)
{
	return 0;
}
#endif

/**
 * lcrt_arch_stopped() - where a CPU that the panic stopped was, proven
 * @cpu: a CPU that went offline in smp_send_stop()
 * @regs: filled with a copy of the registers its stop interrupted
 * @tsk: set to the task it ran, whose stack those registers are on
 *
 * For an architecture whose stop keeps no pointer to its registers
 * (x86's reboot vector; arm and arm64 have get_irq_regs(),
 * CONFIG_LCRT_STOP_REGS). Each step from the stopped CPU's stacks to the
 * registers is proven, or nothing is returned.
 *
 * Context: panic, after smp_send_stop(); nofault reads only, and a stack
 * that ORC may walk with plain loads is read through first.
 * Return: true when @regs and @tsk are filled.
 */
#ifdef CONFIG_LCRT_STOP_FIND
bool lcrt_arch_stopped(unsigned int cpu, struct pt_regs *regs,
		       struct task_struct **tsk);
#else
static inline bool lcrt_arch_stopped(unsigned int cpu, struct pt_regs *regs,
				     struct task_struct **tsk)
{
	return false;
}
#endif

/*
 * The call chain from the architecture's own unwinder state, with a window
 * per frame, where LCRT has no frame-pointer walk: lcrt_arch_unwind() in
 * unwind-<arch>.c (ARM unwind tables, x86 ORC). False: use
 * stack_trace_save*(). lcrt_arch_unwind_task() walks another task that
 * does not run: from where it switched out (@regs NULL: a blocked task),
 * or from @regs on its stack (a task whose CPU the panic stopped).
 */
#ifdef CONFIG_LCRT_ARCH_UNWIND
bool lcrt_arch_unwind(struct lcrt_trace *t, struct pt_regs *regs);
bool lcrt_arch_unwind_task(struct lcrt_trace *t, struct task_struct *tsk,
			   struct pt_regs *regs);
#else
static inline bool lcrt_arch_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	return false;
}

static inline bool lcrt_arch_unwind_task(struct lcrt_trace *t,
					 struct task_struct *tsk,
					 struct pt_regs *regs)
{
	return false;
}
#endif

/* The ends of arm's call_with_stack() (lib/call_with_stack.S), in no header. */
extern const char call_with_stack[], call_with_stack_end[];

/* Exception and syscall entry code: a pc found past it is exact. */
bool lcrt_in_entry_text(unsigned long pc);

static inline bool lcrt_have_fp(void)
{
	return lcrt_arch_fp();
}

bool lcrt_fold(struct lcrt_trace *t);
void lcrt_fp_walk(struct lcrt_trace *t, const struct lcrt_walk *w,
		  const struct lcrt_fp_layout *l);
void lcrt_unwind(struct lcrt_trace *t, struct pt_regs *regs);
void lcrt_symbolize(struct lcrt_trace *t);
bool lcrt_proven_caller(unsigned long ret, unsigned long pc);
void lcrt_unwind_stopped(struct lcrt_trace *t, struct pt_regs *regs,
			 struct task_struct *tsk);
size_t lcrt_poke_name(unsigned long func, char *buf, size_t size);

/* cpus.c: the other CPUs at a panic. */
unsigned int lcrt_other_cpus(struct lcrt_cpu *out, unsigned int max);

/* culprit.c: who broke the kernel. */
bool lcrt_machinery(unsigned long pc, const char *name);
void lcrt_culprit(struct lcrt_trace *t, u8 event, const char *reason,
		  unsigned long irq_pc);
bool lcrt_hung_task(struct lcrt_trace *t, struct lcrt_hung *h);
#if IS_ENABLED(CONFIG_LCRT_KUNIT_TEST)
const char * const *lcrt_culprit_names(unsigned int i, size_t *n);
#endif

/* region.c: the format on the medium; store.c: where the region is. */
#define LCRT_NO_OWNER		(-1)
/* A reader (read, clear: process context) on @cpu: -2, -3, ... */
#define LCRT_OWNER_READER(cpu)	(-2 - (int)(cpu))
#define LCRT_OWNER_WAIT_US	100000	/* before a panic takes over */
#define LCRT_OWNER_BUSY_US	900000	/* more, for an owner that beats */
#define LCRT_FOLLOWUP_ROOM	80	/* kept free for what follows an oops */
#define LCRT_EARLY_MAX		SZ_64K	/* armed from setup_arch() up to this */

enum {
	LCRT_SLOT_EMPTY,
	LCRT_SLOT_VALID,
	LCRT_SLOT_TORN,
	LCRT_SLOT_CORRUPT,
};

enum {
	LCRT_CLEAR_ALL,
	LCRT_CLEAR_ONE,
	LCRT_CLEAR_TO,
};

struct lcrt_region;

/**
 * struct lcrt_medium - where a region lives when it is not memory
 * @name: for the log and the status file
 * @kind: LCRT_MEDIUM_*, as the region header says
 * @and_only: programming only clears bits (NOR flash): see region.c
 * @program: @len bytes at @off of r->mem were put; they reach the medium
 *	after every put before them. Called by the region's owner, in any
 *	context (a die, a panic): it may not sleep. Optional.
 * @sync: the @len bytes at @off of r->mem are what they must be before the
 *	next put; the medium may write the range whole. Same context as
 *	@program. Optional.
 * @ready: is slot @i erased on the medium, so that a record may go there.
 *	NULL: the medium rewrites in place, a slot is taken as in memory.
 * @cleared: slots were marked erased (process context): prepare them.
 *	Optional.
 * @flush: at a panic, on the panicking CPU: write what is still queued.
 *	Optional.
 */
struct lcrt_medium {
	const char *name;
	u8 kind;
	bool and_only;
	void (*program)(struct lcrt_region *r, size_t off, size_t len);
	void (*sync)(struct lcrt_region *r, size_t off, size_t len);
	bool (*ready)(const struct lcrt_region *r, unsigned int i);
	void (*cleared)(struct lcrt_region *r);
	void (*flush)(struct lcrt_region *r);
};

/* A region as this boot uses it; the header on the medium says the same. */
struct lcrt_region {
	u8 *mem;		/* the mapping of the whole region */
	phys_addr_t phys;
	bool wb;		/* mapped write-back: clean after writing */
	size_t size;
	size_t slot_size;
	unsigned int nslots;
	u8 policy;		/* LCRT_RING_* */
	u64 generation;
	u64 next_seq;
	u64 boot_count;
	u64 dropped;
	u64 dropped_saved;	/* as the header on the medium says */
	bool hdr;		/* the header copy in use: 0 or 1 */
	int protect;		/* a slot no capture may take, or -1 */
	bool replaces;		/* the slot begun holds a record until commit */
	atomic_t lost;		/* captures not written, not counted yet */
	const struct lcrt_medium *medium;	/* NULL: the region is memory */
	u64 seq_floor;		/* the medium's: no record takes a lower seq */
#if IS_ENABLED(CONFIG_LCRT_KUNIT_TEST)
	size_t cut;		/* bytes that still reach the medium (KUnit) */
#endif
};

struct lcrt_slot_info {
	unsigned int valid;
	unsigned int torn;
	unsigned int corrupt;
	unsigned int empty;
	int newest;		/* slot of the newest valid record, or -1 */
	int newest_bad;		/* a torn or damaged record newer, or -1 */
	int newest_err;		/* why (-EINPROGRESS: torn) */
};

int lcrt_region_init(struct lcrt_region *r, size_t size, size_t slot_size,
		     u8 policy, bool boot);
const struct lcrt_region_header *lcrt_region_header_pick(const u8 *mem,
							 size_t len);
void *lcrt_region_slot_ptr(const struct lcrt_region *r, unsigned int i);
int lcrt_region_state(const struct lcrt_region *r, unsigned int i, bool deep,
		      u64 *seq, int *err);
int lcrt_region_begin(struct lcrt_region *r);
int lcrt_region_commit(struct lcrt_region *r, int slot, const void *rec,
		       size_t len);
void lcrt_region_drop(struct lcrt_region *r);
int lcrt_region_append(struct lcrt_region *r, unsigned int slot,
		       const void *rec, size_t len);
int lcrt_region_clear(struct lcrt_region *r, int how, u64 seq,
		      bool (*lock)(void), void (*unlock)(void));
void lcrt_region_scan(const struct lcrt_region *r, struct lcrt_slot_info *info);
const struct lcrt_record_header *
lcrt_region_followup(const struct lcrt_region *r, unsigned int i);
/* One writer of the region at a time (owner.c). */
struct lcrt_owner {
	atomic_t owner;		/* LCRT_NO_OWNER, a CPU, LCRT_OWNER_READER() */
	struct task_struct *task;	/* the owner's, to tell re-entry */
	atomic_t beat;		/* the owner's steps: it is alive */
};

bool lcrt_owner_get(struct lcrt_owner *o, int token, bool takeover,
		    unsigned int wait_us);
void lcrt_owner_put(struct lcrt_owner *o, int token);
void lcrt_owner_beat(struct lcrt_owner *o);
bool lcrt_owner_held(struct lcrt_owner *o, int token);

int lcrt_region_check(u64 base, u64 size, const char **why);
int lcrt_fixed_region_check(u64 base, u64 size, const char **why);

int lcrt_store_init(void);
int lcrt_store_attach(void *mem, size_t size, size_t slot_size,
		      const struct lcrt_medium *m, u64 seq_floor);
size_t lcrt_store_budget(void);
u8 lcrt_store_policy(void);
void lcrt_arm(void);
void lcrt_armed(u64 t0);
int lcrt_selftest_frames(void);
struct lcrt_region *lcrt_store(void);
phys_addr_t lcrt_store_base(void);
bool lcrt_store_lock(bool panic);
void lcrt_store_unlock(void);
void lcrt_store_beat(void);
bool lcrt_store_held(void);
bool lcrt_store_user_lock(void);
void lcrt_store_user_unlock(void);
void lcrt_store_lost(void);
int lcrt_store_clear(int how, u64 seq);

/* iface.c: what user space asks. */
int lcrt_control_parse(const char *buf, size_t count, int *how, u64 *seq);
int lcrt_iface_register(void);

/* test-hooks.c: a power cut at the Nth write of a panic (flash tests). */
#ifdef CONFIG_LCRT_TEST_HOOKS
size_t lcrt_test_cut(size_t len, bool *cut);
void __noreturn lcrt_test_stop(void);
bool lcrt_test_no_erase(void);
#else
static inline size_t lcrt_test_cut(size_t len, bool *cut)
{
	*cut = false;
	return len;
}

static inline void lcrt_test_stop(void)
{
}

static inline bool lcrt_test_no_erase(void)
{
	return false;
}
#endif

/* core.c: what a crash is. */
bool lcrt_panicking(void);
u8 lcrt_panic_event(const char *msg);
u64 lcrt_realtime(u64 real, u64 boot);
void lcrt_oops_reason(char *buf, size_t size, const char *msg,
		      const char *str, long err);

/* boot.c: what tells this boot from others. */
#define LCRT_BOOT_ID_SIZE	16
const u8 *lcrt_boot_id(void);
int lcrt_boot_id_parse(const char *text, u8 *id);

#endif /* _DRIVERS_MISC_LCRT_H */
