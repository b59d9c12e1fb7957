import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Route, RouteResult } from './http-server.ts';

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'stages.js': 'text/javascript; charset=utf-8',
  'gate.js': 'text/javascript; charset=utf-8',
  'run-actions.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

async function asset(name: string): Promise<RouteResult> {
  const contentType = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!contentType) return { statusCode: 404, json: { error: `no dashboard file ${name}` } };
  const text = await readFile(fileURLToPath(new URL(`./dashboard/${name}`, import.meta.url)), 'utf8');
  return { statusCode: 200, text, contentType, headers: { 'cache-control': 'no-cache' } };
}

/**
 * The dashboard: a static page over the JSON API, served at `/` (the runs) and `/runs/:id` (one
 * run), with its scripts (ES modules) and style under `/dashboard/`. Only the files listed here
 * are served. The run page's buttons post to the operation routes (shared/local/operation-routes.ts).
 */
export function dashboardRoutes(): Route[] {
  return [
    { method: 'GET', path: '/', handle: () => asset('index.html') },
    { method: 'GET', path: '/runs/:id', handle: () => asset('index.html') },
    { method: 'GET', path: '/dashboard/:file', handle: ({ params }) => asset(params.file ?? '') },
  ];
}
