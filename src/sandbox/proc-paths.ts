/**
 * The /proc and /sys paths every run gets masked or read-only, whichever the backend: one list
 * for the `oci` config and the docker backend's MaskedPaths and ReadonlyPaths.
 */

// runc's and Docker's defaults: kernel interfaces that leak host data or allow host-wide effects.
// /sys/devices/virtual/powercap is there for the RAPL energy side channel (CVE-2020-8694). Beyond
// those, what tells a run about the machine it is on: the kernel's boot line and the hardware's
// DMI names (vendor, product, serial number). /proc/meminfo is replaced rather than masked.
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/sched_debug', '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap',
  '/sys/firmware', '/proc/cmdline', '/sys/devices/virtual/dmi', '/sys/class/dmi',
];
/** runc's and Docker's default read-only paths: kernel knobs a run may read but not change. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
