/**
 * The host user and group ids that sandboxed runs use. Every run gets a user namespace whose ids
 * 0…65535 map to `base`…`base + 65535` on the host, so a grader's uid 1000 (or root) is an id no
 * host account has: a host user with the same number as the grader's in-container id cannot
 * signal its processes, read its files through /proc or rewrite its results, and root inside the
 * run is nobody outside it.
 *
 * The default base, 0x70000000, lies just above systemd's container range (0x80000…0x6FFFFFFF,
 * which systemd-nspawn allocates from) and below systemd's "foreign" range (0x7FFE0000), and far
 * above the ranges `useradd` hands out in /etc/subuid (100000 upwards). `GRADEBOX_ID_BASE` moves
 * it (a multiple of 65536 between 65536 and 0x7FFE0000 - 65536); image roots are unpacked with their
 * owners shifted by the base, so they are cached per base (see RootfsCache).
 */
export interface IdRange {
  /** The host id that id 0 inside a run maps to. */
  base: number;
  /** How many ids a run has: 0 … size - 1. */
  size: number;
}

export const ID_RANGE_SIZE = 65536;
export const DEFAULT_ID_BASE = 0x7000_0000;
const LOWEST_BASE = ID_RANGE_SIZE;
const HIGHEST_BASE = 0x7ffe_0000 - ID_RANGE_SIZE;
/** The id the kernel shows for ids outside a namespace's mapping (`/proc/sys/kernel/overflowuid`). */
export const OVERFLOW_ID = 65534;

/** Parses a `GRADEBOX_ID_BASE` value; throws a RangeError that says what is allowed. */
export function parseIdBase(text: string): number {
  const base = /^(0x[0-9a-f]+|[0-9]+)$/i.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(base) || base % ID_RANGE_SIZE !== 0 || base < LOWEST_BASE || base > HIGHEST_BASE) {
    throw new RangeError(
      `GRADEBOX_ID_BASE must be a multiple of 65536 from ${LOWEST_BASE} to ${HIGHEST_BASE} (0x${HIGHEST_BASE.toString(16)}), got ${JSON.stringify(text)}`,
    );
  }
  return base;
}

let cached: IdRange | undefined;
let cachedFrom: string | undefined;

/** The id range of this host's runs: `GRADEBOX_ID_BASE`, else the default. */
export function sandboxIdRange(): IdRange {
  const text = process.env.GRADEBOX_ID_BASE;
  if (cached !== undefined && text === cachedFrom) return cached;
  cachedFrom = text;
  cached = { base: text === undefined || text === '' ? DEFAULT_ID_BASE : parseIdBase(text), size: ID_RANGE_SIZE };
  return cached;
}

/**
 * The host id of in-run id `id`. Ids outside the range (an image file owned by uid 100000, say)
 * become the overflow id, as the kernel shows unmapped ids: they still belong to the range, so
 * no host account ever owns a file of the image.
 */
export function hostId(range: IdRange, id: number): number {
  return range.base + (Number.isInteger(id) && id >= 0 && id < range.size ? id : OVERFLOW_ID);
}

/** The in-run id of host id `id`, or undefined when it is outside the range. */
export function idInRun(range: IdRange, id: number): number | undefined {
  return id >= range.base && id < range.base + range.size ? id - range.base : undefined;
}
