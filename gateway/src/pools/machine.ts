import { readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { MachineResources } from './pool-spec.js';

/**
 * This machine's memory and NVIDIA GPUs, as the driver lists them in
 * `/proc/driver/nvidia/gpus` (one entry per device, in CUDA's order); none without the driver.
 */
export function detectMachine(): MachineResources {
  let gpus: string[] = [];
  try {
    gpus = readdirSync('/proc/driver/nvidia/gpus').map((_, i) => String(i));
  } catch {
    // No NVIDIA driver: no GPU.
  }
  return { memoryMb: Math.floor(totalmem() / (1024 * 1024)), gpus };
}

/** The text of a pools file; its absence or unreadability is the caller's to report. */
export function readPoolsFile(path: string): string {
  return readFileSync(path, 'utf8');
}
