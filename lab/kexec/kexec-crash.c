// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-crash KERNEL CMDLINE: load KERNEL as the crash kernel with
 * kexec_file_load(2), as kdump-tools does, without an initramfs. For the
 * lab's guests, which have busybox and no kexec-tools: no libc, built with
 * -nostdlib -static for the guest's architecture.
 */
#include <asm/unistd.h>
#include <linux/kexec.h>
#include <linux/fcntl.h>

static long sys(long n, long a, long b, long c, long d, long e)
{
	long ret;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc 0" : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	ret = x0;
#else
#error "kexec-crash: x86_64 and arm64 only"
#endif
	return ret;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys(__NR_write, 1, (long)s, len(s), 0, 0);
}

static void num(long v)
{
	char b[24], *p = b + sizeof(b);
	int neg = v < 0;

	*--p = 0;
	if (neg)
		v = -v;
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	say(p);
}

static long run(long argc, char **argv)
{
	long fd, ret;

	if (argc != 3) {
		say("usage: kexec-crash KERNEL CMDLINE\n");
		return 2;
	}
	fd = sys(__NR_openat, AT_FDCWD, (long)argv[1], O_RDONLY, 0, 0);
	if (fd < 0) {
		say("kexec-crash: open failed: ");
		num(fd);
		say("\n");
		return 1;
	}
	ret = sys(__NR_kexec_file_load, fd, -1, len(argv[2]) + 1, (long)argv[2],
		  KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS);
	say("kexec-crash: kexec_file_load returned ");
	num(ret);
	say("\n");
	return ret ? 1 : 0;
}

void _start_c(long *sp)
{
	sys(__NR_exit, run(sp[0], (char **)(sp + 1)), 0, 0, 0, 0);
}

#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall _start_c\n");
#else
__asm__(".globl _start\n_start:\n\tmov x0, sp\n\tbl _start_c\n");
#endif
