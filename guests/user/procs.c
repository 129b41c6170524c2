// SPDX-License-Identifier: GPL-2.0
/*
 * procs: process semantics.  A forked child gets a private copy of the heap, the data and a
 * private mapping (copy-on-write: its writes are not the parent's) but shares MAP_SHARED
 * memory; wait4 reports exit codes and deaths by signal (a child runs ud2); WNOHANG does not
 * block; an orphan is adopted by init; execve of a missing program fails with ENOENT and a
 * spawned one exits 127; PROCS children at once all run and are reaped.
 */
#include "../libc/libc.h"

#define AREA 65536
#define MANY 24

static int failed;
static uint64_t data_word = 1;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("procs: FAILED: %s\n", what);
		failed = 1;
	}
}

static int child_writes(uint8_t *heap, uint8_t *priv, volatile uint64_t *shared)
{
	int i, ok = 1;

	for (i = 0; i < AREA; i++) {
		ok &= heap[i] == (uint8_t)i && priv[i] == (uint8_t)(i * 3);
		heap[i] = priv[i] = 0xee;
	}
	data_word = 99;
	shared[0] = getpid();
	return ok ? 7 : 1;
}

static void copy_on_write(void)
{
	uint8_t *heap = malloc(AREA), *priv;
	volatile uint64_t *shared;
	int i, ws, same = 1;
	pid_t pid;

	priv = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(heap && priv != MAP_FAILED && shared != MAP_FAILED, "malloc/mmap");
	for (i = 0; i < AREA; i++) {
		heap[i] = i;
		priv[i] = i * 3;
	}
	pid = fork();
	if (pid == 0)
		_exit(child_writes(heap, priv, shared));
	check(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 7,
	      "the child saw the parent's memory at fork");
	for (i = 0; i < AREA; i++)
		same &= heap[i] == (uint8_t)i && priv[i] == (uint8_t)(i * 3);
	check(same && data_word == 1, "the child's writes stayed private");
	check(shared[0] == (uint64_t)pid, "MAP_SHARED memory is shared");
}

static void statuses(void)
{
	char *argv[] = { "nosuch", NULL };
	int ws;
	pid_t pid = fork();

	if (pid == 0) {
		printf("procs: a child executes ud2 (SIGILL expected)\n");
		stdout_flush();
		__asm__ volatile("ud2");
	}
	check(waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGILL,
	      "wait4 reports SIGILL");
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 30000000 };

		nanosleep(&ts, NULL);
		_exit(5);
	}
	check(waitpid(pid, &ws, WNOHANG) == 0, "WNOHANG does not wait");
	check(waitpid(pid, &ws, 0) == pid && WEXITSTATUS(ws) == 5, "exit code 5");
	check(execve("/bin/nosuch", argv, environ) == -1 && errno == ENOENT, "execve ENOENT");
	pid = spawn("/bin/nosuch", argv);
	check(pid > 0 && waitpid(pid, &ws, 0) == pid && WEXITSTATUS(ws) == 127,
	      "a failed spawn exits 127");
	check(waitpid(-1, &ws, 0) == -1 && errno == ECHILD, "no children: ECHILD");
}

/* A grandchild outlives its parent and is adopted by init (pid 1). */
static void orphan(void)
{
	volatile uint64_t *seen =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec ts = { 0, 20000000 };
	int ws, tries;
	pid_t pid = fork();

	if (pid == 0) {
		if (fork() == 0) {
			while (getppid() != 1)
				sched_yield();
			seen[0] = 1;
			_exit(0);
		}
		_exit(0);
	}
	waitpid(pid, &ws, 0);
	for (tries = 0; tries < 100 && !seen[0]; tries++)
		nanosleep(&ts, NULL);
	check(seen[0] == 1, "init adopted the orphan");
}

static void many(void)
{
	pid_t pids[MANY];
	int i, ws, reaped = 0;

	for (i = 0; i < MANY; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i);
	}
	for (i = 0; i < MANY; i++)
		reaped +=
			pids[i] > 0 && waitpid(pids[i], &ws, 0) == pids[i] && WEXITSTATUS(ws) == i;
	check(reaped == MANY, "many children");
}

int main(void)
{
	copy_on_write();
	statuses();
	orphan();
	many();
	printf("procs: %s\n", failed ? "FAILED" : "ok");
	return failed;
}
