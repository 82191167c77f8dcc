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
  // The daemon answers with JSON lines such as {"stream":"Loaded image: name:tag\n"}.
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const messages = lines.map((line) => (JSON.parse(line) as { stream?: string; error?: string }));
  const failure = messages.find((m) => m.error);
  if (failure) throw new Error(`docker load failed: ${failure.error}`);
  const id = messages.map((m) => /Loaded image(?: ID)?: (\S+)/.exec(m.stream ?? '')?.[1]).find(Boolean);
  if (!id) throw new Error(`docker load gave no image: ${output}`);
  return id;
}
