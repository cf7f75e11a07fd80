/**
 * What a step asks for before it runs, as src/actions/gate.ts decides it on the server: the page only
 * says it in advance (the server's gate has the last word).
 */

const CONFIRM_WORD = 'confirm';

/** expectedConfirmation is what a responder types to confirm a step: its id, else "confirm". */
export const expectedConfirmation = (step) => step.id ?? CONFIRM_WORD;

/** needsConfirmation says whether a step asks for a typed confirmation: dangerous, or guarded so. */
export const needsConfirmation = (step) => step.risk === 'dangerous' || step.guard?.confirm === true;

/** needsApproval says whether a step asks for a second person's approval: destructive, or guarded so. */
export const needsApproval = (step) => step.risk === 'destructive' || step.guard?.approval === true;

/** FAILED lists the run statuses that stop a scenario. */
export const FAILED = new Set(['failed', 'timeout', 'refused']);
