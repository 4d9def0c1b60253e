import type { InjectionToken } from 'tsyringe';
import type { ChromaMemoryBackend, ChromaMemoryOptions } from './chroma-memory-backend';

/** The settings the memory tier was registered with. */
export const CHROMA_MEMORY_OPTIONS: InjectionToken<ChromaMemoryOptions> = Symbol('ChromaMemoryOptions');
/** The concrete backend (also registered as mind-core's MEMORY_BACKEND), for its URL and close(). */
export const CHROMA_MEMORY_BACKEND: InjectionToken<ChromaMemoryBackend> = Symbol('ChromaMemoryBackend');
