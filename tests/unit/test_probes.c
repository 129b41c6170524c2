// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel probes' user-space half, without BPF: --kernel-probes lists, program names, the
 * verifier's reason in a load log, the mapping of bpf_ktime_get_ns() to the trace clock, BPF
 * records turned into catalogue events (read back through the decoder), kernel stream names
 * and classes, and the metadata's kernel stream class.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../probes/probes_int.h"
#include "../trace/catalogue.h"
#include "../trace/ctf.h"
#include "../trace/ring.h"

static void test_parse(void **state)
{
	uint32_t m;

	(void)state;
	assert_int_equal(probes__parse("default", &m), 0);
	assert_int_equal(m, probes__default_mask());
	assert_false(m & (1u << KP_kvm_emulate_insn));
	assert_true(m & (1u << KP_kvm_exit) && m & (1u << KP_kvm_pio));
	assert_int_equal(probes__parse("all", &m), 0);
	assert_int_equal(m, (1u << KP_NR) - 1);
	assert_int_equal(probes__parse("pio,kvm_mmio,emulate_insn", &m), 0);
	assert_int_equal(m, (1u << KP_kvm_pio) | (1u << KP_kvm_mmio) | (1u << KP_kvm_emulate_insn));
	assert_int_equal(probes__parse("default,emulate_insn", &m), 0);
	assert_int_equal(m, (1u << KP_NR) - 1);
	assert_int_equal(probes__parse("none", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(probes__parse("kvm_pio,bogus", &m), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "'bogus'"));
	assert_int_equal(probes__parse("kvm_pio,,kvm_mmio", &m), -EINVAL);
	assert_int_equal(probes__parse("", &m), -EINVAL);
	assert_int_equal(probes__parse("pi", &m), -EINVAL);
	assert_string_equal(probes__tp_name(KP_kvm_userspace_exit), "kvm_userspace_exit");
	assert_null(probes__tp_name(KP_NR));
}

/* Program names map back to their tracepoint and kind; nothing else does. */
static void test_prog_id(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(probes__prog_id("on_kvm_pio", &v), KP_kvm_pio);
	assert_int_equal(v, PV_BTF);
	assert_int_equal(probes__prog_id("on_kvm_pio_raw", &v), KP_kvm_pio);
	assert_int_equal(v, PV_RAW);
	assert_int_equal(probes__prog_id("on_kvm_exit", &v), KP_kvm_exit);
	assert_int_equal(v, PV_BTF);
	assert_int_equal(probes__prog_id("on_kvm_userspace_exit", &v), KP_kvm_userspace_exit);
	assert_int_equal(probes__prog_id("on_kvm_emulate_insn", &v), KP_kvm_emulate_insn);
	assert_int_equal(probes__prog_id("on_kvm_pio_rawx", &v), -1);
	assert_int_equal(probes__prog_id("on_kvm_pi", &v), -1);
	assert_int_equal(probes__prog_id("kvm_pio", &v), -1);
	assert_int_equal(probes__prog_id("", &v), -1);
}

/* The verifier's reason: its last line, with the one before when that is prose. */
static void test_log_reason(void **state)
{
	/* Linux 6.1 refusing on_kvm_pio (tp_btf): the log as libbpf passes it. */
	static const char pio[] =
		"reg type unsupported for arg#0 function on_kvm_pio#30\n"
		"0: R1=ctx(off=0,imm=0) R10=fp0\n"
		"; int BPF_PROG(on_kvm_pio, unsigned int rw, unsigned int port, unsigned int "
		"size,\n"
		"0: (79) r6 = *(u64 *)(r1 +32)\n"
		"func 'kvm_pio' arg4 type UNKNOWN is not a struct\n"
		"invalid bpf_context access off=32 size=8\n"
		"processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
		"peak_states 0 mark_read 0\n"
		"-- END PROG LOAD LOG --\n";
	/* An instruction before the reason is not part of it. */
	static const char insn[] =
		"12: (85) call bpf_probe_read_kernel#113\n"
		"R2 min value is negative, either use unsigned or 'var &= const'\n"
		"processed 40 insns\n";
	/* No "processed" line: the log's last line. */
	static const char cut[] = "0: (b7) r0 = 0\nR0 !read_ok\n\n";
	char out[200];

	(void)state;
	probes__log_reason(pio, out, sizeof(out));
	assert_string_equal(out, "func 'kvm_pio' arg4 type UNKNOWN is not a struct; invalid "
				 "bpf_context access off=32 size=8");
	probes__log_reason(insn, out, sizeof(out));
	assert_string_equal(out, "R2 min value is negative, either use unsigned or 'var &= const'");
	probes__log_reason(cut, out, sizeof(out));
	assert_string_equal(out, "R0 !read_ok");
	snprintf(out, sizeof(out), "kept");
	probes__log_reason("\n\n", out, sizeof(out));
	assert_string_equal(out, "kept");
	probes__log_reason(pio, out, 16);
	assert_string_equal(out, "func 'kvm_pio' ");
}

static void test_clock(void **state)
{
	struct trace_clock_info ci = { .freq = 2000000000, .is_tsc = 1 };
	struct probes_clock c;
	int64_t d;

	(void)state;
	probes_clock__init(&c, &ci);
	c.anchor_ts = 1000000000000ull;
	c.anchor_ns = 500000000000ull;
	assert_int_equal(probes_clock__to_ts(&c, c.anchor_ns), c.anchor_ts);
	assert_int_equal(probes_clock__to_ts(&c, c.anchor_ns + 1000), c.anchor_ts + 2000);
	assert_int_equal(probes_clock__to_ts(&c, c.anchor_ns - 1000), c.anchor_ts - 2000);
	/* Seconds away, the 32.32 multiplier is still within a tick per second. */
	d = (int64_t)(probes_clock__to_ts(&c, c.anchor_ns + 3000000000ull) -
		      (c.anchor_ts + 6000000000ull));
	assert_true(d >= -3 && d <= 3);
	/* With CLOCK_MONOTONIC as the trace clock, the mapping is the identity. */
	ci.is_tsc = 0;
	probes_clock__init(&c, &ci);
	assert_int_equal(probes_clock__to_ts(&c, 12345), 12345);
}

static char tmpdir[] = "/tmp/vmscope-test-probes-XXXXXX";

static void make_ring(struct trace_ring *r)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/kernel0.ring", tmpdir);
	assert_int_equal(trace_ring__create(r, path, TRACE_STREAM_KERNEL(0), 65536, 0), 0);
}

/* The text of the record at pos; returns the next position. */
static uint64_t decode_at(struct trace_ring *r, uint64_t pos, char *buf, size_t size)
{
	const struct trace_rec_hdr *h = trace_ring__at(r, pos);

	assert_true(trace__decode_text(h, h->size, buf, size) > 0);
	return pos + h->size;
}

static void test_emit(void **state)
{
	struct kvm_probe_rec pio = {
		.tp = KP_kvm_pio, .vcpu = 1, .cpu = 3, .arg = { 1, 0x600, 4, 1, 0x2a }
	};
	struct kvm_probe_rec insn = { .tp = KP_kvm_emulate_insn,
				      .vcpu = 1,
				      .len = 1,
				      .arg = { 0x101000, 0 },
				      .insn = { 0xee } };
	struct kvm_probe_rec ux = { .tp = KP_kvm_userspace_exit, .vcpu = 1, .arg = { 2, -4 } };
	struct kvm_probe_rec bad = { .tp = KP_NR };
	struct trace_ring r;
	char text[512];
	uint64_t pos = 0;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	make_ring(&r);
	assert_int_equal(probes__emit(&r, 100, &pio), 0);
	assert_int_equal(probes__emit(&r, 200, &insn), 0);
	assert_int_equal(probes__emit(&r, 300, &ux), 0);
	assert_int_equal(probes__emit(&r, 400, &bad), -EINVAL);
	pos = decode_at(&r, pos, text, sizeof(text));
	assert_non_null(strstr(text, "kvm_pio: { vcpu = 1, cpu = 3, rw = ( \"OUT\""));
	assert_non_null(strstr(text, "port = 1536, count = 1, data = 0x2a"));
	pos = decode_at(&r, pos, text, sizeof(text));
	assert_non_null(strstr(text, "kvm_emulate_insn: { vcpu = 1"));
	assert_non_null(strstr(text, "rip = 0x101000, len = 1, failed = 0, "
				     "insn = \"ee000000000000000000000000000000\""));
	pos = decode_at(&r, pos, text, sizeof(text));
	assert_non_null(strstr(text, "reason = ( \"IO\" : container = 2 ), ret = -4"));
	assert_int_equal(pos, trace_ring__head(&r));
	trace_ring__close(&r);
}

static void test_streams(void **state)
{
	char name[32], *meta;
	struct trace_clock_info ci = { .freq = 1000000000 };
	int n;

	(void)state;
	ctf__stream_name(TRACE_STREAM_KERNEL(3), name, sizeof(name));
	assert_string_equal(name, "kernel3");
	assert_true(trace__stream_is_kernel(TRACE_STREAM_KERNEL(0)));
	assert_false(trace__stream_is_kernel(TRACE_STREAM_HOST));
	assert_false(trace__stream_is_kernel(63));
	assert_int_equal(ctf__class_of(TRACE_STREAM_KERNEL(3)), CTF_CLASS_KERNEL);
	assert_int_equal(ctf__stream_cpu(TRACE_STREAM_KERNEL(3)), 3);
	assert_int_equal(ctf_hdr_len(CTF_CLASS_KERNEL), CTF_HDR_LEN_VCPU);
	n = ctf__metadata(NULL, 0, &ci, 1, 1, "\tkernel_probes = \"kvm_pio\";\n");
	meta = malloc(n + 1);
	ctf__metadata(meta, n + 1, &ci, 1, 1, "\tkernel_probes = \"kvm_pio\";\n");
	assert_non_null(strstr(meta, "stream {\n\tid = 2;"));
	assert_non_null(strstr(meta, "name = \"kvm_emulate_insn\";\n\tid = 26;\n\tstream_id = 2;"));
	assert_non_null(strstr(meta, "base = 16; } insn[16];"));
	free(meta);
	n = ctf__metadata(NULL, 0, &ci, 1, 0, NULL);
	meta = malloc(n + 1);
	ctf__metadata(meta, n + 1, &ci, 1, 0, NULL);
	assert_null(strstr(meta, "stream {\n\tid = 2;"));
	free(meta);
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	   cmocka_unit_test(test_prog_id),
		cmocka_unit_test(test_log_reason), cmocka_unit_test(test_clock),
		cmocka_unit_test(test_emit),	   cmocka_unit_test(test_streams),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
