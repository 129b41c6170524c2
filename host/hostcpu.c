// SPDX-License-Identifier: GPL-2.0
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "host.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_HV_BASE 0x40000000u

void hostcpu__signature(char sig[13])
{
	uint32_t a, b, c, d;

	memset(sig, 0, 13);
	__cpuid(1, a, b, c, d);
	if (!(c & CPUID_1_ECX_HYPERVISOR))
		return;
	__cpuid(CPUID_HV_BASE, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
}

bool hostcpu__is_tcg(void)
{
	char sig[13];

	hostcpu__signature(sig);
	return !strcmp(sig, "TCGTCGTCGTCG");
}
