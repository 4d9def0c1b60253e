import type { ConcernStore, FollowUpPolicyConfig, MessageStore, RelationshipStore } from '@genesis/mind-core';
import type { FollowUpNotifiers } from '../handlers/follow-up.handler';

export { FollowUpScanner, FOLLOW_UP_TASK, followUpKey } from './follow-up-scanner';
export type { FollowUpPayload, FollowUpScan, FollowUpScannerOptions } from './follow-up-scanner';
export { defaultFollowUpText, followUpSignature, followUpMessageKey, webhookBody } from './follow-up-notifiers';
export type { ComposeFollowUp, FollowUpDelivery, WebhookSettings } from './follow-up-notifiers';

/** What a daemon needs to fire follow-ups (absent: it fires none). */
export interface FollowUpDependencies {
  concerns: ConcernStore;
  messages: MessageStore;
  /** Where a user's time zone may be (relationship metadata.timezone). */
  relationships?: RelationshipStore;
  settings: {
    enabled: boolean;
    /** The Mind's time zone (null: UTC). */
    timezone: string | null;
    maxAttempts: number;
    notifiers: FollowUpNotifiers;
    policy: FollowUpPolicyConfig;
  };
}
