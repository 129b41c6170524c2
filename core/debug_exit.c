// SPDX-License-Identifier: GPL-2.0
/*
 * The debug-exit port (device.h): a 32-bit write to port 0xf4 ends the run with the low byte
 * of the value as its status, as QEMU's isa-debug-exit does.  No state.
 */
#include <string.h>

#include "../abi/layout.h"
#include "device.h"
#include "vcpu.h"
#include "vm.h"

static int debug_exit_pio(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
			  uint8_t *data)
{
	uint32_t status = 0;

	(void)opaque;
	if (!is_write) {
		memset(data, 0, size);
		return 0;
	}
	memcpy(&status, data, size);
	vm__request_stop(v->vm, status & 0xff, 0, "guest wrote %u to the debug-exit port 0x%x",
			 status, port);
	return 0;
}

static int debug_exit_init(struct device *dev)
{
	return device__claim_pio(dev, PORT_DEBUG_EXIT, 4, debug_exit_pio);
}

const struct device_ops debug_exit_device = {
	.name = "debug-exit",
	.init = debug_exit_init,
};
