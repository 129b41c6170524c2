// SPDX-License-Identifier: GPL-2.0
/* A VM made ready for this host with the host layer's results (host.h). */
#include "../core/hostfix.h"
#include "../core/step.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "host.h"

int host__setup(struct vm *vm, unsigned int fixups)
{
	struct hostcheck hc;
	int ret;

	if (fixups == HOSTFIX_AUTO) {
		ret = hostcheck__get(&hc);
		if (ret)
			return err__wrap(ret, "cannot tell which fixups this host needs "
					      "(choose with --fixups)");
		fixups = hostcheck__fixups(&hc);
	}
	ret = hostfix__install(vm, fixups);
	return ret ? ret : step__install(vm);
}

void host__breakpoints(struct vm *vm)
{
	vm->hw_bp_fire = debug__hw_breakpoints(NULL, 0) == 1;
}
