import { BackgroundTaskEntity } from './background-task.entity';
import { ConcernEntity } from './concern.entity';
import { ConcernFireEntity } from './concern-fire.entity';
import { ConversationMessageEntity } from './conversation-message.entity';
import { EnvironmentEntity } from './environment.entity';
import { MindEntity } from './mind.entity';
import { MindLeaseEntity } from './mind-lease.entity';
import { MindRecordEntity } from './mind-record.entity';
import { RelationshipEntity } from './relationship.entity';
import { ScheduleFireEntity } from './schedule-fire.entity';
import { ScheduleEntity } from './schedule.entity';
import { ApiTokenEntity } from './api-token.entity';
import { MemoryCatalogEntity } from './memory-catalog.entity';
import { MemoryCatalogCountEntity } from './memory-catalog-count.entity';
import { MemoryOutboxEntity } from './memory-outbox.entity';
import { MemoryAliasEntity } from './memory-alias.entity';

export {
  BackgroundTaskEntity,
  ConcernEntity,
  ConcernFireEntity,
  ConversationMessageEntity,
  EnvironmentEntity,
  MindEntity,
  MindLeaseEntity,
  MindRecordEntity,
  RelationshipEntity,
  ScheduleEntity,
  ScheduleFireEntity,
  ApiTokenEntity,
  MemoryCatalogEntity,
  MemoryCatalogCountEntity,
  MemoryOutboxEntity,
  MemoryAliasEntity,
};

export const ENTITIES = [
  MindEntity,
  EnvironmentEntity,
  RelationshipEntity,
  ConversationMessageEntity,
  ConcernEntity,
  BackgroundTaskEntity,
  MindRecordEntity,
  ScheduleEntity,
  ScheduleFireEntity,
  MindLeaseEntity,
  ConcernFireEntity,
  ApiTokenEntity,
  MemoryCatalogEntity,
  MemoryCatalogCountEntity,
  MemoryOutboxEntity,
  MemoryAliasEntity,
] as const;
