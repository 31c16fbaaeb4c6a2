/** Small helpers over the SDK's `file` module (POSIX files on lin, relative to the working directory). */
import { File } from 'file';

export function readText(path: string): string | undefined {
  if (!File.exists(path)) return undefined;
  const file = new File(path);
  try {
    return file.length === 0 ? '' : file.read(String);
  } finally {
    file.close();
  }
}

/** Replaces `path` atomically (temp file, then rename) with the first `bytes` characters of `text`; a torn write leaves the old file. */
export function replaceText(path: string, text: string, bytes = text.length): void {
  const temp = `${path}.new`;
  if (File.exists(temp)) File.delete(temp);
  const file = new File(temp, true);
  try {
    file.write(text.slice(0, bytes));
  } finally {
    file.close();
  }
  if (bytes < text.length) return; // torn: the rename never happens
  if (!File.rename(temp, path)) throw new Error(`could not replace ${path}`);
}
