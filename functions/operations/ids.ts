// Time-sortable identifiers (ULID), so listings come out in creation order.

import { monotonicFactory } from 'ulid';
import { clock } from '../lib/clock';

const next = monotonicFactory();
export const newId = (): string => next(clock.nowMs());
