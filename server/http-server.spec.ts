import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

import { createHttpServer } from './http-server';
import { createTestApp, type TestApp } from './test-app';

/** What came back on a raw connection: the bytes read, and whether the server closed it. */
interface Exchange {
  readonly text: string;
  readonly closed: boolean;
  /** How many body bytes the client had written when the answer arrived. */
  readonly sentBeforeAnswer: number;
}

describe('createHttpServer', () => {
  let testApp: TestApp;
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];

  async function start(env: Record<string, string> = {}): Promise<void> {
    testApp = await createTestApp({ env });
    server = createHttpServer(testApp.app, testApp.config).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }

  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.destroy());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await testApp.close();
  });

  /**
   * Writes `head`, then keeps writing body chunks from `chunks()` every `everyMs` until the server answers or closes,
   * and reads what it sends back (for at most `waitMs`).
   */
  function exchange(head: string, chunk: string | null, everyMs: number, waitMs = 15_000): Promise<Exchange> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      let text = '';
      let sent = 0;
      let sentBeforeAnswer = -1;
      let timer: NodeJS.Timeout | undefined;
      const finish = (closed: boolean) => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve({ text, closed, sentBeforeAnswer });
      };
      const deadline = setTimeout(() => finish(false), waitMs);
      socket.on('data', (data) => {
        if (sentBeforeAnswer < 0 && /^HTTP\/1\.1 [2-5]\d\d/m.test(text + data.toString())) sentBeforeAnswer = sent;
        text += data.toString();
      });
      socket.on('close', () => finish(true));
      socket.on('error', () => undefined);
      socket.write(head);
      if (chunk !== null) {
        timer = setInterval(() => {
          if (!socket.writable) return;
          socket.write(chunk);
          sent += chunk.length;
        }, everyMs);
      }
    });
  }

  const signInHead = (headers: string) =>
    `POST /authorization/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${headers}\r\n`;

  describe('when a body declares a length far past the 10 kB limit', () => {
    it('answers 413 before reading it, and closes the connection', async () => {
      await start();

      const result = await exchange(signInHead('Content-Length: 1000000000000\r\n'), 'x'.repeat(64 * 1024), 5);

      expect(result.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(result.text).toContain('"error":"invalid_request"');
      expect(result.closed).toBeTrue();
      expect(result.sentBeforeAnswer).toBeLessThan(10 * 1024 * 1024);
    });
  });

  describe('when a chunked body goes on without end', () => {
    it('answers 413 once it passes the limit, and closes the connection', async () => {
      await start();
      const chunk = `${(4096).toString(16)}\r\n${'x'.repeat(4096)}\r\n`;

      const result = await exchange(signInHead('Transfer-Encoding: chunked\r\n'), chunk, 2);

      expect(result.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(result.closed).toBeTrue();
      expect(result.sentBeforeAnswer).toBeLessThan(10 * 1024 * 1024);
    });
  });

  describe('when a body trickles in one byte at a time', () => {
    it('gives up after REQUEST_TIMEOUT_SECONDS and closes the connection', async () => {
      await start({ REQUEST_TIMEOUT_SECONDS: '1' });

      const result = await exchange(signInHead('Content-Length: 5000\r\n'), ' ', 200, 12_000);

      expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
      expect(result.closed).toBeTrue();
    }, 15_000);
  });

  describe('when a client sends Expect: 100-continue', () => {
    it('answers 413 without "100 Continue" for a body past the limit', async () => {
      await start();

      const result = await exchange(signInHead('Content-Length: 10000000\r\nExpect: 100-continue\r\n'), null, 0, 5_000);

      expect(result.text).not.toContain('100 Continue');
      expect(result.text).toMatch(/^HTTP\/1\.1 413 /);
    });

    it('sends "100 Continue" for a body within the limit, then reads it', async () => {
      await start();
      const body = JSON.stringify({ userName: 'demo', password: 'demo-password' });

      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.write(signInHead(`Content-Length: ${body.length}\r\nExpect: 100-continue\r\n`));
      const [interim] = (await once(socket, 'data')) as [Buffer];
      socket.write(body);
      const [final] = (await once(socket, 'data')) as [Buffer];

      expect(interim.toString()).toMatch(/^HTTP\/1\.1 100 Continue/);
      expect(final.toString()).toMatch(/^HTTP\/1\.1 200 /);
    });
  });
});
