import { createHmac } from 'node:crypto';
import { GenesisError } from '@genesis/mind-core';
import type { Logger, Mind, MessageStore, StoredConcern, StoredMessage } from '@genesis/mind-core';

/** One follow-up to deliver: the concern, its check and the text. */
export interface FollowUpDelivery {
  mind: Mind;
  concern: StoredConcern;
  checkAt: number;
  taskId: string;
  /** The attempt of the task (1 on the first). */
  attempt: number;
  text: string;
}

/** Writes the follow-up text for a concern (an SDK user's hook may call an LLM). */
export type ComposeFollowUp = (concern: StoredConcern, mind: Mind) => string | Promise<string>;

/** The text when no `composeFollowUp` hook is given: a plain template naming the concern. */
export const defaultFollowUpText: ComposeFollowUp = (concern) =>
  `Checking in about ${concern.description.trim()}: how is it going?`;

/** The message key of a check: a retried attempt finds its message instead of adding a second. */
export const followUpMessageKey = (concernId: string, checkAt: number): string => `follow-up:${concernId}:${checkAt}`;

/**
 * `conversation`: appends the follow-up to the Mind's conversation (role assistant, to the
 * concern's user) with metadata { kind: 'follow-up', concernId, check }. Idempotent per check: the
 * message carries a deterministic key, so a retried attempt returns the first message.
 */
export async function appendFollowUpMessage(messages: MessageStore, d: FollowUpDelivery): Promise<StoredMessage> {
  return messages.append({
    mindId: d.mind.gmid,
    role: 'assistant',
    content: d.text,
    userEmail: d.concern.userEmail,
    metadata: { kind: 'follow-up', concernId: d.concern.id, check: d.checkAt, taskId: d.taskId },
    sourceKey: followUpMessageKey(d.concern.id, d.checkAt),
  });
}

/** `log`: one structured line per delivery. */
export function logFollowUp(log: Logger, d: FollowUpDelivery): void {
  log.info(
    {
      kind: 'follow-up',
      mindId: d.mind.gmid,
      concernId: d.concern.id,
      check: new Date(d.checkAt).toISOString(),
      userEmail: d.concern.userEmail,
      concernType: d.concern.concernType,
      urgency: d.concern.urgency,
      taskId: d.taskId,
      attempt: d.attempt,
      text: d.text,
    },
    'follow-up',
  );
}

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** `sha256=<hex>` of HMAC-SHA256 over `${timestamp}.${body}` with the secret. */
export function followUpSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body a webhook receives. */
export function webhookBody(d: FollowUpDelivery): Record<string, unknown> {
  return {
    type: 'concern.follow-up',
    /** Unique per check: a receiver drops repeats (a retried attempt may deliver twice). */
    id: `concern:${d.concern.id}:${d.checkAt}`,
    mind: { gmid: d.mind.gmid, name: d.mind.name },
    concern: {
      id: d.concern.id,
      type: d.concern.concernType,
      description: d.concern.description,
      urgency: d.concern.urgency,
      severity: d.concern.severity,
      userEmail: d.concern.userEmail,
      followUpCount: d.concern.followUpCount,
    },
    check: d.checkAt,
    checkIso: new Date(d.checkAt).toISOString(),
    text: d.text,
    taskId: d.taskId,
    attempt: d.attempt,
  };
}

/**
 * `webhook`: POSTs the JSON body with `x-genesis-timestamp` (unix seconds) and
 * `x-genesis-signature: sha256=<hex HMAC-SHA256 of "${timestamp}.${body}">`. A non-2xx answer, a
 * network error or the timeout throws, so the task queue retries the attempt with backoff.
 */
export async function postFollowUpWebhook(
  settings: WebhookSettings,
  d: FollowUpDelivery,
  now: number,
  signal: AbortSignal,
): Promise<number> {
  const body = JSON.stringify(webhookBody(d));
  const timestamp = String(Math.floor(now / 1000));
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'genesis-follow-ups',
        'x-genesis-event': 'concern.follow-up',
        'x-genesis-delivery': `concern:${d.concern.id}:${d.checkAt}`,
        'x-genesis-timestamp': timestamp,
        'x-genesis-signature': followUpSignature(settings.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
  } catch (cause) {
    const timedOut = timeout.aborted && !signal.aborted;
    throw new GenesisError(
      'INTERNAL_ERROR',
      timedOut
        ? `follow-up webhook ${redacted(settings.url)} did not answer within ${settings.timeoutMs} ms`
        : `follow-up webhook ${redacted(settings.url)} failed: ${(cause as Error).message}`,
      { cause },
    );
  }
  // The body is read (and dropped) so the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299)
    throw new GenesisError(
      'INTERNAL_ERROR',
      `follow-up webhook ${redacted(settings.url)} answered ${response.status}; the attempt is retried`,
    );
  return response.status;
}

/** The URL without a password or query (they may hold a token). */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
