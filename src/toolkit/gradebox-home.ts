import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where gradebox keeps its image store and sandbox state: $GRADEBOX_HOME, else
 * $XDG_DATA_HOME/gradebox, else ~/.local/share/gradebox.
 */
export function gradeboxHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GRADEBOX_HOME) return env.GRADEBOX_HOME;
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'gradebox');
}

export function imageStoreDir(home: string): string {
  return join(home, 'images');
}

export function sandboxStateDir(home: string): string {
  return join(home, 'sandbox');
}
