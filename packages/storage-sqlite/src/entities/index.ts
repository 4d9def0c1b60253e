import { BackgroundTaskEntity } from './background-task.entity';
import { ConcernEntity } from './concern.entity';
import { ConversationMessageEntity } from './conversation-message.entity';
import { EnvironmentEntity } from './environment.entity';
import { MindEntity } from './mind.entity';
import { MindRecordEntity } from './mind-record.entity';
import { RelationshipEntity } from './relationship.entity';

export {
  BackgroundTaskEntity,
  ConcernEntity,
  ConversationMessageEntity,
  EnvironmentEntity,
  MindEntity,
  MindRecordEntity,
  RelationshipEntity,
};

export const ENTITIES = [
  MindEntity,
  EnvironmentEntity,
  RelationshipEntity,
  ConversationMessageEntity,
  ConcernEntity,
  BackgroundTaskEntity,
  MindRecordEntity,
] as const;
