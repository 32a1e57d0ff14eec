import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NGINX_MISSING, findNginx } from './find-nginx';
import { CertificateFiles, createSelfSignedCertificate } from './self-signed-certificate';

/** The configuration docs/several-instances.md shows; the proxy runs it as it is, but for its addresses and certificate. */
export const NGINX_CONFIG = join(__dirname, '../../deploy/nginx/token-server.conf');

/** nginx running in front of token servers; `stop()` ends it and deletes its files. */
export interface ReverseProxy {
  /** `https://127.0.0.1:<port>`: HTTP/2 over TLS, with a self-signed certificate for 127.0.0.1 and localhost. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * For e2e and bench: runs nginx with NGINX_CONFIG on a free 127.0.0.1 port, passing to `upstreams` (token server
 * URLs, started with TRUST_PROXY=1; several share sessions only through DATABASE_URL). Resolves once /healthz
 * answers through it; throws NGINX_MISSING where nginx is not installed.
 */
export async function startReverseProxy(upstreams: readonly string[]): Promise<ReverseProxy> {
  const nginx = findNginx();
  if (!nginx) {
    throw new Error(NGINX_MISSING);
  }
  const dir = mkdtempSync(join(tmpdir(), 'atr-nginx-'));
  // Started by root, nginx runs its workers as nobody, who must reach the temporary directories in here.
  chmodSync(dir, 0o755);
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && running(child)) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const certificate = createSelfSignedCertificate(dir);
    writeFileSync(join(dir, 'token-server.conf'), serverConfig(port, upstreams, certificate));
    writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));

    const settings = `daemon off; pid ${join(dir, 'nginx.pid')}; error_log stderr;`;
    // -e: the log for what nginx says before it has read the configuration, instead of /var/log/nginx.
    child = spawn(nginx, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', settings], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    const url = `https://127.0.0.1:${port}`;
    await waitForHealth(url, readFileSync(certificate.certificate), child, () => output);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// NGINX_CONFIG with this machine's addresses and certificate in place of the example's.
function serverConfig(port: number, upstreams: readonly string[], certificate: CertificateFiles): string {
  const servers = upstreams.map((upstream) => `    server ${new URL(upstream).host};\n`).join('');
  return [
    ['    server 10.0.0.11:7000;\n', servers],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`],
    ['/etc/ssl/certs/auth.example.com.pem', certificate.certificate],
    ['/etc/ssl/private/auth.example.com.key', certificate.key],
  ].reduce((text, [from, to]) => replaceOnce(text, from, to), readFileSync(NGINX_CONFIG, 'utf8'));
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) {
    throw new Error(`${NGINX_CONFIG} no longer holds "${from.trim()}" exactly once; the proxy harness replaces it`);
  }
  return text.replace(from, () => to);
}

// What an nginx.conf holds around the conf.d include, with every file nginx writes kept in `dir`.
function mainConfig(dir: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`);
  return [
    'worker_processes 1;',
    // As Debian's nginx.conf has it. Each stream in flight holds a connection to an instance: 256 per browser.
    'events {',
    '    worker_connections 768;',
    '}',
    'http {',
    '    access_log off;',
    ...temp,
    `    include ${join(dir, 'token-server.conf')};`,
    '}',
    '',
  ].join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHealth(url: string, ca: Buffer, nginx: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 50 && running(nginx); attempt++) {
    const status = await new Promise<number>((resolve) => {
      get(`${url}/healthz`, { ca }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', () => resolve(0));
    });
    if (status === 200) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx at ${url} never answered /healthz:\n${output()}`);
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
