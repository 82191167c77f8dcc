/**
 * The /proc/meminfo a run sees: a machine whose memory is the run's own limit, all of it free,
 * and no swap. The host's real figures say how big the grading machine is, which is nobody's
 * business inside a run, and they mislead programs that size themselves from this file (build
 * tools picking a job count, `free`, test runners): the limit is what they can really use. The
 * figures do not move during the run; cgroup-aware runtimes (the JVM, .NET, Go) read the live
 * limit from /sys/fs/cgroup instead.
 */
export function meminfoText(memoryMiB: number): string {
  const kib = memoryMiB * 1024;
  const lines: [string, number][] = [
    ['MemTotal', kib], ['MemFree', kib], ['MemAvailable', kib], ['Buffers', 0], ['Cached', 0], ['SwapCached', 0],
    ['Active', 0], ['Inactive', 0], ['Active(anon)', 0], ['Inactive(anon)', 0], ['Active(file)', 0], ['Inactive(file)', 0],
    ['Unevictable', 0], ['Mlocked', 0], ['SwapTotal', 0], ['SwapFree', 0], ['Dirty', 0], ['Writeback', 0],
    ['AnonPages', 0], ['Mapped', 0], ['Shmem', 0], ['KReclaimable', 0], ['Slab', 0], ['SReclaimable', 0],
    ['SUnreclaim', 0], ['KernelStack', 0], ['PageTables', 0], ['CommitLimit', kib], ['Committed_AS', 0],
    ['VmallocTotal', 0], ['VmallocUsed', 0], ['VmallocChunk', 0], ['HugePages_Total', 0], ['HugePages_Free', 0],
    ['HugePages_Rsvd', 0], ['HugePages_Surp', 0], ['Hugepagesize', 2048],
  ];
  return lines.map(([key, value]) => (key.startsWith('HugePages_') ? `${`${key}:`.padEnd(16)}${String(value).padStart(8)}\n` : `${`${key}:`.padEnd(16)}${String(value).padStart(8)} kB\n`)).join('');
}
