import type { DependencyContainer } from 'tsyringe';
import { MEMORY_BACKEND } from '@genesis/mind-core';
import { ChromaMemoryBackend, type ChromaMemoryOptions } from './chroma-memory-backend';
import { CHROMA_MEMORY_BACKEND, CHROMA_MEMORY_OPTIONS } from './tokens';

/**
 * Registers the memory tier in a tsyringe container: a Chroma backend under mind-core's
 * MEMORY_BACKEND (connected on first use). Returns it, so the composition can close it.
 */
export function registerChromaMemory(
  container: DependencyContainer,
  options: ChromaMemoryOptions,
): ChromaMemoryBackend {
  const backend = new ChromaMemoryBackend(options);
  container.registerInstance(CHROMA_MEMORY_OPTIONS, options);
  container.registerInstance(CHROMA_MEMORY_BACKEND, backend);
  container.registerInstance(MEMORY_BACKEND, backend);
  return backend;
}
