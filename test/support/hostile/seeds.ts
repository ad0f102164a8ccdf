// A fixed fast-check seed per property, derived from its name: reproducible runs, and fast-check
// prints the seed and the counterexample when one fails.
import { createHash } from 'node:crypto';

export const seedFor = (name: string) => createHash('sha256').update(name).digest().readInt32LE(0);
