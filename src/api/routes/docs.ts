import { apiRoute } from '../deps.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Inline `code` spans of the summaries, the only markup they use. */
const withCode = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  responses?: Record<string, unknown>;
}

/**
 * A page for humans, rendered here from the OpenAPI document itself. Nothing is fetched at run time
 * (no CDN viewer): the page is self-contained, and its CSP says so.
 */
function renderDocsPage(document: Record<string, unknown>): string {
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const rows = Object.entries(paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const credentials = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
        const statuses = Object.keys(operation.responses ?? {}).filter((code) => code.startsWith('2'));
        const description = operation.description
          ? `<br><small>${withCode(operation.description)}</small>`
          : '';
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td>
<td>${withCode(operation.summary ?? '')}${description}</td><td>${credentials.join(' or ') || 'none'}</td>
<td>${statuses.join(', ')}</td></tr>`;
      }),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Armory API</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eee}</style></head>
<body><h1>Armory API</h1>
<p>Credentials are the security schemes of the document. The full description, with every request schema, is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Errors: 422 <code>{"detail": [...]}</code>, 401/403 <code>{"auth_success", "error_code", "desc"}</code>,
otherwise <code>{"error_code", "desc"}</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>credential</th><th>success</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

/**
 * `GET /openapi.json` and `GET /docs`: open to everyone, like the API they describe. `document` is
 * the OpenAPI document of every route, these two included.
 */
export function docsRoutes(document: () => Record<string, unknown>) {
  let page: string | undefined;
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
    apiRoute({
      method: 'get',
      path: '/docs',
      tag: 'docs',
      summary: 'This document as a page for humans',
      credentials: [],
      errors: [],
      responses: { 200: { description: 'An HTML page.', contentType: 'text/html' } },
      handle: ({ res }) => {
        page ??= renderDocsPage(document());
        res
          .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
          .type('html')
          .send(page);
      },
    }),
  ];
}
