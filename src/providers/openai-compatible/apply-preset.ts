import { createHash } from 'node:crypto';
import type { Warnings } from '../shared/warnings.js';
import type { PresetRules } from './presets.js';

type JsonObject = Record<string, unknown>;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A stable 9-character alphanumeric id for any tool-call id (the same id maps the same way in every turn). */
export function alnum9(id: string): string {
  if (/^[A-Za-z0-9]{9}$/.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALNUM[digest[i]! % ALNUM.length];
  return out;
}

/** Apply a preset's field rules to a chat-completions body (in place), noting what was removed. */
export function applyPreset(body: JsonObject, rules: PresetRules, warnings: Warnings): void {
  for (const field of rules.dropFields ?? []) {
    if (body[field] === undefined) continue;
    delete body[field];
    warnings.add('field_dropped', `${field} is not accepted by this service and was left out`, field);
  }
  for (const [field, value] of Object.entries(rules.pinFields ?? {})) {
    if (body[field] !== undefined && body[field] !== value) {
      body[field] = value;
      warnings.add('field_dropped', `${field} is fixed to ${JSON.stringify(value)} by this service`, field);
    }
  }
  const messages = Array.isArray(body.messages) ? (body.messages as JsonObject[]) : [];
  for (const message of messages) {
    for (const field of rules.dropMessageFields ?? []) delete message[field];
    if (rules.toolCallIds === 'alnum9') {
      if (typeof message.tool_call_id === 'string') message.tool_call_id = alnum9(message.tool_call_id);
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls as JsonObject[]) {
          if (typeof call.id === 'string') call.id = alnum9(call.id);
        }
      }
    }
  }
}
