// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * execfloor-nolibc: execfloor without a C library (x86_64 only). Built
 * with -nostdlib -static, it runs no start-up code at all: _start makes
 * the execve(2) system call and nothing else. Against execfloor (static
 * glibc), bench/gate.sh tells the kernel's cost of one more exec from
 * libc's start-up.
 */
#ifndef __x86_64__
#error "execfloor-nolibc makes x86_64 system calls"
#endif

#define SYS_EXECVE 59
#define SYS_EXIT   60

void start(long argc, char **argv);

/* The kernel leaves argc at the stack pointer, then argv, NULL, envp. */
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov (%rsp), %rdi\n"
	"	lea 8(%rsp), %rsi\n"
	"	call start\n"
	"	hlt\n");

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

void start(long argc, char **argv)
{
	if (argc >= 2)
		syscall3(SYS_EXECVE, (long)argv[1], (long)(argv + 1), (long)(argv + argc + 1));
	syscall3(SYS_EXIT, argc < 2 ? 2 : 127, 0, 0);
}
