// A small static file server (no dependencies) for dist/: used by the end-to-end tests (random
// free port) and by scripts/serve.sh.
//
//   node tests/e2e/static-server.js [ROOT=dist] [PORT=8080] [HOST=127.0.0.1] [PREFIX=/]
//
// PREFIX serves ROOT under a subpath (e.g. /some/sub/path/), as documentation sites host
// things: every other path answers 404, so an asset linked from the site's root is caught.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Serves the files under `root`.
 * @param {{root: string, port?: number, host?: string, prefix?: string}} options port 0 = a
 *   free port; prefix = the path ROOT is served under (default `/`)
 * @returns {Promise<{url: string, close: () => Promise<void>}>} url ends without the prefix
 */
export async function startServer({ root, port = 0, host = '127.0.0.1', prefix = '/' }) {
  const base = resolve(root);
  const mount = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const server = createServer(async (req, res) => {
    try {
      const { pathname: full } = new URL(req.url ?? '/', 'http://localhost');
      if (!`${full}/`.startsWith(mount)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${full} (outside ${mount})`);
        return;
      }
      if (mount !== '/' && `${full}/` === mount) {
        // As static hosts do: the directory without its slash redirects to it.
        res.writeHead(301, { location: mount }).end();
        return;
      }
      const pathname = `/${full.slice(mount.length)}`;
      let file = normalize(join(base, decodeURIComponent(pathname)));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') {
        res.end();
      } else {
        createReadStream(file).pipe(res);
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

// Command-line use.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root = 'dist', port = '8080', host = '127.0.0.1', prefix = '/'] = process.argv.slice(2);
  const { url } = await startServer({ root, port: Number(port), host, prefix });
  const mount = prefix.endsWith('/') ? prefix : `${prefix}/`;
  console.log(`serving ${resolve(root)} at ${url}${mount} (Ctrl-C to stop)`);
}
