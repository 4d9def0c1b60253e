import type { InjectionToken } from 'tsyringe';
import type { Clock } from './ports/clock';
import type { ConcernStore } from './ports/concern-store';
import type { EnvironmentStore } from './ports/environment-store';
import type { MessageStore } from './ports/message-store';
import type { MindRegistry } from './ports/mind-registry';
import type { RecordStore } from './ports/record-store';
import type { RelationshipStore } from './ports/relationship-store';
import type { TaskStore } from './ports/task-store';

export const CLOCK: InjectionToken<Clock> = Symbol('Clock');
export const MESSAGE_STORE: InjectionToken<MessageStore> = Symbol('MessageStore');
export const CONCERN_STORE: InjectionToken<ConcernStore> = Symbol('ConcernStore');
export const TASK_STORE: InjectionToken<TaskStore> = Symbol('TaskStore');
export const MIND_REGISTRY: InjectionToken<MindRegistry> = Symbol('MindRegistry');
export const ENVIRONMENT_STORE: InjectionToken<EnvironmentStore> = Symbol('EnvironmentStore');
export const RELATIONSHIP_STORE: InjectionToken<RelationshipStore> = Symbol('RelationshipStore');
export const RECORD_STORE: InjectionToken<RecordStore> = Symbol('RecordStore');
