/** The folders a slash-separated relative path sits in, outermost first: `a/b/c` → `a`, `a/b`. */
export function parentFolders(path: string): string[] {
  const segments = path.split('/');
  const folders: string[] = [];
  for (let i = 1; i < segments.length; i++) folders.push(segments.slice(0, i).join('/'));
  return folders;
}
