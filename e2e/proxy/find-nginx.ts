import { spawnSync } from 'node:child_process';

/** What a spec or the bench says when it skips the reverse-proxy runs. */
export const NGINX_MISSING = 'nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx), or set NGINX_BIN to its path';

// Debian installs nginx in /usr/sbin, which is not on an unprivileged user's PATH.
const CANDIDATES = ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx'];

/** The nginx binary that runs (`NGINX_BIN` first, then PATH and the sbin directories), or `null` when there is none. */
export function findNginx(): string | null {
  const candidates = [process.env['NGINX_BIN'], ...CANDIDATES].filter((candidate): candidate is string => !!candidate);
  return candidates.find((candidate) => spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) ?? null;
}
