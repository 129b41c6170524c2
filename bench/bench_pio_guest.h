/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The port-I/O guest every exit benchmark runs: NR_EXITS 32-bit OUTs to BENCH_PORT at ring 0,
 * answered by a hook that does nothing, so the figure is the exit round trip itself.
 * Include after harness.h.
 */
#ifndef VMSCOPE_BENCH_PIO_GUEST_H
#define VMSCOPE_BENCH_PIO_GUEST_H

#define BENCH_PORT 0x700
#define NR_EXITS 20000

static GUEST_CODE void bench_pio_guest(uint64_t id, uint64_t nr)
{
	uint32_t i;

	(void)id;
	(void)nr;
	for (i = 0; i < NR_EXITS; i++)
		guest_outl(BENCH_PORT, i);
	GUEST_DONE();
}

static int bench_null_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
			   uint8_t *data)
{
	(void)v, (void)opaque, (void)port, (void)size, (void)is_write, (void)data;
	return 0;
}

#endif
