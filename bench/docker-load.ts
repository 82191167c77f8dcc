import { createReadStream } from 'node:fs';
import Docker from 'dockerode';

/**
 * Loads a `docker save` tarball into the local daemon through the Engine API (no registry is
 * reachable, so nothing is pulled) and returns the image id, or undefined when no daemon answers.
 */
export async function dockerLoad(tarPath: string): Promise<string | undefined> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch {
    return undefined;
  }
  const stream = await docker.loadImage(createReadStream(tarPath), { quiet: true });
  const output = await new Promise<string>((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
  const id = /Loaded image(?: ID)?: (\S+)/.exec(output)?.[1];
  if (!id) throw new Error(`docker load gave no image: ${output}`);
  return id;
}
