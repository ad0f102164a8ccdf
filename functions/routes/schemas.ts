// Schemas shared by several routes.

import { z } from 'zod';
import { id } from '../domain/ids';

export const orgParams = z.object({ orgId: id('orgId') });
export const memberParams = orgParams.extend({ userId: id('userId') });
export const pageQuery = z.object({
  cursor: z.string().max(1024).optional(),
});
export const orgRole = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a role id such as Member, Manager or Administrator');
