// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../cli/cli.h"
#include "../probes/probes.h"
#include "../../lib/err.h"
#include "../../abi/layout.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static int parse(struct run_opts *o, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(o, 0xa5, sizeof(*o)); /* every field must be set by the parser */
	return cli__parse_run(argc, argv, o);
}

static void assert_msg(const char *needle)
{
	const char *msg = err__last();

	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

static void assert_parse_fails(char **argv, const char *needle)
{
	struct run_opts o;
	int ret;

	err__clear();
	ret = parse(&o, argv);
	if (ret != -EINVAL)
		fail_msg("parsing '%s %s' returned %d, not -EINVAL", argv[1] ? argv[1] : "",
			 argv[1] && argv[2] ? argv[2] : "", ret);
	assert_msg(needle);
}

/*
 * glibc getopt remembers its position inside a cluster of short options ("-hc2") across calls
 * unless optind is set to 0; forget it so that no test starts where another one stopped.  The
 * ordering chosen at that reinitialisation sticks, so it is made with no ordering prefix, as
 * the parser's own option string has: options are permuted past operands.
 */
static int getopt_forget(void **state)
{
	char *argv[] = { "reset", NULL };

	(void)state;
	optind = 0;
	getopt(1, argv, "");
	err__clear();
	return 0;
}

static void test_defaults(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run")), 0);
	assert_int_equal(o.mem_size, 64ull << 20);
	assert_int_equal(o.nr_vcpus, 1);
	assert_null(o.console);
	assert_true(o.timeout == 0);
	assert_null(o.guest);
	assert_int_equal(o.mode, BOOT_LONG);
	assert_int_equal(o.ring, 0);
	assert_int_equal(o.load_addr, GPA_DEFAULT_LOAD);
	assert_int_equal(o.entry, 0);
	assert_int_equal(o.entry_set, 0);
	assert_int_equal(o.no_irqchip, 0);
	assert_int_equal(o.no_input, 0);
	assert_int_equal(o.stats, 0);
}

static void test_long_options(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(
		parse(&o, ARGV("run", "--mem", "1G", "--vcpus", "4", "--console", "out.txt",
			       "--timeout", "2.5", "--mode", "protected", "--ring", "0",
			       "--load-addr", "0x200000", "--entry", "0x200010", "--no-irqchip",
			       "--no-input", "--stats", "guest.elf")),
		0);
	assert_int_equal(o.mem_size, 1ull << 30);
	assert_int_equal(o.nr_vcpus, 4);
	assert_string_equal(o.console, "out.txt");
	assert_true(o.timeout == 2.5);
	assert_int_equal(o.mode, BOOT_PROTECTED);
	assert_int_equal(o.ring, 0);
	assert_int_equal(o.load_addr, 0x200000);
	assert_int_equal(o.entry, 0x200010);
	assert_int_equal(o.entry_set, 1);
	assert_int_equal(o.no_irqchip, 1);
	assert_int_equal(o.no_input, 1);
	assert_int_equal(o.stats, 1);
	assert_string_equal(o.guest, "guest.elf");
}

static void test_short_options(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(
		parse(&o, ARGV("run", "-m", "512K", "-c", "64", "-o", "log", "-t", "10", "g.bin")),
		0);
	assert_int_equal(o.mem_size, 512ull << 10);
	assert_int_equal(o.nr_vcpus, 64);
	assert_string_equal(o.console, "log");
	assert_true(o.timeout == 10);
	assert_string_equal(o.guest, "g.bin");
	/* Options not given keep their defaults. */
	assert_int_equal(o.mode, BOOT_LONG);
	assert_int_equal(o.load_addr, GPA_DEFAULT_LOAD);
	assert_int_equal(o.entry_set, 0);
	assert_int_equal(o.stats, 0);
}

static void test_attached_values(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "-m256M", "-c2", "--timeout=0.5", "--mode=real",
					"--entry=0")),
			 0);
	assert_int_equal(o.mem_size, 256ull << 20);
	assert_int_equal(o.nr_vcpus, 2);
	assert_true(o.timeout == 0.5);
	assert_int_equal(o.mode, BOOT_REAL);
	/* --entry 0 is an explicit entry, not "from the image". */
	assert_int_equal(o.entry, 0);
	assert_int_equal(o.entry_set, 1);
	assert_null(o.guest);
}

static void test_modes_and_rings(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "--mode", "real")), 0);
	assert_int_equal(o.mode, BOOT_REAL);
	assert_int_equal(o.ring, 0);
	assert_int_equal(parse(&o, ARGV("run", "--ring", "3")), 0);
	assert_int_equal(o.mode, BOOT_LONG);
	assert_int_equal(o.ring, 3);
	assert_int_equal(parse(&o, ARGV("run", "--ring", "3", "--mode", "long")), 0);
	assert_int_equal(o.ring, 3);
	/* The last of a repeated option wins. */
	assert_int_equal(
		parse(&o, ARGV("run", "--mode", "real", "--mode", "long", "-c", "3", "-c", "5")),
		0);
	assert_int_equal(o.mode, BOOT_LONG);
	assert_int_equal(o.nr_vcpus, 5);
}

static void test_help(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "--help")), 1);
	assert_int_equal(parse(&o, ARGV("run", "-h")), 1);
	assert_int_equal(parse(&o, ARGV("run", "--mem", "1G", "--help", "guest")), 1);
	/* Options are taken in order: help wins over a later mistake, not an earlier one. */
	assert_int_equal(parse(&o, ARGV("run", "--help", "--vcpus", "0")), 1);
	assert_int_equal(parse(&o, ARGV("run", "--vcpus", "0", "--help")), -EINVAL);
}

static void test_guest_positional(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "guests/demo.elf")), 0);
	assert_string_equal(o.guest, "guests/demo.elf");
	/* "--" ends the options, so a GUEST may start with a dash. */
	assert_int_equal(parse(&o, ARGV("run", "--stats", "--", "-odd-name")), 0);
	assert_string_equal(o.guest, "-odd-name");
	assert_int_equal(o.stats, 1);
	/* A lone "-" is an operand, not an option. */
	assert_int_equal(parse(&o, ARGV("run", "-")), 0);
	assert_string_equal(o.guest, "-");
}

static void test_bad_mem(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--mem", "12Q"), "'12Q'");
	assert_parse_fails(ARGV("run", "-m", "lots"), "'lots'");
	assert_parse_fails(ARGV("run", "--mem", ""), "empty size");
	assert_parse_fails(ARGV("run", "--mem", "99999999999999999999G"), "64 bits");
}

static void test_bad_vcpus(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--vcpus", "0"), "--vcpus 0 is out of range");
	assert_msg("1 to 64");
	assert_parse_fails(ARGV("run", "--vcpus", "65"), "--vcpus 65 is out of range");
	assert_msg("1 to 64");
	assert_parse_fails(ARGV("run", "-c", "x"), "--vcpus 'x' is not a number");
	assert_parse_fails(ARGV("run", "--vcpus", "-1"), "--vcpus '-1'");
	assert_parse_fails(ARGV("run", "--vcpus", "4294967297"), "out of range");
}

static void test_bad_timeout(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--timeout", "-1"), "--timeout '-1'");
	assert_msg("positive number of seconds");
	assert_parse_fails(ARGV("run", "--timeout", "0"), "--timeout '0'");
	assert_parse_fails(ARGV("run", "-t", "abc"), "--timeout 'abc'");
	assert_parse_fails(ARGV("run", "-t", ""), "--timeout ''");
	assert_parse_fails(ARGV("run", "-t", "10s"), "--timeout '10s'");
	assert_parse_fails(ARGV("run", "-t", "nan"), "--timeout 'nan'");
	assert_parse_fails(ARGV("run", "-t", "inf"), "--timeout 'inf'");
}

static void test_bad_ring(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--ring", "2"), "--ring '2'");
	assert_msg("ring 0 or 3");
	assert_parse_fails(ARGV("run", "--ring", "1"), "--ring '1'");
	assert_parse_fails(ARGV("run", "--ring", "03"), "--ring '03'");
	assert_parse_fails(ARGV("run", "--ring", ""), "--ring ''");
}

static void test_ring3_needs_long_mode(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--ring", "3", "--mode", "real"),
			   "--ring 3 needs --mode long");
	assert_parse_fails(ARGV("run", "--mode", "real", "--ring", "3"),
			   "--ring 3 needs --mode long");
	assert_parse_fails(ARGV("run", "--mode", "protected", "--ring", "3"),
			   "--ring 3 needs --mode long");
}

static void test_bad_mode_and_numbers(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--mode", "virtual"), "unknown boot mode 'virtual'");
	assert_parse_fails(ARGV("run", "--load-addr", "0xzz"), "--load-addr '0xzz'");
	assert_msg("not a number");
	assert_parse_fails(ARGV("run", "--entry", "12k"), "--entry '12k'");
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--bogus"), "unknown option '--bogus'");
	assert_msg("vmscope run --help");
	assert_parse_fails(ARGV("run", "-x"), "unknown option '-x'");
	/* Long options must be spelled out to be unambiguous: --no-i is --no-irqchip or -input. */
	assert_parse_fails(ARGV("run", "--no-i"), "--no-i");
}

static void test_missing_value(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "--mem"), "missing value for option '--mem'");
	assert_parse_fails(ARGV("run", "-c"), "missing value for option '-c'");
	assert_parse_fails(ARGV("run", "--stats", "--timeout"), "missing value for option "
								"'--timeout'");
}

/* --kernel-probes[=LIST] and --no-kernel-probes (docs/probes.md); they need --trace. */
static void test_kernel_probes(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t")), 0);
	assert_int_equal(o.kernel_probes, -1);
	assert_int_equal(o.probe_mask, 0);
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t", "--kernel-probes")), 0);
	assert_int_equal(o.kernel_probes, 1);
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t", "--kernel-probes=all")), 0);
	assert_int_equal(o.kernel_probes, 1);
	assert_true(o.probe_mask & (1u << probes__tp_index("kvm_emulate_insn")));
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t", "--kernel-probes=pio,mmio")), 0);
	assert_int_equal(o.probe_mask, (1u << probes__tp_index("kvm_pio")) |
					       (1u << probes__tp_index("kvm_mmio")));
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t", "--kernel-probes=none")), 0);
	assert_int_equal(o.kernel_probes, 0);
	assert_int_equal(parse(&o, ARGV("run", "--trace", "t", "--no-kernel-probes")), 0);
	assert_int_equal(o.kernel_probes, 0);
	assert_parse_fails(ARGV("run", "--trace", "t", "--kernel-probes=kvm_bogus"),
			   "unknown tracepoint 'kvm_bogus'");
	assert_parse_fails(ARGV("run", "--kernel-probes"), "add --trace DIR");
}

static void test_two_guests(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "a.elf", "b.elf"), "got 'a.elf' and 'b.elf'");
	assert_msg("one GUEST");
}

/*
 * Observed behaviour: options may follow GUEST (getopt permutes them in front of it), so
 * "vmscope run guest.elf --stats" works; "--" still ends the options.
 */
static void test_options_after_guest(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "g.elf", "--stats")), 0);
	assert_string_equal(o.guest, "g.elf");
	assert_int_equal(o.stats, 1);
	assert_int_equal(parse(&o, ARGV("run", "--mem", "1G", "g.elf", "-c", "2", "--mode=real")),
			 0);
	assert_string_equal(o.guest, "g.elf");
	assert_int_equal(o.mem_size, 1ull << 30);
	assert_int_equal(o.nr_vcpus, 2);
	assert_int_equal(o.mode, BOOT_REAL);
	assert_int_equal(parse(&o, ARGV("run", "g.elf", "--help")), 1);
	/* An option after GUEST is checked like any other. */
	assert_parse_fails(ARGV("run", "g.elf", "--vcpus", "0"), "--vcpus 0 is out of range");
	/* Two operands are two GUESTs, wherever the options are. */
	assert_parse_fails(ARGV("run", "a.elf", "--stats", "b.elf"), "got 'a.elf' and 'b.elf'");
	/* After "--" an option-like word is an operand. */
	assert_parse_fails(ARGV("run", "g.elf", "--", "--stats"), "got 'g.elf' and '--stats'");
}

/* "-vv" (verbose, as many tools spell it) is unknown: the message must name it, not "run". */
static void test_unknown_option_in_cluster_named(void **state)
{
	(void)state;
	assert_parse_fails(ARGV("run", "-vv"), "'-v");
}

/*
 * cli.h says parsing is pure: one call must not change what the next call returns.  Stopping
 * inside "-hc2" (at -h) must not leave "c2" to be parsed from the next, unrelated argv.
 */
static void test_parse_does_not_carry_state(void **state)
{
	struct run_opts o;
	int ret;

	(void)state;
	assert_int_equal(parse(&o, ARGV("run", "-hc2")), 1);
	ret = parse(&o, ARGV("run"));
	if (ret != 0 || o.nr_vcpus != 1)
		fail_msg("'run' after 'run -hc2' gave %d and %d vCPUs: the rest of the earlier "
			 "\"-hc2\" was parsed again",
			 ret, o.nr_vcpus);

	assert_int_equal(parse(&o, ARGV("run", "-xh")), -EINVAL);
	err__clear();
	ret = parse(&o, ARGV("run", "--stats"));
	if (ret != 0 || o.stats != 1)
		fail_msg("'run --stats' after 'run -xh' gave %d (%s): the rest of the earlier "
			 "\"-xh\" was parsed again",
			 ret, err__msg(ret));
}

/*
 * The built-in kernel's programs are checked before it boots: a name it lacks, with the
 * nearest one and the list; the kernel's name=value options, paths and a GUEST's own
 * command lines go through.
 */
static void test_guest_cmd_programs(void **state)
{
	struct run_opts o;

	(void)state;
	assert_parse_fails(ARGV("run", "--guest-cmd", "helo"), "no program 'helo'");
	assert_msg("did you mean 'hello'?");
	assert_msg("hello files syscalls tsx");
	assert_parse_fails(ARGV("run", "--guest-cmd", "hz=10 tsx; hello & spinn 1"),
			   "no program 'spinn' (did you mean 'spin'?)");
	assert_parse_fails(ARGV("run", "--guest-cmd", "xyzzy"), "no program 'xyzzy'; its programs");
	assert_int_equal(parse(&o, ARGV("run", "--guest-cmd", "hz=10 tsx auto 2 400; hello &")), 0);
	assert_int_equal(parse(&o, ARGV("run", "--guest-cmd", "/bin/hello")), 0);
	assert_int_equal(parse(&o, ARGV("run", "--guest-cmd", "anything", "guest.elf")), 0);
}

/*
 * The help, getopt's table and the parsers come from one table: every option the help
 * shows is one the parser knows (given a value when the help names one), and the help
 * shows as many options as the parser takes.
 */
static void test_help_and_parser_agree(void **state)
{
	char *buf = NULL, *line, *save = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int shown = 0;

	(void)state;
	assert_non_null(f);
	cli__run_usage(f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64], arg[64] = "", opt[80];
		struct run_opts o;

		if (sscanf(line, "  -%*c, --%63[a-z0-9-] %63s", name, arg) < 1 &&
		    sscanf(line, "      --%63[a-z0-9-] %63s", name, arg) < 1)
			continue;
		if (!strcmp(name, "help"))
			continue;
		shown++;
		err__clear();
		/* "1": a value for an option that takes one, the GUEST for one that does not */
		snprintf(opt, sizeof(opt), "--%s", name);
		parse(&o, ARGV("run", opt, "1"));
		assert_null(strstr(err__last(), "unknown option"));
		assert_null(strstr(err__last(), "missing value"));
	}
	free(buf);
	assert_true(shown >= 35); /* every option of `vmscope run`, --help aside */
}

#define T(fn) cmocka_unit_test_setup(fn, getopt_forget)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_long_options),
		T(test_short_options),
		T(test_attached_values),
		T(test_modes_and_rings),
		T(test_help),
		T(test_guest_positional),
		T(test_bad_mem),
		T(test_bad_vcpus),
		T(test_bad_timeout),
		T(test_bad_ring),
		T(test_ring3_needs_long_mode),
		T(test_bad_mode_and_numbers),
		T(test_unknown_option),
		T(test_missing_value),
		T(test_kernel_probes),
		T(test_two_guests),
		T(test_options_after_guest),
		T(test_unknown_option_in_cluster_named),
		T(test_parse_does_not_carry_state),
		T(test_guest_cmd_programs),
		T(test_help_and_parser_agree),
	};

	/* It would make getopt stop at the first operand, against what these tests expect. */
	unsetenv("POSIXLY_CORRECT");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
