/**
 * Whether process `pid` on this host exists. Signal 0 sends nothing and only checks; EPERM means
 * the process exists but belongs to another user, so it counts as alive. Used to tell what a dead
 * run left behind (a control socket, an LMDB working directory, a checkpoint directory's owner)
 * from what a running one still uses.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
