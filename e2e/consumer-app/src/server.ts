import { AngularNodeAppEngine, createNodeRequestHandler, isMainModule, writeResponseToNodeResponse } from '@angular/ssr/node';
import express from 'express';
import { join } from 'node:path';

// Renders the app on the server and sends /api and /authorization on to the token server (API_ORIGIN), so the
// browser sees one origin, as behind a reverse proxy.
const app = express();
const angularApp = new AngularNodeAppEngine();
const apiOrigin = process.env['API_ORIGIN'] ?? 'http://127.0.0.1:7000';

app.use(['/api', '/authorization'], express.raw({ type: () => true }), async (req, res) => {
  const headers = new Headers();
  for (const name of ['authorization', 'content-type', 'accept']) {
    const value = req.headers[name];
    if (typeof value === 'string') {
      headers.set(name, value);
    }
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const answer = await fetch(apiOrigin + req.originalUrl, { method: req.method, headers, body: hasBody ? req.body : undefined });
  res.status(answer.status);
  answer.headers.forEach((value, name) => name !== 'content-encoding' && name !== 'content-length' && res.setHeader(name, value));
  res.send(Buffer.from(await answer.arrayBuffer()));
});

app.use(express.static(join(import.meta.dirname, '../browser'), { maxAge: '1y', index: false, redirect: false }));

app.use((req, res, next) => {
  angularApp
    .handle(req)
    .then((response) => (response ? writeResponseToNodeResponse(response, res) : next()))
    .catch(next);
});

if (isMainModule(import.meta.url) || process.env['pm_id']) {
  const port = Number(process.env['PORT'] ?? 4000);
  const server = app.listen(port, '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}`),
  );
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

export const reqHandler = createNodeRequestHandler(app);
