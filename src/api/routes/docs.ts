import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { apiRoute } from '../deps.js';

/** Redoc's self-contained browser bundle, from its npm package: served here, never from a CDN. */
const REDOC_BUNDLE_PATH = '/docs/redoc.standalone.js';
const redocBundle = () =>
  readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'));

/**
 * Everything the page may load comes from this server: the bundle, the document, its own styles
 * (styled-components writes them inline) and a search worker Redoc starts from a blob. An image
 * or font from elsewhere (Redoc's footer logo) is refused by the browser, never fetched. The
 * bundle compiles some validators with `new Function` (ajv), hence `'unsafe-eval'`: for its own
 * code, never for a script from elsewhere.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
].join('; ');

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Armory API</title>
<style>body { margin: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.json" expand-responses="200,202" path-in-middle-panel="true"></redoc>
<script src="${REDOC_BUNDLE_PATH}"></script>
</body>
</html>
`;

const docsPage = (path: '/docs' | '/', summary: string) =>
  apiRoute({
    method: 'get',
    path,
    tag: 'docs',
    summary,
    credentials: [],
    errors: [],
    responses: { 200: { description: 'An HTML page (Redoc).', contentType: 'text/html' } },
    handle: ({ res }) => {
      res.set('Content-Security-Policy', DOCS_CSP).type('html').send(DOCS_PAGE);
    },
  });

/**
 * `GET /openapi.json`, and the API reference built from it at `/docs` and `/`: open to everyone,
 * like the API they describe. `document` is the OpenAPI document of every route, these included.
 */
export function docsRoutes(document: () => Record<string, unknown>) {
  let bundle: Buffer | undefined;
  return [
    apiRoute({
      method: 'get',
      path: '/openapi.json',
      tag: 'docs',
      summary: 'This document (OpenAPI 3.1)',
      credentials: [],
      errors: [],
      responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
      handle: ({ res }) => {
        res.json(document());
      },
    }),
    docsPage('/docs', 'The API reference: every route with its schemas and examples'),
    docsPage('/', 'The API reference, as at /docs'),
    apiRoute({
      method: 'get',
      path: REDOC_BUNDLE_PATH,
      tag: 'docs',
      summary: "The reference page's script (Redoc, from its npm package)",
      credentials: [],
      errors: [],
      responses: { 200: { description: 'JavaScript.', contentType: 'text/javascript' } },
      handle: ({ res }) => {
        bundle ??= redocBundle();
        res.set('Cache-Control', 'public, max-age=86400').type('text/javascript').send(bundle);
      },
    }),
  ];
}
