import { invalidInput, nonEmptyText, epochMs } from '@genesis/mind-core';
import type { Clock, ConcernStore, MessageStore, TaskHandler } from '@genesis/mind-core';
import type { FollowUpPayload } from '../follow-ups/follow-up-scanner';
import {
  appendFollowUpMessage,
  defaultFollowUpText,
  logFollowUp,
  postFollowUpWebhook,
} from '../follow-ups/follow-up-notifiers';
import type { ComposeFollowUp, FollowUpDelivery, WebhookSettings } from '../follow-ups/follow-up-notifiers';

export interface FollowUpNotifiers {
  conversation: boolean;
  log: boolean;
  webhook?: WebhookSettings;
}

export interface FollowUpHandlerDependencies {
  concerns: ConcernStore;
  messages: MessageStore;
  clock: Clock;
  notifiers: FollowUpNotifiers;
  /** The SDK user's text (e.g. from their LLM); default a plain template naming the concern. */
  composeFollowUp?: ComposeFollowUp;
}

function payloadOf(payload: unknown): FollowUpPayload {
  if (payload === null || typeof payload !== 'object') throw invalidInput('payload', 'must be { concernId, checkAt }');
  const p = payload as Record<string, unknown>;
  return {
    concernId: nonEmptyText(p.concernId, 'payload.concernId', 64),
    checkAt: epochMs(p.checkAt, 'payload.checkAt'),
  };
}

/**
 * `concern.follow-up`: runs the configured notifiers for one fired check — `conversation` (one
 * message per check, however often the attempt runs), `log`, `webhook` (signed; a failure throws so
 * the queue retries with backoff, and after maxAttempts the task is dead). A concern resolved,
 * dismissed or snoozed since the check fired is not followed up.
 */
export function createFollowUpHandler(deps: FollowUpHandlerDependencies): TaskHandler {
  return async ({ task, mind, signal, log }) => {
    const { concernId, checkAt } = payloadOf(task.payload);
    const concern = await deps.concerns.get(mind.gmid, concernId);
    if (!concern) return { skipped: 'concern not found', concernId };
    if (concern.status !== 'active') return { skipped: `concern is ${concern.status}`, concernId };
    const delivery: FollowUpDelivery = { mind, concern, checkAt, taskId: task.id, attempt: task.attempts, text: '' };
    const delivered: string[] = [];
    let messageId: string | null = null;
    if (deps.notifiers.conversation) {
      // A message of an earlier attempt is found by its key: its text is the one every notifier sends.
      const text = await compose(deps, delivery);
      const message = await appendFollowUpMessage(deps.messages, { ...delivery, text });
      delivery.text = message.content;
      messageId = message.id;
      delivered.push('conversation');
    } else {
      delivery.text = await compose(deps, delivery);
    }
    if (deps.notifiers.log) {
      logFollowUp(log, delivery);
      delivered.push('log');
    }
    let webhookStatus: number | null = null;
    if (deps.notifiers.webhook) {
      webhookStatus = await postFollowUpWebhook(deps.notifiers.webhook, delivery, deps.clock.now(), signal);
      delivered.push('webhook');
    }
    return { concernId, check: checkAt, delivered, messageId, webhookStatus };
  };
}

async function compose(deps: FollowUpHandlerDependencies, d: FollowUpDelivery): Promise<string> {
  const text = await (deps.composeFollowUp ?? defaultFollowUpText)(d.concern, d.mind);
  if (typeof text !== 'string' || text.trim() === '')
    throw invalidInput(
      'composeFollowUp',
      `must return the follow-up text (a non-empty string), got ${JSON.stringify(text)}`,
    );
  return text;
}
