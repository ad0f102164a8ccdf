// Identifiers and other values that reach keys, validated before they do: no key delimiter ('#'),
// bounded length, a small alphabet.

import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const id = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-64 letters, digits, '-' or '_', starting with a letter or digit`);

/** A user-chosen slug for apps, environments, environment types and custom roles: lower case. */
export const slug = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, `${what} must be 1-50 lower-case letters, digits or '-', not starting or ending with '-'`);

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be an e-mail address' }));

export const displayName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(100, `${what} must be at most 100 characters`)
    // Control characters, line separators and bidirectional overrides: a name is shown on one line, as written.
    .refine((s) => !/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(s), `${what} must not contain control, line-separator or bidirectional-override characters`);
