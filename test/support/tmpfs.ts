// A real small file system for full-disk tests: a tmpfs of a given size, mounted on a fresh temp
// directory and filled until it refuses another byte (ENOSPC, for root too: tmpfs keeps no blocks
// in reserve). Mounting needs root with CAP_SYS_ADMIN, as CI has; elsewhere tmpfs() says null.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (mount's syntax: `1m`) at a new directory; null when this process may not mount. */
export function tmpfs(size: string): Tmpfs | null {
  const dir = mkdtempSync(join(tmpdir(), 'vo-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true });
    return null;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tmpfs a test needs: a test that cannot have one fails saying why (it is never skipped). */
export function mounted(disk: Tmpfs | null, purpose: string): Tmpfs {
  if (disk === null) throw new Error(`${purpose} needs a real tmpfs: run the tests as root with CAP_SYS_ADMIN, as .ci/run and CI do`);
  return disk;
}

/** Writes to `path` until the file system refuses another byte. */
export function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 16, 1]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
