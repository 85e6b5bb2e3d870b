import type { Extracted } from './indicator.extractor.ts';
/** Stub until written. */
export function extractBankAccounts(_folded: string, _text: string): Extracted[] { return []; }
