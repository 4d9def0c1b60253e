import type { TaskHandler } from '@genesis/mind-core';

/** `echo`: returns its payload. Proves a daemon runs the Mind's tasks (and measures the queue). */
export const echoHandler: TaskHandler = async ({ task }) => ({ echo: task.payload });
