/**
 * A worker thread for test/runtime/logger.test.ts: writes `count` lines of `size` characters through
 * the thread's logger (the process's log file, as a task slot does), then says so.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { processLogger } from '../../src/core/logger.ts';
import { initThreadLogging } from '../../src/runtime/logging/process-logging.ts';

initThreadLogging();
const { count, size, name } = workerData as { count: number; size: number; name: string };
const log = processLogger().child({ writer: name });
const padding = name[0].repeat(size);
for (let i = 0; i < count; i++) log.info(`line ${i}`, { seq: i, padding });
parentPort!.postMessage('done');
