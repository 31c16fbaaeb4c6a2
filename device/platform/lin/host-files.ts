/**
 * Small helpers over the SDK's `file` module (POSIX files on lin). The board's files live in the
 * working directory; `at()` gives their path (File.rename wants a folder in the source path).
 */
import { File } from 'file';

export const at = (name: string): string => `./${name}`;

export function readText(name: string): string | undefined {
  const path = at(name);
  if (!File.exists(path)) return undefined;
  const file = new File(path);
  try {
    return file.length === 0 ? '' : file.read(String);
  } finally {
    file.close();
  }
}

/** Replaces `path` atomically (temp file, then rename) with the first `bytes` characters of `text`; a torn write leaves the old file. */
export function replaceText(name: string, text: string, bytes = text.length): void {
  const path = at(name);
  const temp = `${path}.new`;
  if (File.exists(temp)) File.delete(temp);
  const file = new File(temp, true);
  try {
    file.write(text.slice(0, bytes));
  } finally {
    file.close();
  }
  if (bytes < text.length) return; // torn: the rename never happens
  if (!File.rename(temp, name)) throw new Error(`could not replace ${path}`);
}
