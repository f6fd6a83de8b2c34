import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/** Lowest `priority` first, catalog order on ties. Exhausted candidates are skipped by the router. */
export const priority: Strategy = (candidates) => [...candidates].sort(byPriorityThenIndex);
