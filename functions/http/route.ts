// What a route is: method, path, the Lambda (group) that serves it, the permission it needs, and the
// schemas that validate it (the same schemas generate the OpenAPI document).

import type { z } from 'zod';
import type { Permission } from '../domain/permissions';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One Lambda function serves each group; its entry point is functions/http/<group>.ts. */
export const ROUTE_GROUPS = ['me', 'orgs', 'members', 'invitations', 'apps', 'teams', 'roles', 'authorize', 'meta', 'inviteLink'] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  path: string;
  group: RouteGroup;
  operationId: string;
  summary: string;
  /** 'user': a verified token is required; 'none': public (invitation preview, OpenAPI, invite page). */
  auth: 'user' | 'none';
  /**
   * The permission the route needs in the org named by {orgId}. With `check: 'route'` the shared
   * stack decides it from the path's ids before the operation runs; with `check: 'operation'` the
   * operation decides it, because it needs facts only it reads (an environment's type, say).
   */
  permission?: { action: Permission | 'env.create' | 'app.delete'; check: 'route' | 'operation' };
  params?: P;
  query?: Q;
  body?: B;
  /** Successful status code. */
  status?: number;
  /** Responses other than JSON (the invite page). */
  produces?: 'application/json' | 'text/html';
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>) => spec;

export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** The entry point of each group's Lambda, relative to the project root. */
export const GROUP_ENTRY: Record<RouteGroup, string> = {
  me: 'functions/http/me.ts',
  orgs: 'functions/http/orgs.ts',
  members: 'functions/http/members.ts',
  invitations: 'functions/http/invitations.ts',
  apps: 'functions/http/apps.ts',
  teams: 'functions/http/teams.ts',
  roles: 'functions/http/roles.ts',
  authorize: 'functions/http/authorize.ts',
  meta: 'functions/http/meta.ts',
  inviteLink: 'functions/invite-link/handler.ts',
};
