/**
 * The routes of the AWS `api` function, in API Gateway's words (`{id}` is a path parameter). The
 * one table both sides read: serverless/stack.ts declares an HTTP API route for each (so API
 * Gateway sends nothing else to the function), and the function's router dispatches by it. No
 * imports, so that packaging the stack reads it without loading the function.
 */
export const API_ROUTES = [
  { name: 'list', method: 'GET', path: '/api/runs' },
  { name: 'show', method: 'GET', path: '/api/runs/{id}' },
  { name: 'approve', method: 'POST', path: '/api/runs/{id}/approve' },
  { name: 'reject', method: 'POST', path: '/api/runs/{id}/reject' },
  { name: 'retry', method: 'POST', path: '/api/runs/{id}/retry' },
  { name: 'cancel', method: 'POST', path: '/api/runs/{id}/cancel' },
  { name: 'redeploy', method: 'POST', path: '/api/runs/{id}/redeploy' },
  { name: 'pipelines', method: 'GET', path: '/api/pipelines' },
  { name: 'freeze', method: 'POST', path: '/api/pipelines/{name}/freeze' },
  { name: 'unfreeze', method: 'POST', path: '/api/pipelines/{name}/unfreeze' },
  { name: 'manual-run', method: 'POST', path: '/api/pipelines/{name}/runs' },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type ApiRouteName = ApiRoute['name'];
