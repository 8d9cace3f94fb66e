// A loopback Sentry for the browser suite: takes envelopes at /api/PROJECT/envelope/ (the key
// in the query string or the X-Sentry-Auth header, gzip or not), answers CORS preflights as
// sentry.io does, and keeps each envelope by project, parsed into its header and items. It also
// serves the test page (`pages`, path -> [content type, body]), so the page is on a loopback
// origin like the provider server (Chromium keeps public pages from calling loopback ones).
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** An envelope's lines: header, then each item's header and payload (by `length` when given). */
export function parseEnvelope(buffer) {
  const items = [];
  let at = buffer.indexOf(10);
  const header = JSON.parse(buffer.subarray(0, at === -1 ? buffer.length : at).toString());
  while (at !== -1 && at + 1 < buffer.length) {
    const start = at + 1;
    const end = buffer.indexOf(10, start);
    const itemHeader = JSON.parse(buffer.subarray(start, end === -1 ? buffer.length : end).toString());
    const from = end + 1;
    const to = typeof itemHeader.length === 'number' ? from + itemHeader.length : buffer.indexOf(10, from) === -1 ? buffer.length : buffer.indexOf(10, from);
    items.push({ header: itemHeader, payload: JSON.parse(buffer.subarray(from, to).toString()) });
    at = to < buffer.length ? to : -1;
  }
  return { header, items };
}

export async function startSentrySink() {
  const received = []; // { project, url, envelope }
  const answers = []; // queued { status, headers } for the next envelopes
  const pages = new Map();
  const others = []; // { url, headers, body } of other POSTs
  const server = createServer((request, response) => {
    if (request.method === 'GET' && pages.has(request.url)) {
      const [type, body] = pages.get(request.url);
      response.writeHead(200, { 'Content-Type': type });
      response.end(body);
      return;
    }
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'x-sentry-rate-limits, retry-after',
    };
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': request.headers['access-control-request-headers'] || '*' });
      response.end();
      return;
    }
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const match = /^\/api\/(\d+)\/envelope\//.exec(request.url);
      if (!match) {
        // Anything else posted (OTLP/HTTP JSON at /v1/traces, Spotlight's /stream) is kept as is.
        others.push({ url: request.url, headers: request.headers, body: body.toString() });
        response.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
        response.end('{}');
        return;
      }
      received.push({ project: match[1], url: request.url, headers: request.headers, envelope: parseEnvelope(body) });
      const answer = answers.shift() || { status: 200, headers: {} };
      response.writeHead(answer.status, { ...cors, ...answer.headers, 'Content-Type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    received,
    answers,
    pages,
    others,
    origin: `http://127.0.0.1:${port}`,
    dsn: (project) => `http://publickey@127.0.0.1:${port}/${project}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
