import type { FileHandle } from 'node:fs/promises';

/** A run of whole lines read from a file; only the file's last chunk may end without a newline. */
export interface FileChunk {
  /** Byte offset of `data[0]` in the file. */
  readonly offset: number;
  readonly data: Buffer;
  /** The chunk reaches the end of the file. */
  readonly eof: boolean;
}

/**
 * Reads about `size` bytes at `offset` and cuts them after the last newline, so the next chunk
 * starts at a line start (the cut bytes are read again with it). A line longer than `size` doubles
 * the read until it fits.
 */
export async function readChunk(handle: FileHandle, offset: number, size: number): Promise<FileChunk> {
  for (let length = Math.max(1, size); ; length *= 2) {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < length) return { offset, data: buffer.subarray(0, filled), eof: true };
    const lastNewline = buffer.lastIndexOf(10);
    if (lastNewline >= 0) return { offset, data: buffer.subarray(0, lastNewline + 1), eof: false };
  }
}
