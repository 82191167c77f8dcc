/**
 * What gradebox places at /usr/share/codio in every `script` run: Codio's helper library (our own
 * implementation, assets/codio/assessments) and the reporting endpoint (busybox httpd and its
 * CGI, assets/codio/gradebox). busybox is the host's static one (Debian's busybox-static), so the
 * endpoint needs nothing from the image: a bash-and-curl image reports as well as a Python one.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SandboxError, type ListedFile, type ListedTree } from '../../sandbox/sandbox.ts';

/** Where the folder is mounted in the run, read-only and owned by the run's root. */
export const CODIO_DIR = '/usr/share/codio';
export const CODIO_BUSYBOX = `${CODIO_DIR}/gradebox/busybox`;
export const CODIO_RUN_SCRIPT = `${CODIO_DIR}/gradebox/run`;

const ASSETS = fileURLToPath(new URL('../../../assets/codio/', import.meta.url));
const HOST_BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'];

/** Paths under CODIO_DIR, their source under assets/codio, and whether they are programs. */
const FILES: readonly { path: string; executable?: boolean }[] = [
  { path: 'assessments/lib/__init__.py' },
  { path: 'assessments/lib/grade.py' },
  { path: 'gradebox/run' },
  { path: 'gradebox/httpd.conf' },
  { path: 'gradebox/www/cgi-bin/report', executable: true },
];

/** The listed tree of /usr/share/codio. Throws a SandboxError when busybox is missing. */
export async function codioTree(): Promise<ListedTree> {
  const files: ListedFile[] = await Promise.all(FILES.map(async ({ path, executable }) => {
    const source = `${ASSETS}${path}`;
    return { path, source, size: (await stat(source)).size, ...(executable ? { executable } : {}) };
  }));
  files.push({ path: 'gradebox/busybox', ...(await hostBusybox()), executable: true });
  return { files };
}

async function hostBusybox(): Promise<{ source: string; size: number }> {
  for (const source of HOST_BUSYBOX) {
    const found = await stat(source).catch(() => undefined);
    if (found?.isFile()) return { source, size: found.size };
  }
  throw new SandboxError(
    `script graders need a static busybox on this host (${HOST_BUSYBOX.join(' or ')}): it serves the run's reporting endpoint`,
    'install it: apt-get install busybox-static (scripts/setup.sh does)',
  );
}
