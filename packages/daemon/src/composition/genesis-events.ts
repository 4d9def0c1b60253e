import type { DependencyContainer } from 'tsyringe';
import { MESSAGE_STORE, TASK_STORE, UNIT_OF_WORK } from '@genesis/mind-core';
import type { Logger, MessageStore, NewTask, StoredMessage, TaskStore } from '@genesis/mind-core';
import type { TransactionStores, UnitOfWork } from '@genesis/mind-core';

/**
 * What happened in this process, as the HTTP events stream and the metrics hear it:
 * - `message.added` { message } — a message appended (through a Mind, a follow-up, the HTTP API);
 * - `messages.added` { count } — a batch appended (`addMessages`, imports): its count only;
 * - `memory.added` { memory } — a memory stored in the memory tier (not a near-duplicate merged);
 * - `memory.searched` { durationMs, hits } — a search of a Mind's memories;
 * - `task.enqueued` { taskId, type } — a task created (not an idempotent repeat);
 * - `task.finished` { taskId, type, status: succeeded|failed|dead, attempts, durationMs, error? };
 * - `follow-up.fired` { concernId, check, taskId, messageId, delivered } — a follow-up delivered.
 */
export interface GenesisEvent {
  mindId: string;
  type: string;
  data: Record<string, unknown>;
}

export type GenesisEventListener = (event: GenesisEvent) => void;

/** The process's event bus: listeners are called synchronously; one that throws never stops the others. */
export class GenesisEventBus {
  private readonly listeners = new Set<GenesisEventListener>();

  constructor(private readonly log: Logger) {}

  on(listener: GenesisEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(mindId: string, type: string, data: Record<string, unknown>): void {
    if (this.listeners.size === 0) return;
    const event = { mindId, type, data };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn({ err: error, type }, 'an event listener failed');
      }
    }
  }
}

/** A message as events carry it (no archive flag, no import key). */
export function messageEventData(m: StoredMessage): Record<string, unknown> {
  return {
    message: {
      id: m.id,
      role: m.role,
      content: m.content,
      userEmail: m.userEmail,
      environmentId: m.environmentId,
      metadata: m.metadata,
      createdAt: new Date(m.createdAt).toISOString(),
    },
  };
}

type Emit = (mindId: string, type: string, data: Record<string, unknown>) => void;

/**
 * `inner` with some methods replaced; every other member read from (and bound to) `inner`. Each
 * method is bound once, not on every call (these stores sit on the hot path of every write).
 */
function decorate<T extends object>(inner: T, overrides: Partial<T>): T {
  const bound = new Map<PropertyKey, { of: unknown; fn: unknown }>();
  return new Proxy(inner, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const hit = bound.get(key);
      if (hit?.of === value) return hit.fn;
      const fn = (value as (...args: unknown[]) => unknown).bind(target);
      bound.set(key, { of: value, fn });
      return fn;
    },
  });
}

function observedMessages(inner: MessageStore, emit: Emit): MessageStore {
  return decorate(inner, {
    async append(message: Parameters<MessageStore['append']>[0]) {
      const stored = await inner.append(message);
      emit(stored.mindId, 'message.added', messageEventData(stored));
      return stored;
    },
    async appendMany(messages: Parameters<MessageStore['appendMany']>[0]) {
      const result = await inner.appendMany(messages);
      const byMind = new Map<string, number>();
      for (const m of messages) byMind.set(m.mindId, (byMind.get(m.mindId) ?? 0) + 1);
      // The store reports the total inserted; with one Mind (the usual case) that is its count.
      if (result.inserted > 0)
        for (const [mindId, offered] of byMind)
          emit(mindId, 'messages.added', { count: byMind.size === 1 ? result.inserted : offered });
      return result;
    },
  });
}

function observedTasks(inner: TaskStore, emit: Emit): TaskStore {
  const told = (results: Array<{ task: { id: string; mindId: string; type: string }; created: boolean }>) => {
    for (const { task, created } of results)
      if (created) emit(task.mindId, 'task.enqueued', { taskId: task.id, type: task.type });
  };
  return decorate(inner, {
    async enqueue(task: NewTask) {
      const result = await inner.enqueue(task);
      told([result]);
      return result;
    },
    async enqueueMany(tasks: readonly NewTask[]) {
      const results = await inner.enqueueMany(tasks);
      told(results);
      return results;
    },
  });
}

/**
 * Hook `observeStores`: replaces MESSAGE_STORE, TASK_STORE and UNIT_OF_WORK in the container with
 * decorators that tell `bus` of appended messages and created tasks — after the commit for writes
 * made in a unit of work (a run tried again after a lock conflict tells only its last try). Call it
 * before anything resolves those tokens.
 */
export function observeStores(container: DependencyContainer, bus: GenesisEventBus): void {
  const emit: Emit = (mindId, type, data) => bus.emit(mindId, type, data);
  const messages = container.resolve(MESSAGE_STORE);
  const tasks = container.resolve(TASK_STORE);
  const unitOfWork = container.resolve(UNIT_OF_WORK);
  container.registerInstance(MESSAGE_STORE, observedMessages(messages, emit));
  container.registerInstance(TASK_STORE, observedTasks(tasks, emit));
  const observedUnitOfWork: UnitOfWork = {
    async run(work) {
      let pending: Array<[string, string, Record<string, unknown>]> = [];
      const result = await unitOfWork.run((stores: TransactionStores) => {
        pending = [];
        const later: Emit = (...event) => pending.push(event);
        return work({
          ...stores,
          messages: observedMessages(stores.messages, later),
          tasks: observedTasks(stores.tasks, later),
        });
      });
      for (const [mindId, type, data] of pending) emit(mindId, type, data);
      return result;
    },
  };
  container.registerInstance(UNIT_OF_WORK, observedUnitOfWork);
}
