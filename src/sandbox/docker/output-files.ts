import type { Container } from 'dockerode';
import tar from 'tar-stream';
import { locateInVolume } from '../container-path.ts';
import { outputFileErrors, type FileKind } from '../safe-read.ts';
import type { OutputFile } from '../sandbox.ts';
import { daemonMessage, statusOf } from './docker-client.ts';
import type { RunPlan } from './run-plan.ts';

// Go's os.FileMode type bits, as `X-Docker-Container-Path-Stat` reports them.
const GO_MODE = {
  dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, pipe: 2 ** 25, socket: 2 ** 24, charDevice: 2 ** 21, irregular: 2 ** 19,
};

interface PathStat {
  name: string;
  size: number;
  mode: number;
}

function kindOf(mode: number): FileKind {
  const has = (bit: number): boolean => Math.floor(mode / bit) % 2 === 1;
  if (has(GO_MODE.dir)) return 'directory';
  if (has(GO_MODE.symlink)) return 'symlink';
  if (has(GO_MODE.pipe)) return 'fifo';
  if (has(GO_MODE.socket)) return 'socket';
  if (has(GO_MODE.device) || has(GO_MODE.charDevice)) return 'device';
  if (has(GO_MODE.irregular)) return 'other';
  return 'file';
}

/**
 * `HEAD /containers/{id}/archive`: the daemon's lstat of `path` (the last component is not
 * followed), or undefined when it does not exist.
 */
async function statPath(container: Container, path: string): Promise<PathStat | undefined> {
  let response: { headers?: Record<string, string | string[] | undefined>; resume?: () => void };
  try {
    response = (await container.infoArchive({ path })) as typeof response;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  // dockerode hands back the raw response; until it is read, its (keep-alive) socket stays busy
  // and holds the process open until the daemon drops the idle connection minutes later.
  response.resume?.();
  const header = response.headers?.['x-docker-container-path-stat'];
  if (typeof header !== 'string') throw new Error(`the Docker daemon sent no stat for ${path}`);
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

/** The data of the first (only) entry of `GET /containers/{id}/archive`, if it is a regular file of at most `capBytes`. */
async function readArchivedFile(container: Container, path: string, capBytes: number): Promise<Buffer | undefined> {
  const stream = await container.getArchive({ path });
  const extract = tar.extract();
  try {
    stream.pipe(extract);
    for await (const entry of extract as unknown as AsyncIterable<AsyncIterable<Buffer> & { header: tar.Header }>) {
      if (entry.header.type !== 'file' || (entry.header.size ?? 0) > capBytes) return undefined;
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of entry) {
        chunks.push(chunk);
        length += chunk.length;
        if (length > capBytes) return undefined;
      }
      return Buffer.concat(chunks);
    }
    return undefined;
  } finally {
    // A refused entry may be big: drop the connection rather than read the rest.
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    extract.destroy();
  }
}

/**
 * Reads output file `relative` of the volume the keeper holds at `volumePath`, with the rules and
 * messages of `safeReadFile`: every component below the volume is inspected (lstat, through the
 * Engine API) before the next is looked up, so a symbolic link anywhere is refused instead of
 * followed; only a regular file up to `capBytes` is fetched, so a FIFO is never opened and a 2 GB
 * sparse file is refused from its size. Call it only once the grader is gone, so nothing moves.
 */
export async function readOutputFile(keeper: Container, volumePath: string, relative: string, displayPath: string, capBytes: number): Promise<OutputFile> {
  const fail = (error: string): OutputFile => ({ ok: false, missing: false, error: `${displayPath}: ${error}` });
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) return fail(outputFileErrors.notAPath);
  let stat: PathStat | undefined;
  for (let i = 0; i < parts.length; i++) {
    stat = await statPath(keeper, `${volumePath}/${parts.slice(0, i + 1).join('/')}`);
    if (stat === undefined) return { ok: false, missing: true, error: `${displayPath}: ${outputFileErrors.missing}` };
    const kind = kindOf(stat.mode);
    if (i < parts.length - 1 && kind !== 'directory') return fail(outputFileErrors.parentNotDirectory(`/${parts.slice(0, i + 1).join('/')}`, kind));
    if (i === parts.length - 1 && kind !== 'file') return fail(outputFileErrors.notRegular(kind));
  }
  if (stat === undefined) return fail(outputFileErrors.notAPath);
  if (stat.size > capBytes) return fail(outputFileErrors.tooLarge(stat.size, capBytes));
  const data = await readArchivedFile(keeper, `${volumePath}/${parts.join('/')}`, capBytes);
  return data === undefined ? fail('changed while being read') : { ok: true, data };
}

/** Reads output `path` of a finished run through its keeper, with the rules of `safe-read`; a path outside the volumes is an error. */
export async function readOutput(keeper: Container, plan: RunPlan, path: string, capBytes: number): Promise<OutputFile> {
  let located;
  try {
    located = locateInVolume(path, plan.ordered);
  } catch (error) {
    return { ok: false, missing: false, error: (error as Error).message };
  }
  const volume = plan.volumes.find((v) => v.source === 'spec' && v.index === located?.volume.index);
  if (located === undefined || volume === undefined) {
    return { ok: false, missing: false, error: `${path}: not inside a volume; outputs must be written to a volume` };
  }
  try {
    return await readOutputFile(keeper, volume.keeperPath, located.relative, path, capBytes);
  } catch (error) {
    return { ok: false, missing: false, error: `${path}: cannot read: ${daemonMessage(error)}` };
  }
}
