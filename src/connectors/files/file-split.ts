import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../core/errors.ts';
import type { SourceSplit } from '../../core/source.ts';

/**
 * One file to read, and how far: the byte offset of the next line and the number of lines before
 * it. The split id is the file's path.
 */
export interface FileSplit extends SourceSplit {
  readonly path: string;
  /** Byte offset of the next line to read. */
  readonly offset: number;
  /** Lines read before `offset`: the next line is line `line + 1`. */
  readonly line: number;
  /** CSV with a header line: the header's fields, once that line was read. */
  readonly header?: readonly string[] | undefined;
}

/**
 * The files under `path`, one split each: the path itself if it is a file, or every file below it if
 * it is a directory, recursively, in name order (by UTF-16 code units, not locale), skipping names
 * that start with `.` or `_` (hidden files, `_SUCCESS` markers), as Flink's file source does.
 */
export async function listFileSplits(path: string): Promise<FileSplit[]> {
  try {
    const info = await stat(path);
    const files = info.isDirectory() ? await listDirectory(path) : [path];
    return files.map((file) => ({ splitId: file, path: file, offset: 0, line: 0 }));
  } catch (error) {
    throw new WeirError('IO_ERROR', `cannot list files at "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function listDirectory(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const names = entries
    .filter((e) => !e.name.startsWith('.') && !e.name.startsWith('_'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of names) {
    const path = join(directory, entry.name);
    const isDirectory = entry.isSymbolicLink() ? (await stat(path)).isDirectory() : entry.isDirectory();
    if (isDirectory) files.push(...(await listDirectory(path)));
    else files.push(path);
  }
  return files;
}
