import { describe, expect, it } from '@jest/globals';
import { matchRoute } from '../../../../functions/api/router.ts';
import { API_ROUTES } from '../../../../functions/api/routes.ts';

describe('matchRoute', () => {
  it('matches the method and every segment, and decodes path parameters', () => {
    expect(matchRoute(API_ROUTES, 'GET', '/api/runs')).toEqual({ route: API_ROUTES[0], params: {} });
    expect(matchRoute(API_ROUTES, 'get', '/api/runs/766747SE')?.params).toEqual({ id: '766747SE' });
    expect(matchRoute(API_ROUTES, 'POST', '/api/runs/01JD%E2%80%A6Q7ZK/cancel')).toEqual({
      route: API_ROUTES.find((r) => r.name === 'cancel'),
      params: { id: '01JD…Q7ZK' },
    });
  });

  it('matches nothing for another method, a longer path or broken percent-encoding', () => {
    expect(matchRoute(API_ROUTES, 'DELETE', '/api/runs/766747SE')).toBeUndefined();
    expect(matchRoute(API_ROUTES, 'GET', '/api/runs/766747SE/approve')).toBeUndefined();
    expect(matchRoute(API_ROUTES, 'POST', '/api/runs/a/b/approve')).toBeUndefined();
    expect(matchRoute(API_ROUTES, 'GET', '/api/runs/%E2%80')).toBeUndefined();
  });
});
